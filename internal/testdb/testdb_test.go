package testdb

import (
	"context"
	"testing"
)

func TestOpenMigratesEmptyDatabase(t *testing.T) {
	db := Open(t)
	var n int
	if err := db.SQL.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM contacts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("fresh database has %d contacts", n)
	}
}
