package main

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/internal/store"
	"switchboard/internal/testdb"
)

// `switchboard migrate` upgrades a database that the auto-migration of
// earlier releases created; serve with MIGRATE_ON_START=false refuses that
// database until then, and opens it afterwards; serve by default migrates a
// fresh database at start. Runs on SQLite, and on PostgreSQL with
// TEST_DATABASE_URL.
func TestMigrateCommand(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// fresh returns DATABASE_URL of a new, empty database.
	fresh := func(t *testing.T) string {
		t.Setenv("DATA_DIR", t.TempDir())
		t.Setenv("ENCRYPTION_KEY", base64.StdEncoding.EncodeToString(make([]byte, 32)))
		if base := testdb.URL(); base != "" {
			dsn, drop := testdb.NewSchema(t, base)
			t.Cleanup(drop)
			return dsn
		}
		return "sqlite://" + filepath.Join(t.TempDir(), "switchboard.db")
	}
	// status opens the database as serve does, then reads its version.
	status := func(t *testing.T) store.MigrationStatus {
		t.Helper()
		cfg, db, err := load(log)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		db, err = openStore(ctx, cfg, store.SchemaAsIs)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	t.Run("auto-migrated database, MIGRATE_ON_START=false", func(t *testing.T) {
		t.Setenv("DATABASE_URL", fresh(t))
		t.Setenv("MIGRATE_ON_START", "false")
		cfg, _, err := load(log) // refused: nothing is recorded yet
		if err == nil || !strings.Contains(err.Error(), "switchboard migrate") {
			t.Fatalf("serve's open of an empty database: %v, want a refusal naming `switchboard migrate`", err)
		}
		old, err := openStore(ctx, cfg, store.SchemaAsIs)
		if err != nil {
			t.Fatal(err)
		}
		testdb.CreateUnversioned(t, old)
		old.Close()
		if _, _, err := load(log); err == nil {
			t.Fatal("serve opened an auto-migrated database with MIGRATE_ON_START=false before `switchboard migrate`")
		}
		if err := migrate(log); err != nil {
			t.Fatalf("switchboard migrate: %v", err)
		}
		if err := migrate(log); err != nil {
			t.Fatalf("switchboard migrate, again: %v", err)
		}
		if st := status(t); st.Version != st.Latest || st.Pending != 0 || st.Dirty {
			t.Fatalf("after switchboard migrate: %+v", st)
		}
	})

	t.Run("fresh database, default MIGRATE_ON_START", func(t *testing.T) {
		t.Setenv("DATABASE_URL", fresh(t))
		if st := status(t); st.Version != st.Latest || st.Pending != 0 {
			t.Fatalf("after serve's open: %+v", st)
		}
	})
}
