package graph_test

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"switchboard/ent/migrate"
	"switchboard/internal/testdb"
	"switchboard/internal/testenv"
)

// dumpDatabase returns every value of every table as bytes.
func dumpDatabase(t *testing.T, db *sql.DB) []byte {
	t.Helper()
	var out bytes.Buffer
	for _, table := range migrate.Tables {
		rows, err := db.Query(`SELECT * FROM ` + table.Name)
		if err != nil {
			t.Fatalf("dump %s: %v", table.Name, err)
		}
		cols, _ := rows.Columns()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				out.Write(v)
				out.WriteByte('\n')
			}
		}
		rows.Close()
	}
	return out.Bytes()
}

// TestNoSecretsInTheDatabase reads the raw database and finds no access
// token, password, session token or API key in the clear.
func TestNoSecretsInTheDatabase(t *testing.T) {
	env := testenv.New(t)
	const password = "correct horse battery"
	acct := env.SignUp(t, "Secret Keeper") // signs up with password
	in := connectInput("777")
	env.MustQuery(t, acct.Token, connectMutation, map[string]any{"in": in}, nil)
	var k struct{ CreateApiKey struct{ Secret string } }
	env.MustQuery(t, acct.Token, `mutation { createApiKey(input: {name: "ci"}) { secret } }`, nil, &k)
	if k.CreateApiKey.Secret == "" {
		t.Fatal("no API key secret returned")
	}

	secrets := map[string]string{
		"access token":  in["accessToken"].(string),
		"password":      password,
		"session token": acct.Token,
		"api key":       k.CreateApiKey.Secret,
	}
	dump := dumpDatabase(t, env.DB.SQL)
	if testdb.URL() == "" {
		// Embedded mode: the files themselves, WAL included.
		files, _ := filepath.Glob(filepath.Join(filepath.Dir(sqlitePath(t, env)), "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err == nil {
				dump = append(dump, b...)
			}
		}
	}
	for name, s := range secrets {
		if bytes.Contains(dump, []byte(s)) {
			t.Errorf("the database holds the %s in the clear", name)
		}
	}
	if !bytes.Contains(dump, []byte("Secret Keeper")) {
		t.Fatal("the dump is empty: the test would prove nothing")
	}
}

func sqlitePath(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var seq int
	var name, file string
	if err := env.DB.SQL.QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &file); err != nil {
		t.Fatal(err)
	}
	return file
}
