package config

import (
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

var goodKey = base64.StdEncoding.EncodeToString(make([]byte, 32))

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
