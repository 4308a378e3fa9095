package store_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"switchboard/ent/migrate"
	"switchboard/internal/store"
	"switchboard/internal/testdb"
	"switchboard/internal/viewer"
	"switchboard/migrations"
)

// pgURL is the PostgreSQL server of the suite, or "" (SQLite only).
func pgURL() string { return os.Getenv("TEST_DATABASE_URL") }

// opener opens one fresh database of a dialect, again and again, with
// whatever schema mode the test asks for.
type opener struct {
	dialect string
	open    func(t *testing.T, mode store.SchemaMode) (*store.DB, error)
}

// openers are the dialects the suite runs on: SQLite always, PostgreSQL
// with TEST_DATABASE_URL. Each returns a function that opens the same
// fresh database (file or scratch schema) every time it is called.
func openers(t *testing.T) []opener {
	ctx := context.Background()
	sqlitePath := filepath.Join(t.TempDir(), "switchboard.db")
	out := []opener{{dialect.SQLite, func(t *testing.T, mode store.SchemaMode) (*store.DB, error) {
		return store.OpenSQLiteWith(ctx, sqlitePath, store.Options{Schema: mode})
	}}}
	if base := pgURL(); base != "" {
		dsn, drop, err := store.ScratchSchema(base, "test_")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(drop)
		out = append(out, opener{dialect.Postgres, func(t *testing.T, mode store.SchemaMode) (*store.DB, error) {
			return store.OpenPostgresWith(ctx, dsn, store.Options{Schema: mode})
		}})
	}
	return out
}

func mustOpen(t *testing.T, o opener, mode store.SchemaMode) *store.DB {
	t.Helper()
	db, err := o.open(t, mode)
	if err != nil {
		t.Fatalf("open %s: %v", o.dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func status(t *testing.T, db *store.DB) store.MigrationStatus {
	t.Helper()
	st, err := db.MigrationStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Opening a database as serve does applies every migration to an empty
// one, records the latest version, and opening it again changes nothing.
func TestOpenAppliesMigrations(t *testing.T) {
	for _, o := range openers(t) {
		t.Run(o.dialect, func(t *testing.T) {
			db := mustOpen(t, o, store.MigrateSchema)
			st := status(t, db)
			if st.Version == 0 || st.Version != st.Latest || st.Pending != 0 || st.Dirty {
				t.Fatalf("after open: %+v, want the latest version applied", st)
			}
			ctx := viewer.System(context.Background())
			tn := db.Client.Tenant.Create().SetName("Acme").SaveX(ctx)
			db.Close()
			again := mustOpen(t, o, store.MigrateSchema)
			if got := status(t, again); got != st {
				t.Fatalf("reopened: %+v, want %+v", got, st)
			}
			if _, err := again.Client.Tenant.Get(ctx, tn.ID); err != nil {
				t.Fatalf("tenant lost on reopen: %v", err)
			}
		})
	}
}

// With MIGRATE_ON_START=false serve opens with RequireCurrentSchema: an
// empty (or outdated) database is refused with a message that says what
// to run, and nothing is created; once migrated it opens.
func TestRequireCurrentSchemaRefusesPendingMigrations(t *testing.T) {
	for _, o := range openers(t) {
		t.Run(o.dialect, func(t *testing.T) {
			_, err := o.open(t, store.RequireCurrentSchema)
			if err == nil || !strings.Contains(err.Error(), "switchboard migrate") {
				t.Fatalf("open of an empty database without migrating: %v, want an error naming `switchboard migrate`", err)
			}
			asIs := mustOpen(t, o, store.SchemaAsIs)
			if st := status(t, asIs); st.Version != 0 || st.Pending == 0 {
				t.Fatalf("refused open changed the schema: %+v", st)
			}
			if err := asIs.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			mustOpen(t, o, store.RequireCurrentSchema)
		})
	}
}

// A database that earlier releases created with auto-migration
// (client.Schema.Create, no version table) is recognized: its schema is
// checked against the first migration, that version is recorded as
// applied, later ones run, and its rows stay and stay writable. The old
// database is built as the first migration builds it; and while that is
// the only migration, also by client.Schema.Create itself, which proves
// the two identical (later, ent/schema has moved on and Create builds a
// newer schema than any old release did).
func TestAutoMigratedDatabaseIsBaselined(t *testing.T) {
	ups, err := fs.Glob(migrations.FS, "sqlite/*.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	builders := []struct {
		name  string
		build func(t *testing.T, db *store.DB)
	}{
		{"first migration unrecorded", func(t *testing.T, db *store.DB) { testdb.CreateUnversioned(t, db) }},
		{"client.Schema.Create", func(t *testing.T, db *store.DB) {
			if len(ups) > 1 {
				t.Skip("ent/schema has moved on since the first migration")
			}
			if err := db.Client.Schema.Create(context.Background(), migrate.WithForeignKeys(true)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, b := range builders {
		t.Run(b.name, func(t *testing.T) {
			for _, o := range openers(t) {
				t.Run(o.dialect, func(t *testing.T) {
					ctx := viewer.System(context.Background())
					old := mustOpen(t, o, store.SchemaAsIs)
					b.build(t, old)
					if _, err := old.SQL.ExecContext(ctx, `INSERT INTO tenants (id, created_at, updated_at, name)
						VALUES ('TN01OLDTENANT000000000000', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'Old data')`); err != nil {
						t.Fatal(err)
					}
					old.Close()

					db := mustOpen(t, o, store.MigrateSchema)
					st := status(t, db)
					if st.Version != st.Latest || st.Pending != 0 || st.Dirty {
						t.Fatalf("after opening the auto-migrated database: %+v", st)
					}
					if got, err := db.Client.Tenant.Get(ctx, "TN01OLDTENANT000000000000"); err != nil || got.Name != "Old data" {
						t.Fatalf("old row: %v, %v", got, err)
					}
					db.Client.Tenant.Create().SetName("New data").SaveX(ctx)
					if n := db.Client.Tenant.Query().CountX(ctx); n != 2 {
						t.Fatalf("%d tenants, want 2", n)
					}
				})
			}
		})
	}
}

// A database that a release older than the first migration
// auto-migrated lacks what was added since (here Job.lease and an index):
// it gets the additions, as auto-migration would have given it, and is
// baselined.
func TestOlderAutoMigratedDatabaseGetsAdditions(t *testing.T) {
	for _, o := range openers(t) {
		t.Run(o.dialect, func(t *testing.T) {
			ctx := viewer.System(context.Background())
			old := mustOpen(t, o, store.SchemaAsIs)
			testdb.CreateUnversioned(t, old)
			for _, q := range []string{`DROP INDEX job_status_run_at`, `ALTER TABLE jobs DROP COLUMN lease`} {
				if _, err := old.SQL.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := old.SQL.ExecContext(ctx, `INSERT INTO jobs (id, kind, payload, status, attempts, max_attempts, run_at, created_at)
				VALUES ('JB01OLDJOB00000000000000000', 'send', '', 'PENDING', 0, 10, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)`); err != nil {
				t.Fatal(err)
			}
			old.Close()

			db := mustOpen(t, o, store.MigrateSchema)
			if st := status(t, db); st.Version != st.Latest || st.Pending != 0 {
				t.Fatalf("after opening: %+v", st)
			}
			var lease int64
			if err := db.SQL.QueryRowContext(ctx, `SELECT lease FROM jobs WHERE kind = 'send'`).Scan(&lease); err != nil || lease != 0 {
				t.Fatalf("old job's lease: %d, %v", lease, err)
			}
			var idx int
			q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'job_status_run_at'`
			if o.dialect == dialect.Postgres {
				q = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'job_status_run_at'`
			}
			if err := db.SQL.QueryRowContext(ctx, q).Scan(&idx); err != nil || idx != 1 {
				t.Fatalf("index job_status_run_at: %d, %v", idx, err)
			}
		})
	}
}

// A database with Switchboard's tables, no version table and a schema
// other than the first migration's is refused (the baseline would be a
// lie), the difference is named, and nothing is recorded.
func TestBaselineRefusesDifferentSchema(t *testing.T) {
	for _, o := range openers(t) {
		t.Run(o.dialect, func(t *testing.T) {
			ctx := context.Background()
			old := mustOpen(t, o, store.SchemaAsIs)
			testdb.CreateUnversioned(t, old)
			if _, err := old.SQL.ExecContext(ctx, `ALTER TABLE tenants ADD COLUMN legacy_note text`); err != nil {
				t.Fatal(err)
			}
			old.Close()
			_, err := o.open(t, store.MigrateSchema)
			if !errors.Is(err, store.ErrUnknownSchema) || !strings.Contains(err.Error(), "legacy_note") {
				t.Fatalf("open: %v, want ErrUnknownSchema naming legacy_note", err)
			}
			if st := status(t, mustOpen(t, o, store.SchemaAsIs)); st.Version != 0 {
				t.Fatalf("refused baseline recorded version %d", st.Version)
			}
		})
	}
}

// Replicas starting together on one fresh PostgreSQL schema all succeed
// and the migrations run once: a second run would fail on CREATE TABLE,
// the version table holds one clean row, and while another session holds
// the migration lock, opening waits for it.
func TestConcurrentMigrationsOnPostgres(t *testing.T) {
	base := pgURL()
	if base == "" {
		t.Skip("TEST_DATABASE_URL unset")
	}
	ctx := context.Background()
	dsn, drop, err := store.ScratchSchema(base, "test_")
	if err != nil {
		t.Fatal(err)
	}
	defer drop()

	const replicas = 4
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	start := make(chan struct{})
	for i := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			db, err := store.OpenPostgres(ctx, dsn)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	db := mustOpen(t, opener{dialect.Postgres, func(*testing.T, store.SchemaMode) (*store.DB, error) {
		return store.OpenPostgresWith(ctx, dsn, store.Options{Schema: store.SchemaAsIs})
	}}, store.SchemaAsIs)
	var rows int
	if err := db.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE NOT dirty`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("schema_migrations: %d clean rows (%v), want 1", rows, err)
	}
	if st := status(t, db); st.Version != st.Latest {
		t.Fatalf("after concurrent starts: %+v", st)
	}
}

// The migration step holds the advisory lock: a replica that starts while
// another one migrates waits until it is done.
func TestMigrationWaitsForTheLock(t *testing.T) {
	base := pgURL()
	if base == "" {
		t.Skip("TEST_DATABASE_URL unset")
	}
	ctx := context.Background()
	dsn, drop, err := store.ScratchSchema(base, "test_")
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	holder, err := store.OpenPostgresWith(ctx, dsn, store.Options{Schema: store.SchemaAsIs})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	release, err := store.HoldMigrationLock(ctx, holder)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		db, err := store.OpenPostgres(ctx, dsn)
		if err == nil {
			db.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		release()
		t.Fatalf("open finished (%v) while another session held the migration lock", err)
	case <-time.After(500 * time.Millisecond):
	}
	release()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("open still waiting after the lock was released")
	}
}

// migrations/ builds exactly what ent/schema defines, on each dialect
// (`make check-migrations` in CI checks the same).
func TestMigrationsMatchEntSchema(t *testing.T) {
	ctx := context.Background()
	files, err := store.UnmigratedChanges(ctx, dialect.SQLite, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) > 0 {
		t.Errorf("sqlite: ent/schema has changes no migration covers: %v (run make migration name=…)", files)
	}
	if base := pgURL(); base != "" {
		dsn, drop, err := store.ScratchSchema(base, "test_")
		if err != nil {
			t.Fatal(err)
		}
		defer drop()
		files, err := store.UnmigratedChanges(ctx, dialect.Postgres, dsn)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) > 0 {
			t.Errorf("postgres: ent/schema has changes no migration covers: %v", files)
		}
	}
}
