// Package testenv runs the whole Switchboard HTTP surface in-process over
// a fresh database (internal/testdb), and speaks GraphQL to it the way a
// client would. Tests use it to prove behaviour through the real surface.
package testenv

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"switchboard/internal/app"
	"switchboard/internal/config"
	"switchboard/internal/store"
	"switchboard/internal/testdb"
)

// The Meta app credentials of every test server.
const (
	AppSecret   = "test-app-secret"
	VerifyToken = "test-verify-token"
)

// Env is a running server over its own database.
type Env struct {
	App    *app.App
	DB     *store.DB
	Server *httptest.Server
	Config *config.Config

	log *slog.Logger // nil: warnings and errors to the test's output
}

// Option adjusts the config before the server starts.
type Option func(*config.Config)

// New starts a server for the test; it stops when the test ends.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return NewOn(t, testdb.Open(t), opts...)
}

// NewOn starts a server over a database the test opened itself, e.g. with
// ent options that count statements.
func NewOn(t testing.TB, db *store.DB, opts ...Option) *Env {
	t.Helper()
	return newServer(t, db, nil, true, opts...)
}

// NewLogged is New with the server logging to log, for tests that assert
// what the server logs.
func NewLogged(t testing.TB, log *slog.Logger, opts ...Option) *Env {
	t.Helper()
	return newServer(t, testdb.Open(t), log, true, opts...)
}

// NewIdleOn is NewIdle over a database the test opened itself, for tests
// that count the statements of a request: no background poller (jobs,
// outbox, campaigns) then adds its own.
func NewIdleOn(t testing.TB, db *store.DB, opts ...Option) *Env {
	t.Helper()
	return newServer(t, db, nil, false, opts...)
}

// NewIdle is New without background workers: jobs stay in the queue as
// the test leaves them (the event doorbell still runs).
func NewIdle(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return newServer(t, testdb.Open(t), nil, false, opts...)
}

func newServer(t testing.TB, db *store.DB, log *slog.Logger, jobs bool, opts ...Option) *Env {
	t.Helper()
	env := map[string]string{
		"ENCRYPTION_KEY":    base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)),
		"DATA_DIR":          t.TempDir(),
		"META_APP_SECRET":   AppSecret,
		"META_VERIFY_TOKEN": VerifyToken,
		// Tests never reach beyond loopback: without a simulator
		// (NewWithMeta), calls to the Graph API meet a closed port.
		"META_API_BASE_URL": "http://127.0.0.1:1",
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	for _, o := range opts {
		o(cfg)
	}
	return start(t, cfg, db, jobs, log)
}

// start serves an app over db; with jobs false it runs only the event
// doorbell, so that it processes no webhooks itself.
func start(t testing.TB, cfg *config.Config, db *store.DB, jobs bool, log *slog.Logger) *Env {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.New(cfg, db, log)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		switch {
		case jobs:
			a.Run(ctx)
		case a.PGNotifier != nil:
			a.PGNotifier.Run(ctx)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return &Env{App: a, DB: db, Server: srv, Config: cfg, log: log}
}

// Replica starts a second server process's worth of Switchboard (its own
// broker, doorbell and HTTP server) over the same database, as another
// replica would be. It runs no jobs, so everything it shows was processed
// by another replica.
func (e *Env) Replica(t testing.TB) *Env {
	t.Helper()
	return start(t, e.Config, e.DB, false, e.log)
}

// Error is one GraphQL error of a response.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Response is a GraphQL response.
type Response struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []Error         `json:"errors"`
}

// Code is the extensions.code of the first error, or "".
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Field is the extensions.field of the first error, or "".
func (r *Response) Field() string {
	if len(r.Errors) == 0 {
		return ""
	}
	f, _ := r.Errors[0].Extensions["field"].(string)
	return f
}

// Decode unmarshals data into v, failing the test on errors.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected GraphQL errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}

// Query posts a GraphQL request with the token (may be "") and variables.
func (e *Env) Query(t testing.TB, token, query string, vars map[string]any) *Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, e.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &Response{Status: res.StatusCode}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("POST /graphql: status %d, body %q: %v", res.StatusCode, raw, err)
	}
	return out
}

// MustQuery is Query that fails the test on any GraphQL error and decodes
// data into v (if non-nil).
func (e *Env) MustQuery(t testing.TB, token, query string, vars map[string]any, v any) {
	t.Helper()
	r := e.Query(t, token, query, vars)
	if v == nil {
		var ignore map[string]any
		r.Decode(t, &ignore)
		return
	}
	r.Decode(t, v)
}

// Account is a signed-up tenant owner.
type Account struct {
	Token    string
	UserID   string
	TenantID string
	Email    string
}

// SignUp creates a tenant whose owner's email is derived from name.
func (e *Env) SignUp(t testing.TB, name string) Account {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com"
	var out struct {
		SignUp struct {
			Token  string
			User   struct{ ID string }
			Tenant struct{ ID string }
		}
	}
	e.MustQuery(t, "", `mutation($in: SignUpInput!) { signUp(input: $in) { token user { id } tenant { id } } }`,
		map[string]any{"in": map[string]any{"email": email, "password": "correct horse battery", "name": name, "businessName": name + " Ltd", "acceptTerms": true, "confirmAdult": true}}, &out)
	return Account{Token: out.SignUp.Token, UserID: out.SignUp.User.ID, TenantID: out.SignUp.Tenant.ID, Email: email}
}
