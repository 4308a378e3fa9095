// Package store opens Switchboard's database in either storage mode and
// brings its schema up to date by applying the versioned migrations of
// migrations/ (golang-migrate's format, generated from ent/schema): an
// embedded SQLite file (pure Go) or PostgreSQL through lib/pq.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/lib/pq"  // PostgreSQL driver "postgres"
	_ "modernc.org/sqlite" // SQLite driver "sqlite"

	"switchboard/ent"
	_ "switchboard/ent/runtime" // schema hooks, interceptors and policies
)

// DB is an open database: the ent client and, for health checks and the
// few statements ent cannot express, the underlying *sql.DB.
type DB struct {
	Client  *ent.Client
	SQL     *sql.DB
	Dialect string
	// DSN is the PostgreSQL URL, for connections ent does not manage
	// (the LISTEN of the event doorbell); "" for SQLite.
	DSN string

	// migrateDSN is the SQLite URL that migrations open (foreign key
	// enforcement off, see migrateSQLite); "" for PostgreSQL.
	migrateDSN string
}

// Close closes the database.
func (d *DB) Close() error { return d.Client.Close() }

// Ping checks that storage answers; /readyz calls it.
func (d *DB) Ping(ctx context.Context) error { return d.SQL.PingContext(ctx) }

// Checkpoint makes erased data leave the database files after an erasure
// committed: on SQLite it checkpoints the WAL and truncates it, so erased
// pages leave the -wal file too (secure_delete zeroes them in the main
// file); PostgreSQL needs nothing (no query or dump returns deleted rows,
// and vacuum reclaims their space).
func (d *DB) Checkpoint(ctx context.Context) error {
	if d.Dialect != dialect.SQLite {
		return nil
	}
	_, err := d.SQL.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// Options say how to open a database.
type Options struct {
	Schema SchemaMode   // what to do with the schema; applies pending migrations by default
	Ent    []ent.Option // options of the ent client
}

// MigrationStatus says where the database stands among the migrations this
// binary carries.
func (d *DB) MigrationStatus(ctx context.Context) (MigrationStatus, error) {
	return migrationStatus(ctx, d.SQL, d.Dialect, embedded(d.Dialect))
}

// Migrate applies pending migrations, as opening with MigrateSchema does.
func (d *DB) Migrate(ctx context.Context) error {
	if d.Dialect == dialect.SQLite {
		return migrateSQLite(ctx, d.migrateDSN, embedded(d.Dialect))
	}
	return migrateUp(ctx, d.SQL, d.Dialect, embedded(d.Dialect))
}

// OpenSQLite opens (creating if needed) an SQLite database file and applies
// pending migrations; see OpenSQLiteWith.
func OpenSQLite(ctx context.Context, path string, opts ...ent.Option) (*DB, error) {
	return OpenSQLiteWith(ctx, path, Options{Ent: opts})
}

// OpenPostgres opens a PostgreSQL database by URL and applies pending
// migrations; see OpenPostgresWith.
func OpenPostgres(ctx context.Context, dsn string, opts ...ent.Option) (*DB, error) {
	return OpenPostgresWith(ctx, dsn, Options{Ent: opts})
}

// OpenSQLiteWith opens (creating if needed) an SQLite database file with foreign
// keys, WAL, a busy timeout, immediate write transactions (no lock-upgrade
// deadlocks) and secure_delete (erased data is overwritten in the file).
func OpenSQLiteWith(ctx context.Context, path string, o Options) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	dsn := func(foreignKeys string) string {
		q := url.Values{}
		for _, p := range []string{"foreign_keys(" + foreignKeys + ")", "journal_mode(WAL)", "busy_timeout(10000)",
			"secure_delete(1)", "synchronous(NORMAL)"} {
			q.Add("_pragma", p)
		}
		q.Set("_txlock", "immediate")
		// Times as "2006-01-02 15:04:05.999999999-07:00": text that sorts in
		// time order, so ordering and cursor pages by timestamp are right.
		q.Set("_time_format", "sqlite")
		return "file:" + path + "?" + q.Encode()
	}
	migrateDSN := dsn("0")
	if o.Schema == MigrateSchema {
		if err := migrateSQLite(ctx, migrateDSN, embedded(dialect.SQLite)); err != nil {
			return nil, err
		}
		o.Schema = SchemaAsIs
	}
	db, err := sql.Open("sqlite", dsn("1"))
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(8)
	d, err := open(ctx, db, dialect.SQLite, o)
	if err != nil {
		return nil, err
	}
	d.migrateDSN = migrateDSN
	return d, nil
}

// OpenPostgresWith opens a PostgreSQL database by URL.
func OpenPostgresWith(ctx context.Context, dsn string, o Options) (*DB, error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	db.SetMaxOpenConns(40)
	db.SetMaxIdleConns(40)
	db.SetConnMaxIdleTime(5 * time.Minute)
	d, err := open(ctx, db, dialect.Postgres, o)
	if err != nil {
		return nil, err
	}
	d.DSN = dsn
	return d, nil
}

func open(ctx context.Context, db *sql.DB, dia string, o Options) (*DB, error) {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s unreachable: %w", dia, err)
	}
	var err error
	switch o.Schema {
	case MigrateSchema:
		err = migrateUp(ctx, db, dia, embedded(dia))
	case RequireCurrentSchema:
		err = requireCurrent(ctx, db, dia, embedded(dia))
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	drv := entsql.OpenDB(dia, db)
	client := ent.NewClient(append([]ent.Option{ent.Driver(drv)}, o.Ent...)...)
	return &DB{Client: client, SQL: db, Dialect: dia}, nil
}
