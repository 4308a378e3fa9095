package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"sort"

	"entgo.io/ent/dialect"
	gomigrate "github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	"github.com/golang-migrate/migrate/v4/database/postgres"
	"github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"switchboard/ent/migrate"
	"switchboard/migrations"
)

// versionTable is golang-migrate's table of the applied version.
const versionTable = "schema_migrations"

// SchemaMode says what opening a database does to its schema.
type SchemaMode int

const (
	// MigrateSchema applies pending migrations (the default, and what
	// `switchboard migrate` does). A database created by the auto-migration
	// of earlier releases is first recognized and baselined.
	MigrateSchema SchemaMode = iota
	// RequireCurrentSchema applies nothing and refuses a database that
	// has pending migrations (serve with MIGRATE_ON_START=false).
	RequireCurrentSchema
	// SchemaAsIs neither applies nor checks anything (`switchboard
	// migrate` reads the version before it migrates).
	SchemaAsIs
)

// MigrationStatus is where a database stands among the migrations this
// binary carries.
type MigrationStatus struct {
	Version uint // the applied version; 0 when none is recorded
	Dirty   bool // a migration to Version failed midway
	Latest  uint // the newest version in migrations/<dialect>
	Pending int  // migrations newer than Version
}

// ErrDirty means a migration failed midway: the database needs a human,
// who repairs the schema and then records the version with golang-migrate's
// CLI (migrate -path migrations/<dialect> -database <url> force <version>).
var ErrDirty = errors.New("a migration failed midway and left the schema marked dirty")

// migrationDir is the dialect's directory in migrations.FS.
func migrationDir(dia string) string {
	if dia == dialect.Postgres {
		return "postgres"
	}
	return "sqlite"
}

// embedded is the dialect's migrations as built into the binary.
func embedded(dia string) fs.FS {
	sub, err := fs.Sub(migrations.FS, migrationDir(dia))
	if err != nil {
		panic(err) // a constant, valid path
	}
	return sub
}

// migrationVersions lists the versions of the migrations in src,
// ascending.
func migrationVersions(src fs.FS) ([]uint, error) {
	entries, err := fs.ReadDir(src, ".")
	if err != nil {
		return nil, err
	}
	var vs []uint
	for _, e := range entries {
		m, err := source.DefaultParse(e.Name())
		if err != nil || m.Direction != source.Up {
			continue
		}
		vs = append(vs, m.Version)
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i] < vs[j] })
	if len(vs) == 0 {
		return nil, errors.New("store: no migrations")
	}
	return vs, nil
}

// upSQL is the text of the up migration of version v.
func upSQL(src fs.FS, v uint) (string, error) {
	entries, err := fs.ReadDir(src, ".")
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if m, err := source.DefaultParse(e.Name()); err == nil && m.Version == v && m.Direction == source.Up {
			b, err := fs.ReadFile(src, e.Name())
			return string(b), err
		}
	}
	return "", fmt.Errorf("store: no up migration %d", v)
}

// querier is what the schema probes need: a *sql.DB or a *sql.Conn.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func tableExists(ctx context.Context, q querier, dia, name string) (bool, error) {
	query := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if dia == dialect.Postgres {
		query = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	if err := q.QueryRowContext(ctx, query, name).Scan(&n); err != nil {
		return false, fmt.Errorf("store: inspect schema: %w", err)
	}
	return n > 0, nil
}

// migrationStatus reads the applied version.
func migrationStatus(ctx context.Context, q querier, dia string, src fs.FS) (MigrationStatus, error) {
	vs, err := migrationVersions(src)
	if err != nil {
		return MigrationStatus{}, err
	}
	st := MigrationStatus{Latest: vs[len(vs)-1]}
	ok, err := tableExists(ctx, q, dia, versionTable)
	if err != nil {
		return st, err
	}
	if ok {
		var v int64
		err := q.QueryRowContext(ctx, `SELECT version, dirty FROM `+versionTable+` LIMIT 1`).Scan(&v, &st.Dirty)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return st, fmt.Errorf("store: read schema version: %w", err)
		}
		if v > 0 {
			st.Version = uint(v)
		}
	}
	for _, v := range vs {
		if v > st.Version {
			st.Pending++
		}
	}
	return st, nil
}

// requireCurrent fails unless the schema is at the latest version (or
// newer: a replica of the previous release keeps running while the next
// one's migrations, which must stay compatible with it, are applied).
func requireCurrent(ctx context.Context, q querier, dia string, src fs.FS) error {
	st, err := migrationStatus(ctx, q, dia, src)
	if err != nil {
		return err
	}
	if st.Dirty {
		return fmt.Errorf("store: schema version %d: %w", st.Version, ErrDirty)
	}
	if st.Pending > 0 {
		return fmt.Errorf("store: the schema is at version %d and %d migration(s) up to %d are pending: run `switchboard migrate` (or start with MIGRATE_ON_START=true)",
			st.Version, st.Pending, st.Latest)
	}
	return nil
}

// migrateUp applies pending migrations. On PostgreSQL it holds an advisory
// lock, keyed by database and schema, for the whole step, so replicas
// starting together apply each migration once and the losers wait and
// then find nothing to do.
func migrateUp(ctx context.Context, db *sql.DB, dia string, src fs.FS) error {
	if dia != dialect.Postgres {
		return withDriver(ctx, db, nil, dia, src, func(drv database.Driver) error { return up(drv, dia, src) })
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	unlock, err := advisoryLock(ctx, conn)
	if err != nil {
		return err
	}
	defer unlock()
	return withDriver(ctx, db, conn, dia, src, func(drv database.Driver) error { return up(drv, dia, src) })
}

// migrateSQLite applies pending migrations on a connection of its own that
// does not enforce foreign keys, as SQLite's procedure for schema changes
// requires: ent writes table changes as "create the new table, copy, drop
// the old one, rename", and with enforcement on, dropping a referenced
// table would run its ON DELETE actions (cascading deletes) on the rows
// that point to it; the PRAGMA foreign_keys = off in the files is a no-op
// inside golang-migrate's transaction. Afterwards foreign_key_check must
// find no dangling reference.
func migrateSQLite(ctx context.Context, dsn string, src fs.FS) error {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := migrateUp(ctx, db, dialect.SQLite, src); err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("store: foreign key check: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var table string
		var rowid sql.NullInt64
		var parent string
		var fkid int
		_ = rows.Scan(&table, &rowid, &parent, &fkid)
		return fmt.Errorf("store: after migrating, rows of %s point to missing rows of %s", table, parent)
	}
	return rows.Err()
}

// withDriver runs f with golang-migrate's driver for db (on PostgreSQL on
// conn, whose session holds the advisory lock), after baselining a
// database that auto-migration created: such a database has the tables but
// no version table; once its schema is what the first migration builds
// (see baseline), that migration is recorded as applied.
func withDriver(ctx context.Context, db *sql.DB, conn *sql.Conn, dia string, src fs.FS, f func(database.Driver) error) error {
	var q querier = db
	if conn != nil {
		q = conn
	}
	legacy, err := autoMigrated(ctx, q, dia)
	if err != nil {
		return err
	}
	vs, err := migrationVersions(src)
	if err != nil {
		return err
	}
	if legacy {
		if err := baseline(ctx, db, conn, dia, src, vs[0]); err != nil {
			return err
		}
	}
	var drv database.Driver
	if conn != nil {
		drv, err = postgres.WithConnection(ctx, conn, &postgres.Config{})
	} else {
		// Never closed: its Close would close db, which the caller owns.
		drv, err = sqlite.WithInstance(db, &sqlite.Config{})
	}
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	if legacy {
		if err := drv.SetVersion(int(vs[0]), false); err != nil {
			return fmt.Errorf("store: record baseline version: %w", err)
		}
	}
	return f(drv)
}

// autoMigrated reports whether the database has Switchboard's tables but
// no version table: it was made by `client.Schema.Create`.
func autoMigrated(ctx context.Context, q querier, dia string) (bool, error) {
	versioned, err := tableExists(ctx, q, dia, versionTable)
	if err != nil || versioned {
		return false, err
	}
	for _, t := range migrate.Tables {
		ok, err := tableExists(ctx, q, dia, t.Name)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func up(drv database.Driver, dia string, files fs.FS) error {
	src, err := iofs.New(files, ".")
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	defer src.Close()
	m, err := gomigrate.NewWithInstance("iofs", src, dia, drv)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	err = m.Up()
	var dirty gomigrate.ErrDirty
	switch {
	case err == nil, errors.Is(err, gomigrate.ErrNoChange):
		return nil
	case errors.As(err, &dirty):
		return fmt.Errorf("store: schema version %d: %w", dirty.Version, ErrDirty)
	default:
		return fmt.Errorf("store: migrate: %w", err)
	}
}

// advisoryLock takes the session-level advisory lock that serializes
// migrations of this database and schema, waiting for it as long as ctx
// allows.
func advisoryLock(ctx context.Context, conn *sql.Conn) (unlock func(), err error) {
	var db, schema string
	if err := conn.QueryRowContext(ctx, `SELECT current_database(), current_schema()`).Scan(&db, &schema); err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte("switchboard migrate\x00" + db + "\x00" + schema))
	key := int64(h.Sum64())
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return nil, fmt.Errorf("store: migration lock: %w", err)
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key)
	}, nil
}
