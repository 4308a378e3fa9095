package config

import (
	"fmt"
	"io"
)

// Var documents one environment variable that Load reads. Vars is the
// single list that `switchboard --help` prints; a test checks that Load
// reads no variable missing from it, so the help cannot drift from the
// code.
type Var struct {
	Name    string
	Default string // as the help shows it; "" = unset, nothing
	Meaning string // one line
}

// Vars are the variables Load reads, in the order the help lists them.
var Vars = []Var{
	{"DATABASE_URL", "", "unset = embedded SQLite at $DATA_DIR/switchboard.db; sqlite:///path/file.db or postgres://…"},
	{"DATA_DIR", "data", "directory of the embedded database and its generated encryption key"},
	{"LISTEN_ADDR", ":8080", "HTTP listen address (host:port or :port)"},
	{"ENCRYPTION_KEY", "", "base64 of 32 bytes sealing Meta tokens; required with PostgreSQL, generated into DATA_DIR otherwise"},
	{"ENCRYPTION_KEYS_OLD", "", "comma-separated earlier ENCRYPTION_KEYs, only read (sealed tokens, signed links) until `switchboard rotate-key` re-sealed all"},
	{"META_APP_SECRET", "", "Meta app secret: webhook and signed_request signatures (unset: webhooks get 401)"},
	{"META_VERIFY_TOKEN", "", "token of Meta's webhook handshake (unset: the handshake gets 403)"},
	{"META_API_BASE_URL", DefaultMetaAPIBaseURL, "Graph API base URL (the simulator's URL in tests)"},
	{"PUBLIC_BASE_URL", "http://localhost:8080", "this server's public URL, used in links handed to Meta"},
	{"CORS_ALLOWED_ORIGINS", "", "comma-separated browser origins allowed to call the API"},
	{"LOG_LEVEL", "info", "debug, info, warn or error (JSON logs on stderr)"},
	{"MAX_REQUEST_BYTES", "1048576", "GraphQL request body and WebSocket message limit in bytes"},
	{"MAX_UPLOAD_BYTES", "104857600", "largest file upload (GraphQL multipart request) in bytes; Meta takes documents up to 100 MB"},
	{"MEDIA_STORE_URL", "", "where media files are kept: file:///dir, s3://bucket?region=…, mem://; unset = $DATA_DIR/media"},
	{"REQUEST_BODY_TIMEOUT", "15s", "time a client has to send a request body"},
	{"MAX_SUBSCRIPTIONS_PER_CONNECTION", "100", "subscriptions on one WebSocket (0 = no cap)"},
	{"MAX_CONNECTIONS_PER_TENANT", "1000", "WebSockets and SSE streams of one tenant on one replica (0 = no cap)"},
	{"GRAPHQL_INTROSPECTION", "true", "false refuses __schema and __type queries"},
	{"PLAYGROUND", "true", "false removes /playground"},
	{"METRICS_TOKEN", "", "when set, /metrics needs Authorization: Bearer <it>"},
	{"TRUSTED_PROXIES", "", "comma-separated IPs or CIDRs of load balancers whose X-Forwarded-For is believed"},
	{"META_REQUEST_TIMEOUT", "30s", "longest wait for one answer from Meta's Graph API (a send without an answer is an unknown outcome)"},
	{"ACCOUNT_DELETION_GRACE", "168h", "how long a deleted account waits, cancellable by its owner, before all its data is erased (at most 720h)"},
	{"SEND_OUTCOME_TIMEOUT", "15m", "how long a send Meta did not answer waits for a status webhook before it fails as outcome unknown"},
	{"JOB_LEASE", "1m", "how long a worker holds a claimed job before another may take it over"},
	{"TERMS_VERSION", "1", "version of the terms of service signUp has people accept, recorded with each acceptance"},
	{"RETENTION_WEBHOOK_DAYS", "7", "days processed and unrouted raw webhook payloads are kept (failed ones 30, pending ones until processed)"},
	{"RETENTION_AUDIT_DAYS", "730", "days audit log entries are kept before the retention purge deletes them"},
	{"MIGRATE_ON_START", "true", "serve applies pending schema migrations; false refuses to start until `switchboard migrate` ran"},
}

// WriteUsage prints Vars as the help shows them: NAME=default (or NAME
// when unset by default), then the meaning on the next line.
func WriteUsage(w io.Writer) error {
	for _, v := range Vars {
		name := v.Name
		if v.Default != "" {
			name += "=" + v.Default
		}
		if _, err := fmt.Fprintf(w, "  %s\n        %s\n", name, v.Meaning); err != nil {
			return err
		}
	}
	return nil
}
