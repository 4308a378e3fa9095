package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The development values the demo runs with: clearly not secrets, and what it tells metasim.
const (
	devAppSecret   = "dev-only-demo-app-secret"
	devVerifyToken = "dev-only-demo-verify-token"
	demoWABAID     = "102290129340398"
	demoPhoneID    = "106540352242922"
	demoEmail      = "demo@example.com"
	// Long and not a common password: signUp refuses those.
	demoPassword = "lantern-quokka-harbor-7351"
)

// subscriptionQuery is printed for the playground.
const subscriptionQuery = `subscription { inboxEvents { cursor kind message { text } conversation { id unreadCount } } }`

type options struct {
	server, metasim string // binaries
	addr            string
	dataDir         string
	duration        time.Duration
	rate            float64
	customers       int
	stdout, stderr  io.Writer
}

// run is the whole demo. It returns when ctx ends (after stopping the server with SIGTERM) or
// on the first failure; nil only when every step worked and the server exited 0. simulated,
// when not nil, is called once the simulator has finished, with the server still up.
func run(ctx context.Context, o *options, simulated func()) error {
	if err := checkLoopback(o.addr); err != nil {
		return err
	}
	for _, bin := range []string{o.server, o.metasim} {
		if _, err := os.Stat(bin); err != nil {
			return fmt.Errorf("%s not found (make demo builds it): %w", bin, err)
		}
	}
	// Another server on the address would answer /readyz for ours.
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (is a server running there already? set DEMO_ADDR=127.0.0.1:8081): %w", o.addr, err)
	}
	l.Close()
	if err := os.MkdirAll(o.dataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	logPath := filepath.Join(o.dataDir, "switchboard.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close()
	base := "http://" + o.addr

	fmt.Fprintf(o.stdout, "demo: starting %s serve on %s (DATA_DIR=%s, log %s)\n", o.server, base, o.dataDir, logPath)
	srv := exec.Command(o.server, "serve")
	srv.Env = serverEnv(os.Environ(), o, base)
	srv.Stdout, srv.Stderr = logFile, logFile
	ownProcessGroup(srv) // Ctrl-C reaches the demo only; it stops the server with SIGTERM.
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	// done is closed when the server has exited, with its result in waitErr.
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = srv.Wait(); close(done) }()
	// stopServer sends SIGTERM and waits; the server finishes in-flight work before it exits.
	stopServer := func() error {
		select {
		case <-done:
			return fmt.Errorf("server exited on its own: %v (log: %s)", waitErr, logPath)
		default:
		}
		_ = srv.Process.Signal(terminate)
		select {
		case <-done:
			if waitErr != nil {
				return fmt.Errorf("server did not exit cleanly: %w (log: %s)", waitErr, logPath)
			}
			return nil
		case <-time.After(30 * time.Second):
			_ = srv.Process.Kill()
			<-done
			return fmt.Errorf("server did not stop within 30s of SIGTERM; killed (log: %s)", logPath)
		}
	}
	fail := func(err error) error {
		select {
		case <-done: // nothing to stop
		default:
			if serr := stopServer(); serr != nil {
				fmt.Fprintln(o.stderr, "demo:", serr)
			}
		}
		return err
	}

	if err := waitReady(ctx, base, done, logPath); err != nil {
		return fail(err)
	}
	fmt.Fprintf(o.stdout, "demo: server ready\n")

	c := &client{base: base}
	token, how, err := c.session(ctx)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(o.stdout, "demo: %s as %s\n", how, demoEmail)
	channelHow, err := c.connectChannel(ctx, token)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(o.stdout, "demo: WhatsApp number %s %s\n", demoPhoneID, channelHow)

	bearer, _ := json.Marshal("Bearer " + token)
	headers := fmt.Sprintf(`{"Authorization": %s}`, bearer)
	fmt.Fprintf(o.stdout, `
  Playground:   %[1]s/playground
  Token:        %[2]s
  Headers (paste into the Headers tab):
    %[3]s
  Subscription (paste into the editor and run it, then watch the events arrive):
    %[4]s
  Or the inbox:
    { conversations(first: 20) { totalCount edges { node { id unreadCount contact { profileName } lastMessage { type text } } } } }

`, base, token, headers, subscriptionQuery)

	fmt.Fprintf(o.stdout, "demo: simulator: %d customers, %g messages/s, every message type with statuses, for %s\n",
		o.customers, o.rate, o.duration)
	if err := simulate(ctx, o, base); err != nil && ctx.Err() == nil {
		return fail(err)
	}
	if ctx.Err() == nil {
		fmt.Fprintf(o.stdout, "demo: simulator finished; the server keeps running at %s: press Ctrl-C to stop it\n", base)
		if simulated != nil {
			simulated()
		}
		select {
		case <-ctx.Done():
		case <-done:
			return fmt.Errorf("server exited on its own: %v (log: %s)", waitErr, logPath)
		}
	}
	fmt.Fprintln(o.stdout, "demo: stopping the server (SIGTERM)")
	if err := stopServer(); err != nil {
		return err
	}
	fmt.Fprintf(o.stdout, "demo: server stopped; the data stays in %s (rm -rf it to start afresh)\n", o.dataDir)
	return nil
}

// serverEnv is the caller's environment without anything that would point the demo server at
// another database, key or address, plus the demo's settings.
func serverEnv(environ []string, o *options, base string) []string {
	drop := map[string]bool{"DATABASE_URL": true, "ENCRYPTION_KEY": true, "ENCRYPTION_KEYS_OLD": true, "DATA_DIR": true,
		"LISTEN_ADDR": true, "META_APP_SECRET": true, "META_VERIFY_TOKEN": true,
		"META_API_BASE_URL": true, "PUBLIC_BASE_URL": true, "PLAYGROUND": true,
		"GRAPHQL_INTROSPECTION": true, "MIGRATE_ON_START": true, "CORS_ALLOWED_ORIGINS": true}
	var env []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !drop[name] {
			env = append(env, kv)
		}
	}
	return append(env, "DATA_DIR="+o.dataDir, "LISTEN_ADDR="+o.addr,
		"META_APP_SECRET="+devAppSecret, "META_VERIFY_TOKEN="+devVerifyToken,
		"PUBLIC_BASE_URL="+base, "PLAYGROUND=true", "GRAPHQL_INTROSPECTION=true",
		"MIGRATE_ON_START=true")
}

// checkLoopback refuses any address that is not on this machine's loopback.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w (want host:port, like 127.0.0.1:8080)", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("address %q: the demo listens on loopback only (127.0.0.1 or ::1)", addr)
}

// waitReady polls /readyz until it answers 200, the server exits, or a minute passes (the
// first start applies the migrations).
func waitReady(ctx context.Context, base string, exited <-chan struct{}, logPath string) error {
	deadline := time.After(time.Minute)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("server exited before it was ready; its log:\n%s", tail(logPath))
		case <-deadline:
			return fmt.Errorf("server not ready after 1m; its log:\n%s", tail(logPath))
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// tail is the end of the server's log, for failure messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// simulate runs bin/metasim against the server; its output goes to the demo's.
func simulate(ctx context.Context, o *options, base string) error {
	sim := exec.CommandContext(ctx, o.metasim,
		"-target", base+"/webhooks/whatsapp", "-app-secret", devAppSecret,
		"-waba-id", demoWABAID, "-phone-number-id", demoPhoneID,
		"-customers", fmt.Sprint(o.customers), "-rate", fmt.Sprint(o.rate),
		"-duration", o.duration.String(), "-types", "all", "-statuses",
		// A fresh seed each run gives fresh message ids, so a second run adds messages.
		"-seed", fmt.Sprint(time.Now().UnixNano()&(1<<62-1)))
	sim.Stdout, sim.Stderr = o.stdout, o.stderr
	ownProcessGroup(sim)
	sim.Cancel = func() error { return sim.Process.Signal(terminate) }
	sim.WaitDelay = 10 * time.Second
	if err := sim.Run(); err != nil {
		return fmt.Errorf("simulator: %w (it exits 1 when a webhook was not acknowledged; see above)", err)
	}
	return nil
}

// client is a minimal GraphQL client of the demo server.
type client struct{ base string }

type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code  string `json:"code"`
		Field string `json:"field"`
	} `json:"extensions"`
}

func (e *gqlError) Error() string {
	if e.Extensions.Field != "" {
		return fmt.Sprintf("%s (%s on %s)", e.Message, e.Extensions.Code, e.Extensions.Field)
	}
	return fmt.Sprintf("%s (%s)", e.Message, e.Extensions.Code)
}

// do runs one operation; the first GraphQL error is returned as a *gqlError.
func (c *client) do(ctx context.Context, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("HTTP %d, not GraphQL JSON: %.200s", resp.StatusCode, raw)
	}
	if len(r.Errors) > 0 {
		return &r.Errors[0]
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}

func code(err error) string {
	var e *gqlError
	if errors.As(err, &e) {
		return e.Extensions.Code
	}
	return ""
}

// session signs the demo user up or, when the account exists (a second run), logs in.
func (c *client) session(ctx context.Context) (token, how string, err error) {
	creds := map[string]any{"email": demoEmail, "password": demoPassword}
	var up struct {
		SignUp struct{ Token string } `json:"signUp"`
	}
	err = c.do(ctx, "", `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`,
		map[string]any{"in": map[string]any{"email": demoEmail, "password": demoPassword,
			"name": "Demo Agent", "businessName": "Demo Shop", "acceptTerms": true, "confirmAdult": true}}, &up)
	if err == nil {
		return up.SignUp.Token, "signed up a demo tenant", nil
	}
	if code(err) != "CONFLICT" {
		return "", "", fmt.Errorf("signUp: %w", err)
	}
	var in struct {
		LogIn struct{ Token string } `json:"logIn"`
	}
	if err := c.do(ctx, "", `mutation($in: LogInInput!) { logIn(input: $in) { token } }`,
		map[string]any{"in": creds}, &in); err != nil {
		return "", "", fmt.Errorf("the demo account exists already, and logIn failed: %w (delete the data dir to start afresh)", err)
	}
	return in.LogIn.Token, "logged in (the demo tenant exists from an earlier run)", nil
}

// connectChannel connects the number metasim writes to, or finds it connected already.
func (c *client) connectChannel(ctx context.Context, token string) (string, error) {
	err := c.do(ctx, token, `mutation($in: ConnectWhatsAppInput!) { connectWhatsApp(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Demo support", "wabaId": demoWABAID,
			"phoneNumberId": demoPhoneID, "displayPhoneNumber": "+1 555 0100",
			"accessToken": "dev-only-demo-access-token"}}, nil)
	if err == nil {
		return "connected", nil
	}
	if code(err) != "CONFLICT" {
		return "", fmt.Errorf("connectWhatsApp: %w", err)
	}
	var r struct {
		Channels []struct{ PhoneNumberID, Status string } `json:"channels"`
	}
	if err := c.do(ctx, token, `{ channels { phoneNumberId status } }`, nil, &r); err != nil {
		return "", fmt.Errorf("channels: %w", err)
	}
	for _, ch := range r.Channels {
		if ch.PhoneNumberID == demoPhoneID && ch.Status == "CONNECTED" {
			return "already connected (earlier run)", nil
		}
	}
	return "", fmt.Errorf("connectWhatsApp: %w (and the demo tenant does not own it)", err)
}
