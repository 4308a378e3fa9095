package store

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// A SQLite migration that rebuilds a table (ent's way of changing one:
// create, copy, drop, rename) keeps the rows that point to it: the
// migration connection does not enforce foreign keys, so dropping the old
// table neither fails on nor deletes its referencing rows.
func TestSQLiteTableRebuildKeepsReferencingRows(t *testing.T) {
	ctx := context.Background()
	db, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "switchboard.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO tenants (id, created_at, updated_at, name) VALUES ('TN1', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'Acme')`,
		`INSERT INTO contacts (id, created_at, updated_at, phone, tags, tenant_id) VALUES ('CT1', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '+15550001', '[]', 'TN1')`,
	} {
		if _, err := db.SQL.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	src := fstest.MapFS{}
	files, err := fs.ReadDir(embedded("sqlite3"), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := fs.ReadFile(embedded("sqlite3"), f.Name())
		if err != nil {
			t.Fatal(err)
		}
		src[f.Name()] = &fstest.MapFile{Data: b}
	}
	src["99990101000000_tenant_note.up.sql"] = &fstest.MapFile{Data: []byte("PRAGMA foreign_keys = off;\n" +
		"CREATE TABLE `new_tenants` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `message_retention_days` integer NOT NULL DEFAULT (90), `status` text NOT NULL DEFAULT ('ACTIVE'), `deletion_requested_at` datetime NULL, `event_seq` integer NOT NULL DEFAULT (0), `note` text NULL, PRIMARY KEY (`id`));\n" +
		"INSERT INTO `new_tenants` (`id`, `created_at`, `updated_at`, `name`, `message_retention_days`, `status`, `deletion_requested_at`, `event_seq`) SELECT `id`, `created_at`, `updated_at`, `name`, `message_retention_days`, `status`, `deletion_requested_at`, `event_seq` FROM `tenants`;\n" +
		"DROP TABLE `tenants`;\n" +
		"ALTER TABLE `new_tenants` RENAME TO `tenants`;\n" +
		"PRAGMA foreign_keys = on;\n")}
	if err := migrateSQLite(ctx, db.migrateDSN, src); err != nil {
		t.Fatalf("rebuild migration: %v", err)
	}

	after, err := OpenSQLiteWith(ctx, filepath.Join(filepath.Dir(db.migrateDSN[len("file:"):]), "switchboard.db"), Options{Schema: SchemaAsIs})
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	var contacts, notes int
	if err := after.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM contacts WHERE tenant_id = 'TN1'`).Scan(&contacts); err != nil || contacts != 1 {
		t.Fatalf("contacts of the rebuilt tenant: %d, %v", contacts, err)
	}
	if err := after.SQL.QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE note IS NULL`).Scan(&notes); err != nil || notes != 1 {
		t.Fatalf("rebuilt tenants: %d, %v", notes, err)
	}
	if st, err := migrationStatus(ctx, after.SQL, "sqlite3", src); err != nil || st.Version != 99990101000000 {
		t.Fatalf("status %+v, %v", st, err)
	}
}
