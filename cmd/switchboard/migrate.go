package main

import (
	"context"
	"log/slog"
	"os"

	"switchboard/internal/config"
	"switchboard/internal/store"
)

// migrate is `switchboard migrate`: it applies the pending migrations of
// migrations/<dialect> (embedded in the binary) and exits. Deployments that
// start serve with MIGRATE_ON_START=false run it as their release step. A
// database created by the auto-migration of earlier releases is recognized
// and baselined first.
func migrate(log *slog.Logger) error {
	cfg, err := config.Load(os.Getenv, log)
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, err := openStore(ctx, cfg, store.SchemaAsIs)
	if err != nil {
		return err
	}
	defer db.Close()
	before, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	after, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	log.Info("schema up to date", "dialect", db.Dialect, "version", after.Version,
		"previous_version", before.Version, "applied", before.Pending-after.Pending)
	return nil
}

// startSchema is what serve (and the admin commands) do with the schema
// when they open the database: apply pending migrations, or with
// MIGRATE_ON_START=false only insist that none is pending.
func startSchema(cfg *config.Config) store.SchemaMode {
	if cfg.MigrateOnStart {
		return store.MigrateSchema
	}
	return store.RequireCurrentSchema
}

// openStore opens the database cfg names, treating its schema as mode says.
func openStore(ctx context.Context, cfg *config.Config, mode store.SchemaMode) (*store.DB, error) {
	o := store.Options{Schema: mode}
	if cfg.Postgres() {
		return store.OpenPostgresWith(ctx, cfg.DatabaseURL, o)
	}
	return store.OpenSQLiteWith(ctx, cfg.SQLitePath(), o)
}
