package config

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, env map[string]string) (*Config, error) {
	t.Helper()
	if _, ok := env["DATA_DIR"]; !ok {
		env["DATA_DIR"] = t.TempDir()
	}
	return Load(func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
}

var (
	goodKey  = base64.StdEncoding.EncodeToString(make([]byte, 32))
	otherKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	thirdKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))
)

func TestLoadRejectsBadValuesNamingTheVariable(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"unknown database scheme", map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{"sqlite without path", map[string]string{"DATABASE_URL": "sqlite://"}, "DATABASE_URL"},
		{"postgres without key", map[string]string{"DATABASE_URL": "postgres://localhost/db"}, "ENCRYPTION_KEY"},
		{"key not base64", map[string]string{"ENCRYPTION_KEY": "%%%"}, "ENCRYPTION_KEY"},
		{"key too short", map[string]string{"ENCRYPTION_KEY": base64.StdEncoding.EncodeToString([]byte("short"))}, "ENCRYPTION_KEY"},
		{"old key not base64", map[string]string{"ENCRYPTION_KEY": goodKey, "ENCRYPTION_KEYS_OLD": "%%%"}, "ENCRYPTION_KEYS_OLD"},
		{"old key too short", map[string]string{"ENCRYPTION_KEY": goodKey, "ENCRYPTION_KEYS_OLD": otherKey + "," + base64.StdEncoding.EncodeToString(make([]byte, 31))}, "ENCRYPTION_KEYS_OLD"},
		{"old key is the current key", map[string]string{"ENCRYPTION_KEY": goodKey, "ENCRYPTION_KEYS_OLD": otherKey + ", " + goodKey}, "ENCRYPTION_KEYS_OLD"},
		{"old key twice", map[string]string{"ENCRYPTION_KEY": goodKey, "ENCRYPTION_KEYS_OLD": otherKey + "," + otherKey}, "ENCRYPTION_KEYS_OLD"},
		{"listen address", map[string]string{"LISTEN_ADDR": "8080", "ENCRYPTION_KEY": goodKey}, "LISTEN_ADDR"},
		{"meta base url", map[string]string{"META_API_BASE_URL": "graph.facebook.com", "ENCRYPTION_KEY": goodKey}, "META_API_BASE_URL"},
		{"public base url", map[string]string{"PUBLIC_BASE_URL": "ftp://x", "ENCRYPTION_KEY": goodKey}, "PUBLIC_BASE_URL"},
		{"cors origin", map[string]string{"CORS_ALLOWED_ORIGINS": "https://ok.example, not an origin", "ENCRYPTION_KEY": goodKey}, "CORS_ALLOWED_ORIGINS"},
		{"log level", map[string]string{"LOG_LEVEL": "loud", "ENCRYPTION_KEY": goodKey}, "LOG_LEVEL"},
		{"body limit", map[string]string{"MAX_REQUEST_BYTES": "12", "ENCRYPTION_KEY": goodKey}, "MAX_REQUEST_BYTES"},
		{"trusted proxies", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/8, lb", "ENCRYPTION_KEY": goodKey}, "TRUSTED_PROXIES"},
		{"job lease", map[string]string{"JOB_LEASE": "5", "ENCRYPTION_KEY": goodKey}, "JOB_LEASE"},
		{"job lease too short", map[string]string{"JOB_LEASE": "10ms", "ENCRYPTION_KEY": goodKey}, "JOB_LEASE"},
		{"body timeout", map[string]string{"REQUEST_BODY_TIMEOUT": "soon", "ENCRYPTION_KEY": goodKey}, "REQUEST_BODY_TIMEOUT"},
		{"subscriptions cap", map[string]string{"MAX_SUBSCRIPTIONS_PER_CONNECTION": "-1", "ENCRYPTION_KEY": goodKey}, "MAX_SUBSCRIPTIONS_PER_CONNECTION"},
		{"connections cap", map[string]string{"MAX_CONNECTIONS_PER_TENANT": "many", "ENCRYPTION_KEY": goodKey}, "MAX_CONNECTIONS_PER_TENANT"},
		{"introspection switch", map[string]string{"GRAPHQL_INTROSPECTION": "maybe", "ENCRYPTION_KEY": goodKey}, "GRAPHQL_INTROSPECTION"},
		{"playground switch", map[string]string{"PLAYGROUND": "yes please", "ENCRYPTION_KEY": goodKey}, "PLAYGROUND"},
		{"terms version", map[string]string{"TERMS_VERSION": strings.Repeat("v", 51), "ENCRYPTION_KEY": goodKey}, "TERMS_VERSION"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.env)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q should be one line naming %s", err, tc.want)
			}
		})
	}
}

func TestLoadDefaultsAndEmbeddedKey(t *testing.T) {
	dir := t.TempDir()
	c, err := load(t, map[string]string{"DATA_DIR": dir, "CORS_ALLOWED_ORIGINS": "https://app.example.com, http://localhost:5173"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.SQLite() || c.SQLitePath() != filepath.Join(dir, "switchboard.db") || c.ListenAddr != ":8080" {
		t.Fatalf("defaults: %+v", c)
	}
	if len(c.CORSAllowedOrigins) != 2 || c.MetaAPIBaseURL != DefaultMetaAPIBaseURL {
		t.Fatalf("parsed: %+v", c)
	}
	info, err := os.Stat(filepath.Join(dir, "encryption.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("generated key file: %v %v", info, err)
	}
	again, err := load(t, map[string]string{"DATA_DIR": dir})
	if err != nil || string(again.EncryptionKey) != string(c.EncryptionKey) {
		t.Fatalf("second start must reuse the generated key: %v", err)
	}
	pg, err := load(t, map[string]string{"DATABASE_URL": "postgres://u@h/db", "ENCRYPTION_KEY": goodKey})
	if err != nil || !pg.Postgres() || pg.SQLite() {
		t.Fatalf("postgres config: %+v %v", pg, err)
	}
}

// An unset META_APP_SECRET or META_VERIFY_TOKEN makes every webhook fail;
// the server says so at start, one line each.
func TestLoadWarnsAboutMissingMetaSecrets(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{}, []string{"META_APP_SECRET", "META_VERIFY_TOKEN"}},
		{map[string]string{"META_APP_SECRET": "s"}, []string{"META_VERIFY_TOKEN"}},
		{map[string]string{"META_APP_SECRET": "s", "META_VERIFY_TOKEN": "v"}, nil},
	} {
		var buf strings.Builder
		tc.env["DATA_DIR"] = t.TempDir()
		tc.env["ENCRYPTION_KEY"] = goodKey
		if _, err := Load(func(k string) string { return tc.env[k] }, slog.New(slog.NewTextHandler(&buf, nil))); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if buf.Len() == 0 {
			lines = nil
		}
		if len(lines) != len(tc.want) {
			t.Fatalf("with %v: %d warnings %q, want %v", tc.env, len(lines), lines, tc.want)
		}
		for i, v := range tc.want {
			if !strings.Contains(lines[i], "level=WARN") || !strings.Contains(lines[i], v) {
				t.Fatalf("warning %q should name %s", lines[i], v)
			}
		}
	}
}

func TestLoadLimitsAndSwitches(t *testing.T) {
	c, err := load(t, map[string]string{"ENCRYPTION_KEY": goodKey, "REQUEST_BODY_TIMEOUT": "30s",
		"MAX_SUBSCRIPTIONS_PER_CONNECTION": "0", "MAX_CONNECTIONS_PER_TENANT": "50",
		"GRAPHQL_INTROSPECTION": "false", "PLAYGROUND": "false", "METRICS_TOKEN": " tok "})
	if err != nil {
		t.Fatal(err)
	}
	if c.BodyReadTimeout.String() != "30s" || c.SubscriptionsPerConnection != 0 || c.ConnectionsPerTenant != 50 ||
		c.Introspection || c.Playground || c.MetricsToken != "tok" {
		t.Fatalf("parsed: %+v", c)
	}
	d, err := load(t, map[string]string{"ENCRYPTION_KEY": goodKey})
	if err != nil {
		t.Fatal(err)
	}
	if d.BodyReadTimeout.String() != "15s" || d.SubscriptionsPerConnection != 100 || d.ConnectionsPerTenant != 1000 ||
		!d.Introspection || !d.Playground || d.MetricsToken != "" {
		t.Fatalf("defaults: %+v", d)
	}
}

// ENCRYPTION_KEYS_OLD adds keys that are only read: the current key comes
// first in EncryptionKeys, blank entries are skipped, and the errors about
// a wrong entry name its position but never show a key.
func TestLoadOldEncryptionKeys(t *testing.T) {
	c, err := load(t, map[string]string{"ENCRYPTION_KEY": goodKey, "ENCRYPTION_KEYS_OLD": " " + otherKey + ",," + thirdKey + ", "})
	if err != nil {
		t.Fatal(err)
	}
	keys := c.EncryptionKeys()
	if len(keys) != 3 || !bytes.Equal(keys[0], c.EncryptionKey) || !bytes.Equal(keys[1], bytes.Repeat([]byte{1}, 32)) ||
		!bytes.Equal(keys[2], bytes.Repeat([]byte{2}, 32)) {
		t.Fatalf("EncryptionKeys = %x, want the current key, then the old ones in order", keys)
	}
	none, err := load(t, map[string]string{"ENCRYPTION_KEY": goodKey})
	if err != nil || len(none.EncryptionKeysOld) != 0 || len(none.EncryptionKeys()) != 1 {
		t.Fatalf("without ENCRYPTION_KEYS_OLD: %x, %v", none.EncryptionKeysOld, err)
	}
	// The generated key of embedded mode is the current key too: an old
	// key equal to it is refused like any duplicate.
	dir := t.TempDir()
	embedded, err := load(t, map[string]string{"DATA_DIR": dir})
	if err != nil {
		t.Fatal(err)
	}
	generated := base64.StdEncoding.EncodeToString(embedded.EncryptionKey)
	if _, err := load(t, map[string]string{"DATA_DIR": dir, "ENCRYPTION_KEYS_OLD": generated}); err == nil ||
		!strings.Contains(err.Error(), "entry 1 is the current ENCRYPTION_KEY") {
		t.Fatalf("old key equal to the generated key: %v", err)
	}

	for _, tc := range []struct{ old, want string }{
		{"%%%", "entry 1 must be the base64 encoding of exactly 32 bytes"},
		{otherKey + "," + base64.StdEncoding.EncodeToString(make([]byte, 16)), "entry 2 must be the base64 encoding of exactly 32 bytes"},
		{otherKey + "," + goodKey, "entry 2 is the current ENCRYPTION_KEY; list only earlier keys"},
		{otherKey + "," + thirdKey + "," + otherKey, "entry 3 repeats entry 1"},
	} {
		_, err := load(t, map[string]string{"ENCRYPTION_KEY": goodKey, "ENCRYPTION_KEYS_OLD": tc.old})
		if err == nil || err.Error() != "config: ENCRYPTION_KEYS_OLD: "+tc.want {
			t.Errorf("ENCRYPTION_KEYS_OLD=%s: error %v, want %q", tc.old, err, tc.want)
			continue
		}
		for _, k := range []string{goodKey, otherKey, thirdKey} {
			if strings.Contains(err.Error(), k) {
				t.Errorf("error %q shows a key", err)
			}
		}
	}
}
