package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/ent"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/ent/webhookevent"
	"switchboard/internal/events"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
)

// stalledSubscription asks for much more than inboxSubscription, so that
// a client that stops reading fills its socket buffers (under 100 KiB
// between both ends) long before the burst ends.
const stalledSubscription = `subscription { inboxEvents { cursor kind message { text }
  conversation { id messages(last: 100) { edges { node { text } } } } } }`

// processedWithin is processed with a deadline fit for a burst under load.
func processedWithin(t *testing.T, env *testenv.Env, d time.Duration) {
	t.Helper()
	ctx := viewer.System(t.Context())
	testwait.For(t, d, "the stored webhooks to be processed", func() bool {
		if env.DB.Client.WebhookEvent.Query().Where(webhookevent.StatusEQ(webhookevent.StatusPENDING)).CountX(ctx) == 0 {
			return true
		}
		env.App.Jobs.Notify()
		return false
	})
}

// loadReader is one subscriber that records every event it receives.
type loadReader struct {
	conn *websocket.Conn
	n    atomic.Int64
	mu   sync.Mutex
	got  []string // cursor/kind/text of each event, in arrival order
	err  error    // why reading stopped, when not because the test closed it
}

// subscribeLoad opens a graphql-transport-ws subscription to the caller's
// inbox at the server base URL without reading its answers.
func subscribeLoad(t *testing.T, base, token, query string) *websocket.Conn {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + "/graphql"
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if tc, ok := c.(*net.TCPConn); ok {
				// A fixed receive buffer: the kernel does not grow it for a
				// client that stops reading.
				_ = tc.SetReadBuffer(32 << 10)
			}
			return c, err
		}}
	conn, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	for _, m := range []map[string]any{
		{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + token}},
		{"id": "inbox", "type": "subscribe", "payload": map[string]any{"query": query}},
	} {
		if err := conn.WriteJSON(m); err != nil {
			t.Fatal(err)
		}
	}
	return conn
}

// read records events until the socket fails or closes, or stays silent
// for two minutes.
func (r *loadReader) read() {
	for {
		var m struct {
			Type    string
			Payload json.RawMessage
		}
		_ = r.conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
		if err := r.conn.ReadJSON(&m); err != nil {
			r.mu.Lock()
			r.err = err
			r.mu.Unlock()
			return
		}
		entry := m.Type
		if m.Type == "next" {
			var out struct {
				Data   struct{ InboxEvents inboxEvent }
				Errors []testenv.Error
			}
			_ = json.Unmarshal(m.Payload, &out)
			e := out.Data.InboxEvents
			entry = e.Cursor + "/" + e.Kind
			if e.Message != nil {
				entry += "/" + e.Message.Text
			}
			if len(out.Errors) > 0 {
				entry += fmt.Sprintf("/errors %v", out.Errors)
			}
		} else if m.Type == "ping" || m.Type == "pong" || m.Type == "connection_ack" {
			continue
		}
		r.mu.Lock()
		r.got = append(r.got, entry)
		r.mu.Unlock()
		r.n.Add(1)
	}
}

// TestManySubscribersAndAStalledOneGetEveryEventOnceWithoutLeaks opens 200
// subscribers in one tenant plus one that never reads, delivers a burst of
// webhooks, and checks that each reader gets the tenant's log exactly, in
// order, whatever the stalled one does; then that closing every client
// leaves no subscription and no goroutine behind. It asserts correctness,
// never timing.
func TestManySubscribersAndAStalledOneGetEveryEventOnceWithoutLeaks(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Crowd Owner")
	connect(t, env, owner.Token, "7301")
	ctx := viewer.System(t.Context())
	tenant := pulid.ID(owner.TenantID)
	head, err := events.Head(ctx, env.DB.Client, tenant)
	if err != nil {
		t.Fatal(err)
	}

	// The stalled client reaches the same app through a second listener
	// whose connections have a tiny send buffer, and asks for each event's
	// whole conversation: its frames soon fill the kernel buffers, and the
	// server's writes to it block, as with a phone that went into a tunnel.
	stallSrv := httptest.NewUnstartedServer(env.App.Handler)
	stallSrv.Listener = tinySendBuffers{stallSrv.Listener}
	stallSrv.Start()
	t.Cleanup(stallSrv.Close)
	http.DefaultClient.CloseIdleConnections()
	baseline := runtime.NumGoroutine()

	const readers, webhooks, senders = 200, 60, 4
	stalled := subscribeLoad(t, stallSrv.URL, owner.Token, stalledSubscription)
	rs := make([]*loadReader, readers)
	var wg sync.WaitGroup
	for i := range rs {
		rs[i] = &loadReader{conn: subscribeLoad(t, env.Server.URL, owner.Token, inboxSubscription)}
		wg.Add(1)
		go func() { defer wg.Done(); rs[i].read() }()
	}
	waitSubscribers(t, env, readers+1)

	// The burst: several senders at once, distinct customers and texts.
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	pad := strings.Repeat("x", 500)
	var sent sync.WaitGroup
	for s := range senders {
		sent.Add(1)
		go func() {
			defer sent.Done()
			for i := s; i < webhooks; i += senders {
				body := textWebhook("7301", fmt.Sprintf("1415555%04d", i%3), "Customer", fmt.Sprintf("wamid.crowd.%d", i),
					fmt.Sprintf("burst %d %s", i, pad), t0.Add(time.Duration(i)*time.Second))
				if code, text := deliverAsMeta(t, env, body); code != 200 {
					t.Errorf("webhook %d answered %d %q", i, code, text)
				}
			}
		}()
	}
	sent.Wait()
	processedWithin(t, env, 60*time.Second)

	// What every reader must see: the tenant's log after head, in order.
	logged, err := env.DB.Client.Event.Query().Where(event.TenantID(tenant), event.SeqGT(head)).
		Order(ent.Asc(event.FieldSeq)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[pulid.ID]string{}
	for _, m := range env.DB.Client.Message.Query().Where(message.TenantID(tenant)).AllX(ctx) {
		texts[m.ID] = m.Text
	}
	want := make([]string, len(logged))
	created := 0
	for i, e := range logged {
		want[i] = events.Cursor(e.Seq) + "/" + string(e.Kind)
		if e.Kind == event.KindMESSAGE_CREATED {
			want[i] += "/" + texts[e.MessageID]
			created++
		}
	}
	if created != webhooks {
		t.Fatalf("the log holds %d MESSAGE_CREATED for %d distinct messages", created, webhooks)
	}

	// Reported below with what each reader got.
	testwait.Until(90*time.Second, func() bool {
		for _, r := range rs {
			if r.n.Load() < int64(len(want)) {
				return false
			}
		}
		return true
	})
	for _, r := range rs {
		r.conn.Close()
	}
	wg.Wait()
	for i, r := range rs {
		if strings.Join(r.got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("reader %d got %d events, want %d (stopped by %v); first difference:\n%s",
				i, len(r.got), len(want), r.err, firstDifference(r.got, want))
		}
	}

	// The stalled client wakes up and catches up: nothing lost or doubled
	// for it either.
	late := &loadReader{conn: stalled}
	wg.Add(1)
	go func() { defer wg.Done(); late.read() }()
	testwait.Until(90*time.Second, func() bool { return late.n.Load() >= int64(len(want)) })
	stalled.Close()
	wg.Wait()
	if strings.Join(late.got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the stalled client got %d events, want %d (stopped by %v); first difference:\n%s",
			len(late.got), len(want), late.err, firstDifference(late.got, want))
	}

	// Every client is gone: so are their subscriptions and goroutines.
	if !testwait.Until(30*time.Second, func() bool {
		http.DefaultClient.CloseIdleConnections()
		return env.App.Events.Followers() == 0 && env.App.Events.Tails() == 0 && runtime.NumGoroutine() <= baseline+10
	}) {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d subscriptions and %d goroutines (baseline %d) remain:\n%s",
			env.App.Events.Followers(), runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
	}
}

// tinySendBuffers gives accepted connections a minimal kernel send buffer,
// so that a client that stops reading blocks the server's writes quickly.
type tinySendBuffers struct{ net.Listener }

func (l tinySendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(1024)
	}
	return c, err
}

func firstDifference(got, want []string) string {
	for i := range max(len(got), len(want)) {
		g, w := "(none)", "(none)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("#%d got %.80q want %.80q", i, g, w)
		}
	}
	return "none"
}

// deliverAsMeta posts a signed webhook as Meta does: a 503 (the batch
// could not be stored in time, here under -race on a loaded machine) is
// posted again, a few times, and nothing else is.
func deliverAsMeta(t *testing.T, env *testenv.Env, body string) (int, string) {
	t.Helper()
	for range 4 {
		if code, text := postWebhook(t, env, body, testenv.AppSecret); code != http.StatusServiceUnavailable {
			return code, text
		}
	}
	return postWebhook(t, env, body, testenv.AppSecret)
}
