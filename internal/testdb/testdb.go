// Package testdb gives each test its own migrated database: a temporary
// SQLite file by default, or a fresh PostgreSQL schema when
// TEST_DATABASE_URL is set (CI runs the suite both ways). Tests never see
// each other's rows, and parallel runs never collide.
package testdb

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"switchboard/ent"
	"switchboard/internal/store"
)

// URL is the PostgreSQL server tests run against, or "" for SQLite.
func URL() string { return os.Getenv("TEST_DATABASE_URL") }

// migrating serializes schema creation: ent's migration mutates shared
// table descriptors, so parallel tests must not migrate at the same time.
var migrating sync.Mutex

// Open returns a fresh database closed (and, on PostgreSQL, dropped) when
// the test ends. Safe for parallel tests.
func Open(t testing.TB, opts ...ent.Option) *store.DB {
	t.Helper()
	migrating.Lock()
	defer migrating.Unlock()
	ctx := context.Background()
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
