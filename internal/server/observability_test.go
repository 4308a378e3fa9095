package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/internal/config"
	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp"
)

// lockedBuffer collects the server's log lines from its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines() []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(b.buf.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// scrape returns the value of the sample name{labels} ("" = no labels;
// labels as the exposition format prints them, sorted by name).
func scrape(t *testing.T, env *testenv.Env) func(name, labels string) (float64, bool) {
	t.Helper()
	res, body := get(t, env.Server.URL+"/metrics", nil)
	if res.StatusCode != 200 {
		t.Fatalf("/metrics: %d", res.StatusCode)
	}
	return func(name, labels string) (float64, bool) {
		key := name
		if labels != "" {
			key += "{" + labels + "}"
		}
		for _, l := range strings.Split(body, "\n") {
			if k, v, ok := strings.Cut(l, " "); ok && k == key {
				f, err := strconv.ParseFloat(v, 64)
				return f, err == nil
			}
		}
		return 0, false
	}
}

func postWebhook(t *testing.T, env *testenv.Env, body io.Reader, signature string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/webhooks/whatsapp", body)
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// Each webhook outcome is counted once per delivery, under its name.
func TestMetricsWebhookOutcomes(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.BodyReadTimeout = time.Second })
	good := `{"object":"whatsapp_business_account","entry":[]}`
	big := bytes.Repeat([]byte(" "), 4<<20+1)
	slow, stall := io.Pipe() // sends nothing: the body read times out
	defer stall.Close()
	for _, d := range []struct {
		body      io.Reader
		signature string
		status    int
	}{
		{strings.NewReader(good), whatsapp.Sign(testenv.AppSecret, []byte(good)), 200},
		{strings.NewReader(good), whatsapp.Sign(testenv.AppSecret, []byte(good)), 200},
		{strings.NewReader(good), whatsapp.Sign("another secret", []byte(good)), 401},
		{strings.NewReader("not json"), whatsapp.Sign(testenv.AppSecret, []byte("not json")), 400},
		{bytes.NewReader(big), whatsapp.Sign(testenv.AppSecret, big), 413},
		{slow, "sha256=00", 408},
	} {
		if got := postWebhook(t, env, d.body, d.signature); got != d.status {
			t.Fatalf("webhook answered %d, want %d", got, d.status)
		}
	}
	// Storage refuses the job insert, as a dying database would: 503.
	env.DB.Client.Job.Use(func(ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(context.Context, ent.Mutation) (ent.Value, error) {
			return nil, errors.New("storage is down")
		})
	})
	if got := postWebhook(t, env, strings.NewReader(good), whatsapp.Sign(testenv.AppSecret, []byte(good))); got != 503 {
		t.Fatalf("webhook answered %d with storage down, want 503", got)
	}
	sample := scrape(t, env)
	for outcome, want := range map[string]float64{
		"accepted": 2, "bad_signature": 1, "bad_json": 1, "too_large": 1, "timeout": 1, "unavailable": 1,
	} {
		got, ok := sample("switchboard_webhook_deliveries_total", `outcome="`+outcome+`"`)
		if !ok || got != want {
			t.Errorf("switchboard_webhook_deliveries_total{outcome=%q} = %v (present %v), want %v", outcome, got, ok, want)
		}
	}
}

// The queue gauges count pending jobs per kind and how long the oldest
// due one has waited; the pool and subscriber gauges follow what the
// server holds.
func TestMetricsQueuePoolAndSubscribers(t *testing.T) {
	env := testenv.NewIdle(t) // no workers: the jobs below stay pending
	ctx := viewer.System(context.Background())
	// Two jobs due for ~90 s and ~10 s, one due in an hour.
	for _, runAt := range []time.Time{time.Now().Add(-90 * time.Second), time.Now().Add(-10 * time.Second), time.Now().Add(time.Hour)} {
		env.DB.Client.Job.Create().SetKind("test.idle").SetRunAt(runAt).SaveX(ctx)
	}
	sample := scrape(t, env)
	if n, ok := sample("switchboard_jobs_pending", `kind="test.idle"`); !ok || n != 3 {
		t.Errorf("switchboard_jobs_pending = %v (present %v), want 3", n, ok)
	}
	if age, ok := sample("switchboard_jobs_oldest_pending_age_seconds", `kind="test.idle"`); !ok || age < 89 || age > 300 {
		t.Errorf("switchboard_jobs_oldest_pending_age_seconds = %v (present %v), want about 90", age, ok)
	}
	if n, ok := sample("go_sql_max_open_connections", `db_name="switchboard"`); !ok || n < 1 {
		t.Errorf("go_sql_max_open_connections = %v (present %v)", n, ok)
	}
	if n, ok := sample("go_sql_open_connections", `db_name="switchboard"`); !ok || n < 1 {
		t.Errorf("go_sql_open_connections = %v (present %v), want at least 1 after queries", n, ok)
	}
	if n, ok := sample("switchboard_subscribers_connected", ""); !ok || n != 0 {
		t.Errorf("switchboard_subscribers_connected = %v (present %v) before any subscription", n, ok)
	}

	acct := env.SignUp(t, "Metrics Owner")
	sctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := subscribeSSE(t, sctx, env, acct.Token)
	testwait.For(t, 10*time.Second, "one subscriber", func() bool {
		n, _ := scrape(t, env)("switchboard_subscribers_connected", "")
		return n == 1
	})
	cancel()
	_, _ = io.Copy(io.Discard, stream)
	testwait.For(t, 10*time.Second, "no subscriber after the stream closed", func() bool {
		n, _ := scrape(t, env)("switchboard_subscribers_connected", "")
		return n == 0
	})
}

// subscribeSSE opens inboxEvents over SSE; the stream lasts until ctx ends.
func subscribeSSE(t *testing.T, ctx context.Context, env *testenv.Env, token string) io.ReadCloser {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": `subscription { inboxEvents { cursor } }`})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("SSE answered %d", res.StatusCode)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res.Body
}

// The request log line of a GraphQL request names its operation (the
// operation's name, or its first root field when anonymous) and its
// duration in milliseconds; other paths carry no operation.
func TestRequestLogNamesOperationAndDuration(t *testing.T) {
	var logs lockedBuffer
	env := testenv.NewLogged(t, slog.New(slog.NewJSONHandler(&logs, nil)))
	acct := env.SignUp(t, "Log Owner") // anonymous: mutation($in: …) { signUp … }
	env.MustQuery(t, acct.Token, `query InboxHeader { me { id } tenant { name } }`, nil, nil)
	get(t, env.Server.URL+"/healthz", nil)

	want := map[string]bool{"signUp": false, "InboxHeader": false}
	for _, l := range logs.lines() {
		if l["msg"] != "http request" {
			continue
		}
		ms, isNumber := l["duration_ms"].(float64)
		if !isNumber || ms < 0 || ms > 60_000 {
			t.Errorf("duration_ms should be a number of milliseconds: %v", l)
		}
		if _, old := l["duration"]; old {
			t.Errorf("the Go duration field should be gone: %v", l)
		}
		op, hasOp := l["operation"].(string)
		switch l["path"] {
		case "/graphql":
			if _, known := want[op]; !known {
				t.Errorf("unexpected operation %q: %v", op, l)
			}
			want[op] = true
		default:
			if hasOp {
				t.Errorf("%v has an operation", l["path"])
			}
		}
	}
	for op, seen := range want {
		if !seen {
			t.Errorf("no request log line with operation %q in:\n%s", op, logs.buf.String())
		}
	}
}
