// Package config reads Switchboard's configuration from the environment
// (names as in API.md) into one typed, validated struct.
package config

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultMetaAPIBaseURL is Meta's Graph API at the version we speak.
const DefaultMetaAPIBaseURL = "https://graph.facebook.com/v21.0"

// Config is everything the server needs to start.
type Config struct {
	DatabaseURL        string // "" or sqlite:///path or postgres://…
	DataDir            string // embedded mode's directory (./data)
	ListenAddr         string
	MetaAppSecret      string
	MetaVerifyToken    string
	MetaAPIBaseURL     string
	EncryptionKey      []byte // 32 bytes
	CORSAllowedOrigins []string
	PublicBaseURL      string
	LogLevel           slog.Level
	MaxBodyBytes       int64 // GraphQL request body limit
	ComplexityLimit    int
	// JobLease is how long a worker holds a claimed job before another
	// worker may take it over (the time a crashed worker's jobs wait).
	JobLease time.Duration
	// AccountDeletionGrace is how long a deleted account waits before its
	// data is erased, during which the owner may cancel (≤ 30 days, the
	// promise).
	AccountDeletionGrace time.Duration
	// SendOutcomeTimeout is how long a send that got no answer waits for a
	// status webhook naming it before it fails as outcome unknown.
	SendOutcomeTimeout time.Duration
	// MetaRequestTimeout bounds one call to the Graph API.
	MetaRequestTimeout time.Duration
	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed; the client address (audit logs, sign-in throttling) is the
	// last address in it that is not one of them.
	TrustedProxies []netip.Prefix

	// BodyReadTimeout bounds how long a client may take to send a request
	// body (slow-body attacks); WebSocket and SSE streams are not bound by
	// it after they start.
	BodyReadTimeout time.Duration
	// SubscriptionsPerConnection caps subscriptions on one WebSocket;
	// ConnectionsPerTenant caps a tenant's open WebSockets and SSE streams
	// on one replica. 0 = no cap.
	SubscriptionsPerConnection int
	ConnectionsPerTenant       int
	// Introspection and Playground expose the schema and GraphiQL; both
	// default on, production deployments may turn them off.
	Introspection bool
	Playground    bool
	// MetricsToken, when set, is the Bearer token /metrics requires.
	MetricsToken string
	// MigrateOnStart: serve applies pending schema migrations at start
	// (default). Off, it refuses to start on a database that has pending
	// ones, for deployments that run `switchboard migrate` as a release step.
	MigrateOnStart bool
	// MaxUploadBytes bounds a multipart GraphQL request (a file upload);
	// such requests are streamed, not read whole before the handler.
	MaxUploadBytes int64
	// MediaStoreURL is the gocloud.dev/blob bucket of media files; ""
	// means the directory media under DataDir.
	MediaStoreURL string
	// EncryptionKeysOld are earlier keys, kept only to read what they
	// sealed or signed until `switchboard rotate-key` has re-sealed every
	// secret under EncryptionKey; nothing new is sealed with them.
	EncryptionKeysOld [][]byte
	// TermsVersion names the terms of service signUp has people accept;
	// each user records the version they accepted, so a new text can be
	// told apart from the one earlier members agreed to.
	TermsVersion string
	// RetentionWebhookDays is how long processed and unrouted raw webhook
	// payloads are kept; RetentionAuditDays how long audit entries are
	// (internal/retention).
	RetentionWebhookDays int
	RetentionAuditDays   int
}

// Error names the variable that is wrong, so the server can stop with one
// clear line.
type Error struct {
	Var string
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("config: %s: %s", e.Var, e.Msg) }

// Load reads the environment through getenv (os.Getenv in production). In
// embedded mode without ENCRYPTION_KEY, a key is generated into the data
// directory and a warning is logged.
func Load(getenv func(string) string, log *slog.Logger) (*Config, error) {
	c := &Config{
		DatabaseURL:     strings.TrimSpace(getenv("DATABASE_URL")),
		DataDir:         or(getenv("DATA_DIR"), "data"),
		ListenAddr:      or(getenv("LISTEN_ADDR"), ":8080"),
		MetaAppSecret:   getenv("META_APP_SECRET"),
		MetaVerifyToken: getenv("META_VERIFY_TOKEN"),
		MetaAPIBaseURL:  strings.TrimRight(or(getenv("META_API_BASE_URL"), DefaultMetaAPIBaseURL), "/"),
		PublicBaseURL:   strings.TrimRight(or(getenv("PUBLIC_BASE_URL"), "http://localhost:8080"), "/"),
		MaxBodyBytes:    1 << 20,
		MaxUploadBytes:  100 << 20,
		MediaStoreURL:   strings.TrimSpace(getenv("MEDIA_STORE_URL")),
		JobLease:        time.Minute,
		ComplexityLimit: 50000,

		SendOutcomeTimeout:   15 * time.Minute,
		AccountDeletionGrace: 7 * 24 * time.Hour,
		MetaRequestTimeout:   30 * time.Second,

		BodyReadTimeout:            15 * time.Second,
		SubscriptionsPerConnection: 100,
		ConnectionsPerTenant:       1000,
		Introspection:              true,
		Playground:                 true,
		MigrateOnStart:             true,
		MetricsToken:               strings.TrimSpace(getenv("METRICS_TOKEN")),
		TermsVersion:               or(getenv("TERMS_VERSION"), "1"),
		RetentionWebhookDays:       7,
		RetentionAuditDays:         730,
	}
	if len(c.TermsVersion) > 50 {
		return nil, &Error{"TERMS_VERSION", "must be at most 50 bytes, e.g. 2026-12 or 3"}
	}
	if c.DatabaseURL != "" && !c.SQLite() && !c.Postgres() {
		return nil, &Error{"DATABASE_URL", "must start with sqlite:// or postgres:// (or be unset for ./data/switchboard.db)"}
	}
	if c.SQLite() && c.SQLitePath() == "" {
		return nil, &Error{"DATABASE_URL", "sqlite:// needs a file path, e.g. sqlite:///var/lib/switchboard.db"}
	}
	if c.Postgres() {
		if _, err := url.Parse(c.DatabaseURL); err != nil {
			return nil, &Error{"DATABASE_URL", "not a valid URL"}
		}
	}
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		return nil, &Error{"LISTEN_ADDR", "must be host:port or :port"}
	}
	for _, u := range []struct{ name, val string }{{"META_API_BASE_URL", c.MetaAPIBaseURL}, {"PUBLIC_BASE_URL", c.PublicBaseURL}} {
		p, err := url.Parse(u.val)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, &Error{u.name, "must be an absolute http(s) URL"}
		}
	}
	for _, o := range strings.Split(getenv("CORS_ALLOWED_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		if p, err := url.Parse(o); o != "*" && (err != nil || p.Scheme == "" || p.Host == "") {
			return nil, &Error{"CORS_ALLOWED_ORIGINS", fmt.Sprintf("%q is not an origin (scheme://host[:port])", o)}
		}
		c.CORSAllowedOrigins = append(c.CORSAllowedOrigins, o)
	}
	if err := c.LogLevel.UnmarshalText([]byte(or(getenv("LOG_LEVEL"), "info"))); err != nil {
		return nil, &Error{"LOG_LEVEL", "must be debug, info, warn or error"}
	}
	if v := getenv("MAX_REQUEST_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			return nil, &Error{"MAX_REQUEST_BYTES", "must be an integer of at least 1024"}
		}
		c.MaxBodyBytes = n
	}
	if v := getenv("MAX_UPLOAD_BYTES"); v != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 1024 {
			return nil, &Error{"MAX_UPLOAD_BYTES", "must be an integer of at least 1024"}
		}
		c.MaxUploadBytes = n
	}
	if c.MediaStoreURL != "" {
		if p, err := url.Parse(c.MediaStoreURL); err != nil || p.Scheme == "" {
			return nil, &Error{"MEDIA_STORE_URL", "must be a bucket URL such as s3://bucket?region=eu-west-1, file:///var/lib/switchboard/media or mem://"}
		}
	}
	for _, v := range strings.Split(getenv("TRUSTED_PROXIES"), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				return nil, &Error{"TRUSTED_PROXIES", fmt.Sprintf("%q is neither an IP address nor a CIDR prefix", v)}
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, p.Masked())
	}
	if v := getenv("JOB_LEASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			return nil, &Error{"JOB_LEASE", "must be a duration between 1s and 1h, e.g. 1m"}
		}
		c.JobLease = d
	}
	if v := getenv("SEND_OUTCOME_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 5*time.Second || d > 24*time.Hour {
			return nil, &Error{"SEND_OUTCOME_TIMEOUT", "must be a duration between 5s and 24h, e.g. 15m"}
		}
		c.SendOutcomeTimeout = d
	}
	if v := getenv("ACCOUNT_DELETION_GRACE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 30*24*time.Hour {
			return nil, &Error{"ACCOUNT_DELETION_GRACE", "must be a duration between 0s and 720h (30 days), e.g. 168h"}
		}
		c.AccountDeletionGrace = d
	}
	if v := getenv("META_REQUEST_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 5*time.Minute {
			return nil, &Error{"META_REQUEST_TIMEOUT", "must be a duration between 1s and 5m, e.g. 30s"}
		}
		c.MetaRequestTimeout = d
	}
	if v := getenv("REQUEST_BODY_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > 10*time.Minute {
			return nil, &Error{"REQUEST_BODY_TIMEOUT", "must be a duration between 1s and 10m, e.g. 15s"}
		}
		c.BodyReadTimeout = d
	}
	for _, n := range []struct {
		name string
		dst  *int
	}{
		{"MAX_SUBSCRIPTIONS_PER_CONNECTION", &c.SubscriptionsPerConnection},
		{"MAX_CONNECTIONS_PER_TENANT", &c.ConnectionsPerTenant},
	} {
		if v := getenv(n.name); v != "" {
			i, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || i < 0 {
				return nil, &Error{n.name, "must be a whole number (0 = no limit)"}
			}
			*n.dst = i
		}
	}
	for _, n := range []struct {
		name     string
		dst      *int
		min, max int
	}{
		// Below 7 days, connecting a number replays fewer of its unrouted
		// webhooks than README promises, but that is the operator's call.
		{"RETENTION_WEBHOOK_DAYS", &c.RetentionWebhookDays, 1, 365},
		// Audit entries answer "who did what" questions that come months
		// later; less than 30 days would make the log useless.
		{"RETENTION_AUDIT_DAYS", &c.RetentionAuditDays, 30, 3650},
	} {
		if v := getenv(n.name); v != "" {
			i, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || i < n.min || i > n.max {
				return nil, &Error{n.name, fmt.Sprintf("must be a whole number of days between %d and %d", n.min, n.max)}
			}
			*n.dst = i
		}
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{
		{"GRAPHQL_INTROSPECTION", &c.Introspection},
		{"PLAYGROUND", &c.Playground},
		{"MIGRATE_ON_START", &c.MigrateOnStart},
	} {
		if v := getenv(b.name); v != "" {
			on, err := strconv.ParseBool(strings.TrimSpace(v))
			if err != nil {
				return nil, &Error{b.name, "must be true or false"}
			}
			*b.dst = on
		}
	}
	if c.MetaAppSecret == "" {
		log.Warn("META_APP_SECRET is unset: every webhook POST will be refused with 401 until it is set")
	}
	if c.MetaVerifyToken == "" {
		log.Warn("META_VERIFY_TOKEN is unset: Meta's webhook handshake (GET /webhooks/whatsapp) will be refused with 403 until it is set")
	}
	key, err := c.loadKey(getenv("ENCRYPTION_KEY"), log)
	if err != nil {
		return nil, err
	}
	c.EncryptionKey = key
	if c.EncryptionKeysOld, err = oldKeys(getenv("ENCRYPTION_KEYS_OLD"), key); err != nil {
		return nil, err
	}
	return c, nil
}

// EncryptionKeys are the keys that open sealed secrets and check signed
// links: the current key first (the one that seals and signs), then the
// old ones.
func (c *Config) EncryptionKeys() [][]byte {
	return append([][]byte{c.EncryptionKey}, c.EncryptionKeysOld...)
}

// SQLite reports whether storage is an SQLite file (the default).
func (c *Config) SQLite() bool {
	return c.DatabaseURL == "" || strings.HasPrefix(c.DatabaseURL, "sqlite://")
}

// Postgres reports whether storage is PostgreSQL.
func (c *Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// SQLitePath is the database file of embedded mode.
func (c *Config) SQLitePath() string {
	if c.DatabaseURL == "" {
		return filepath.Join(c.DataDir, "switchboard.db")
	}
	return strings.TrimPrefix(c.DatabaseURL, "sqlite://")
}

func (c *Config) loadKey(v string, log *slog.Logger) ([]byte, error) {
	if v != "" {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if err != nil || len(key) != 32 {
			return nil, &Error{"ENCRYPTION_KEY", "must be the base64 encoding of exactly 32 bytes (openssl rand -base64 32)"}
		}
		return key, nil
	}
	if c.Postgres() {
		return nil, &Error{"ENCRYPTION_KEY", "is required with PostgreSQL (openssl rand -base64 32)"}
	}
	path := filepath.Join(filepath.Dir(c.SQLitePath()), "encryption.key")
	if b, err := os.ReadFile(path); err == nil {
		key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) != 32 {
			return nil, &Error{"ENCRYPTION_KEY", fmt.Sprintf("generated key file %s is corrupt", path)}
		}
		return key, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, &Error{"ENCRYPTION_KEY", fmt.Sprintf("cannot read %s: %v", path, err)}
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, &Error{"ENCRYPTION_KEY", err.Error()}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, &Error{"ENCRYPTION_KEY", fmt.Sprintf("cannot create %s: %v", filepath.Dir(path), err)}
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, &Error{"ENCRYPTION_KEY", fmt.Sprintf("cannot write %s: %v", path, err)}
	}
	log.Warn("ENCRYPTION_KEY unset: generated a key for embedded mode; back it up, tokens cannot be read without it", "path", path)
	return key, nil
}

// oldKeys parses ENCRYPTION_KEYS_OLD. A key given twice, or the current
// key given again, is refused rather than ignored: it means the operator
// copied the wrong value, and a rotation run with it would rotate nothing
// while the key they meant to keep is missing. Errors name entries by
// position, never by value, as the value is a secret.
func oldKeys(v string, current []byte) ([][]byte, error) {
	var keys [][]byte
	seen := map[string]int{string(current): 0}
	for i, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		key, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(key) != 32 {
			return nil, &Error{"ENCRYPTION_KEYS_OLD", fmt.Sprintf("entry %d must be the base64 encoding of exactly 32 bytes", i+1)}
		}
		switch prev, dup := seen[string(key)]; {
		case dup && prev == 0:
			return nil, &Error{"ENCRYPTION_KEYS_OLD", fmt.Sprintf("entry %d is the current ENCRYPTION_KEY; list only earlier keys", i+1)}
		case dup:
			return nil, &Error{"ENCRYPTION_KEYS_OLD", fmt.Sprintf("entry %d repeats entry %d", i+1, prev)}
		}
		seen[string(key)] = i + 1
		keys = append(keys, key)
	}
	return keys, nil
}

func or(v, def string) string {
	if v = strings.TrimSpace(v); v != "" {
		return v
	}
	return def
}
