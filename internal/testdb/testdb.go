// Package testdb gives each test its own migrated database: a temporary
// SQLite file by default, or a fresh PostgreSQL schema when
// TEST_DATABASE_URL is set (CI runs the suite both ways). The schema is
// built by applying migrations/, exactly as in production. Tests never see
// each other's rows, and parallel runs never collide.
package testdb

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"switchboard/ent"
	"switchboard/internal/store"
	"switchboard/migrations"
)

// URL is the PostgreSQL server tests run against, or "" for SQLite.
func URL() string { return os.Getenv("TEST_DATABASE_URL") }

// drift is checked once per test binary: when ent/schema has changes that
// no migration covers, every test would fail on a missing column, so
// Open says what is wrong instead.
var drift struct {
	once sync.Once
	err  error
}

// Open returns a fresh database closed (and, on PostgreSQL, dropped) when
// the test ends. Safe for parallel tests.
func Open(t testing.TB, opts ...ent.Option) *store.DB {
	t.Helper()
	ctx := context.Background()
	drift.once.Do(func() { drift.err = checkDrift(ctx) })
	if drift.err != nil {
		t.Fatalf("testdb: %v", drift.err)
	}
	base := URL()
	if base == "" {
		db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "switchboard.db"), opts...)
		if err != nil {
			t.Fatalf("testdb: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dsn, drop := NewSchema(t, base)
	db, err := store.OpenPostgres(ctx, dsn, opts...)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(func() { db.Close(); drop() })
	return db
}

// checkDrift fails when the SQLite migrations do not build the ent schema.
func checkDrift(ctx context.Context) error {
	files, err := store.UnmigratedChanges(ctx, dialect.SQLite, "")
	if err != nil {
		return err
	}
	if len(files) > 0 {
		return fmt.Errorf("ent/schema has changes that migrations/ does not cover: run `make migration name=<what_changed>` and commit the files")
	}
	return nil
}

// CreateUnversioned builds on db the schema that releases before versioned
// migrations left, created by client.Schema.Create at start: exactly what
// the first migration builds (generated from that same ent schema), with
// no schema_migrations table. Tests of the upgrade path start from it.
func CreateUnversioned(t testing.TB, db *store.DB) {
	t.Helper()
	dir := "sqlite"
	if db.Dialect == dialect.Postgres {
		dir = "postgres"
	}
	// ReadDir sorts by name, and versions are fixed-width timestamps.
	entries, err := fs.ReadDir(migrations.FS, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".up.sql") {
			b, err := fs.ReadFile(migrations.FS, path.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL.ExecContext(context.Background(), string(b)); err != nil {
				t.Fatalf("testdb: %s: %v", e.Name(), err)
			}
			return
		}
	}
	t.Fatal("testdb: no migrations")
}

// NewSchema creates an empty schema on the server at base and returns a
// URL whose connections use it, and a function that drops it.
func NewSchema(t testing.TB, base string) (dsn string, drop func()) {
	t.Helper()
	dsn, drop, err := store.ScratchSchema(base, "test_")
	if err != nil {
		t.Fatalf("testdb: PostgreSQL at TEST_DATABASE_URL unusable: %v", err)
	}
	return dsn, drop
}
