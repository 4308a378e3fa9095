// Command gen writes the versioned migration that takes migrations/<dialect>
// to what ent/schema defines, for SQLite and PostgreSQL at once, with one
// version for both (`make migration name=<change>`); with -check it writes
// nothing and fails when such a migration is missing (`make
// check-migrations`, run by CI).
//
// Diffing needs an empty database of each dialect: SQLite in memory, and a
// scratch schema (dropped afterwards) on the PostgreSQL server at
// MIGRATION_DEV_URL (default the local one at 127.0.0.1:5432).
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"

	"switchboard/internal/store"
)

const defaultDevURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func main() {
	name := flag.String("name", "", "what the migration changes, in snake_case (e.g. add_job_lease)")
	check := flag.Bool("check", false, "write nothing; fail when ent/schema has changes no migration covers")
	dir := flag.String("dir", "migrations", "the migrations directory (one subdirectory per dialect)")
	flag.Parse()
	if err := run(*name, *check, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "migrations:", err)
		os.Exit(1)
	}
}

var validName = regexp.MustCompile(`^[a-z0-9_]+$`)

func run(name string, check bool, dir string) error {
	if !check && !validName.MatchString(name) {
		return fmt.Errorf("usage: make migration name=<what_changed> (lower-case letters, digits and _), got %q", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	devURL := os.Getenv("MIGRATION_DEV_URL")
	if devURL == "" {
		devURL = defaultDevURL
	}
	pending := map[string]map[string]string{}
	for _, dia := range []string{dialect.SQLite, dialect.Postgres} {
		dev, drop, err := devDB(ctx, dia, devURL)
		if err != nil {
			return err
		}
		files, err := store.UnmigratedChanges(ctx, dia, dev)
		drop()
		if err != nil {
			return err
		}
		if len(files) > 0 {
			pending[subdir(dia)] = files
		}
	}
	if check {
		if len(pending) == 0 {
			fmt.Println("migrations: up to date with ent/schema")
			return nil
		}
		for d, files := range pending {
			for _, f := range sortedKeys(files) {
				fmt.Fprintf(os.Stderr, "--- missing %s/%s:\n%s\n", d, f, files[f])
			}
		}
		return fmt.Errorf("ent/schema has changes that no migration covers: run `make migration name=<what_changed>`, review and commit the files")
	}
	if len(pending) == 0 {
		fmt.Println("migrations: no changes, nothing written")
		return nil
	}
	version := time.Now().UTC().Format("20060102150405")
	for d, files := range pending {
		if err := write(filepath.Join(dir, d), version, name, files); err != nil {
			return err
		}
	}
	return nil
}

// devDB returns the URL of an empty PostgreSQL schema for diffing, and how
// to drop it; SQLite diffs in memory and needs none.
func devDB(ctx context.Context, dia, devURL string) (string, func(), error) {
	if dia == dialect.SQLite {
		return "", func() {}, nil
	}
	unreachable := func(err error) error {
		return fmt.Errorf("PostgreSQL at %s is unreachable (%v): migrations/postgres is diffed on a scratch schema there; start the server or set MIGRATION_DEV_URL", devURL, err)
	}
	admin, err := sql.Open("postgres", devURL)
	if err != nil {
		return "", nil, unreachable(err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = admin.PingContext(pctx)
	cancel()
	admin.Close()
	if err != nil {
		return "", nil, unreachable(err)
	}
	dsn, drop, err := store.ScratchSchema(devURL, "migdev_")
	if err != nil {
		return "", nil, unreachable(err)
	}
	return dsn, drop, nil
}

func subdir(dia string) string {
	if dia == dialect.Postgres {
		return "postgres"
	}
	return "sqlite"
}

// write saves the new files under one version for every dialect (ent names
// them by the second it diffed) and updates atlas.sum.
func write(path, version, name string, files map[string]string) error {
	d, err := sqltool.NewGolangMigrateDir(path)
	if err != nil {
		return err
	}
	for _, f := range sortedKeys(files) {
		suffix := f[strings.IndexByte(f, '_'):]
		suffix = strings.Replace(suffix, "_unmigrated.", "_"+name+".", 1)
		out := version + suffix
		if err := d.WriteFile(out, []byte(files[f])); err != nil {
			return err
		}
		fmt.Println("wrote", filepath.Join(path, out))
	}
	sum, err := d.Checksum()
	if err != nil {
		return err
	}
	return atlasmigrate.WriteSumFile(d, sum)
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
