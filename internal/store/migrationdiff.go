package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	atlaspg "ariga.io/atlas/sql/postgres"
	atlasschema "ariga.io/atlas/sql/schema"
	atlassqlite "ariga.io/atlas/sql/sqlite"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	"switchboard/ent/migrate"
	"switchboard/migrations"
)

// diffing serializes ent's diffs: they set up the shared table
// descriptors of ent/migrate, which is not safe to do concurrently.
var diffing sync.Mutex

// NewMigration writes to dir (golang-migrate format) the migration that
// takes the schema its files build to the one ent/schema defines, named
// name, and nothing when they already agree. The files are replayed on an
// empty database, then compared: for SQLite one in memory; for PostgreSQL
// the schema that devURL's search_path names, which must be empty (see
// ScratchSchema).
func NewMigration(ctx context.Context, dia, devURL string, dir atlasmigrate.Dir, name string) error {
	diffing.Lock()
	defer diffing.Unlock()
	opts := []schema.MigrateOption{
		schema.WithDir(dir),
		schema.WithDialect(dia),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithFormatter(sqltool.GolangMigrateFormatter),
		schema.WithForeignKeys(true),
		// A versioned migration is reviewed: it says everything,
		// drops included.
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	}
	var (
		m   *schema.Atlas
		err error
	)
	if dia == dialect.Postgres {
		// By URL: atlas then confines itself to the search_path schema
		// (other schemas on the server do not make it "not clean").
		m, err = schema.NewMigrateURL(devURL, opts...)
	} else {
		var dev *sql.DB
		if dev, err = OpenSQLiteDev(); err != nil {
			return err
		}
		defer dev.Close()
		m, err = schema.NewMigrate(entsql.OpenDB(dia, dev), opts...)
	}
	if err != nil {
		return fmt.Errorf("store: migration diff: %w", err)
	}
	if err := m.NamedDiff(ctx, name, migrate.Tables...); err != nil {
		return fmt.Errorf("store: migration diff (%s): %w", dia, err)
	}
	return nil
}

// UnmigratedChanges returns the files (name → contents) that `make
// migration` would write now for the dialect: none when the embedded
// migrations build exactly what ent/schema defines. devURL is as for
// NewMigration.
func UnmigratedChanges(ctx context.Context, dia, devURL string) (map[string]string, error) {
	tmp, err := os.MkdirTemp("", "switchboard-migrations-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	src := migrationDir(dia)
	entries, err := fs.ReadDir(migrations.FS, src)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, e := range entries {
		b, err := fs.ReadFile(migrations.FS, path.Join(src, e.Name()))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(tmp, e.Name()), b, 0o600); err != nil {
			return nil, err
		}
		have[e.Name()] = true
	}
	dir, err := sqltool.NewGolangMigrateDir(tmp)
	if err != nil {
		return nil, err
	}
	if err := NewMigration(ctx, dia, devURL, dir, "unmigrated"); err != nil {
		return nil, err
	}
	after, err := os.ReadDir(tmp)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range after {
		if have[e.Name()] || e.Name() == atlasmigrate.HashFileName {
			continue
		}
		b, err := os.ReadFile(filepath.Join(tmp, e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = string(b)
	}
	return out, nil
}

// OpenSQLiteDev opens an empty in-memory SQLite database.
func OpenSQLiteDev() (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file::memory:?_pragma=foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	// One connection: each one would be a different in-memory database.
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// baseline brings an auto-migrated database (db, on PostgreSQL conn's
// session) to exactly the schema migration v builds, so that v can be
// recorded as applied. What it may do is what auto-migration itself did
// on start: add missing tables, columns, indexes and (PostgreSQL) foreign
// keys, for a database last opened by a release older than v. Any other
// difference (something extra or different) fails with ErrUnknownSchema
// and a list of the differences, and nothing is changed.
func baseline(ctx context.Context, db *sql.DB, conn *sql.Conn, dia string, src fs.FS, v uint) error {
	changes, drv, err := baselineDiff(ctx, db, conn, dia, src, v)
	if err != nil || len(changes) == 0 {
		return err
	}
	var diffs []string
	for _, c := range changes {
		diffs = append(diffs, describe(c)...)
	}
	plan, err := drv.PlanChanges(ctx, "baseline", changes)
	if err != nil {
		return fmt.Errorf("store: baseline: %w", err)
	}
	for _, c := range plan.Changes {
		if !additive(c.Cmd) {
			return fmt.Errorf("store: %w: the database has Switchboard's tables but no %s table, and its schema is not the one migration %d builds, so it cannot be baselined: %s",
				ErrUnknownSchema, versionTable, v, strings.Join(diffs, "; "))
		}
	}
	var tx *sql.Tx
	if conn != nil {
		tx, err = conn.BeginTx(ctx, nil)
	} else {
		tx, err = db.BeginTx(ctx, nil)
	}
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	for _, c := range plan.Changes {
		if _, err := tx.ExecContext(ctx, c.Cmd); err != nil {
			return fmt.Errorf("store: baseline: bring the schema to migration %d (%s): %s: %w", v, strings.Join(diffs, "; "), c.Cmd, err)
		}
	}
	return tx.Commit()
}

// additive says whether a planned statement only adds to the schema.
func additive(stmt string) bool {
	s := strings.ToUpper(strings.TrimSpace(stmt))
	for _, p := range []string{"CREATE TABLE ", "CREATE INDEX ", "CREATE UNIQUE INDEX "} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	if !strings.HasPrefix(s, "ALTER TABLE ") {
		return false
	}
	// ALTER TABLE t ADD COLUMN …, ADD CONSTRAINT … FOREIGN KEY …
	for _, w := range []string{" DROP ", " ALTER COLUMN ", " RENAME ", " TYPE "} {
		if strings.Contains(s, w) {
			return false
		}
	}
	return strings.Contains(s, " ADD ")
}

// baselineDiff returns the changes that take the live schema (of db, on
// PostgreSQL of conn's session) to what migration v builds, and an atlas
// driver of the live database to plan them. The reference is built on a
// scratch database: in memory for SQLite; on PostgreSQL a schema created
// in a transaction that is rolled back.
func baselineDiff(ctx context.Context, db *sql.DB, conn *sql.Conn, dia string, src fs.FS, v uint) ([]atlasschema.Change, atlasmigrate.Driver, error) {
	text, err := upSQL(src, v)
	if err != nil {
		return nil, nil, err
	}
	var (
		have, want *atlasschema.Schema
		drv        atlasmigrate.Driver
	)
	if dia == dialect.Postgres {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return nil, nil, err
		}
		defer tx.Rollback() //nolint:errcheck // the scratch schema must never be committed
		var live string
		if err := tx.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&live); err != nil {
			return nil, nil, err
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		scratch := "switchboard_baseline_" + hex.EncodeToString(b)
		for _, q := range []string{`CREATE SCHEMA ` + scratch, `SET LOCAL search_path TO ` + scratch, text} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return nil, nil, fmt.Errorf("store: baseline: build reference schema: %w", err)
			}
		}
		if drv, err = atlaspg.Open(tx); err != nil {
			return nil, nil, err
		}
		if have, err = drv.InspectSchema(ctx, live, nil); err != nil {
			return nil, nil, fmt.Errorf("store: baseline: inspect: %w", err)
		}
		if want, err = drv.InspectSchema(ctx, scratch, nil); err != nil {
			return nil, nil, fmt.Errorf("store: baseline: inspect: %w", err)
		}
		want.Name = have.Name
	} else {
		dev, err := OpenSQLiteDev()
		if err != nil {
			return nil, nil, err
		}
		defer dev.Close()
		if _, err := dev.ExecContext(ctx, text); err != nil {
			return nil, nil, fmt.Errorf("store: baseline: build reference schema: %w", err)
		}
		ref, err := atlassqlite.Open(dev)
		if err != nil {
			return nil, nil, err
		}
		if want, err = ref.InspectSchema(ctx, "main", nil); err != nil {
			return nil, nil, fmt.Errorf("store: baseline: inspect: %w", err)
		}
		if drv, err = atlassqlite.Open(db); err != nil {
			return nil, nil, err
		}
		if have, err = drv.InspectSchema(ctx, "main", nil); err != nil {
			return nil, nil, fmt.Errorf("store: baseline: inspect: %w", err)
		}
	}
	changes, err := drv.SchemaDiff(have, want)
	if err != nil {
		return nil, nil, fmt.Errorf("store: baseline: diff: %w", err)
	}
	if dia == dialect.Postgres {
		// drv ran on the rolled-back transaction; plan on the session.
		if drv, err = atlaspg.Open(conn); err != nil {
			return nil, nil, err
		}
	}
	return changes, drv, nil
}

// describe says what a schema change would fix, in a DBA's words.
func describe(c atlasschema.Change) []string {
	switch c := c.(type) {
	case *atlasschema.AddTable:
		return []string{"table " + c.T.Name + " is missing"}
	case *atlasschema.DropTable:
		return []string{"table " + c.T.Name + " is unexpected"}
	case *atlasschema.ModifyTable:
		var out []string
		for _, tc := range c.Changes {
			var d string
			switch tc := tc.(type) {
			case *atlasschema.AddColumn:
				d = "column " + tc.C.Name + " is missing"
			case *atlasschema.DropColumn:
				d = "column " + tc.C.Name + " is unexpected"
			case *atlasschema.ModifyColumn:
				d = "column " + tc.To.Name + " differs"
			case *atlasschema.AddIndex:
				d = "index " + tc.I.Name + " is missing"
			case *atlasschema.DropIndex:
				d = "index " + tc.I.Name + " is unexpected"
			case *atlasschema.ModifyIndex:
				d = "index " + tc.To.Name + " differs"
			case *atlasschema.AddForeignKey:
				d = "foreign key " + tc.F.Symbol + " is missing"
			case *atlasschema.DropForeignKey:
				d = "foreign key " + tc.F.Symbol + " is unexpected"
			case *atlasschema.ModifyForeignKey:
				d = "foreign key " + tc.To.Symbol + " differs"
			default:
				d = fmt.Sprintf("%T", tc)
			}
			out = append(out, c.T.Name+": "+d)
		}
		return out
	default:
		return []string{fmt.Sprintf("%T", c)}
	}
}

// ErrUnknownSchema means a database made without versioned migrations
// does not match the first migration, so it cannot be baselined.
var ErrUnknownSchema = errors.New("unrecognized schema")
