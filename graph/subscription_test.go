package graph_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/internal/testenv"
)

// wsClient is a graphql-transport-ws client.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialWS(t *testing.T, env *testenv.Env, token string) (*wsClient, error) {
	t.Helper()
	url := "ws" + strings.TrimPrefix(env.Server.URL, "http") + "/graphql"
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}
	conn, _, err := d.Dial(url, http.Header{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &wsClient{t: t, conn: conn}
	c.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + token}})
	for {
		msg, err := c.read()
		if err != nil {
			return nil, err
		}
		switch msg["type"] {
		case "connection_ack":
			return c, nil
		case "connection_error":
			return nil, &websocket.CloseError{Text: "connection_error"}
		}
	}
}

func (c *wsClient) send(v any) {
	if err := c.conn.WriteJSON(v); err != nil {
		c.t.Fatal(err)
	}
}

func (c *wsClient) read() (map[string]any, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var m map[string]any
	err := c.conn.ReadJSON(&m)
	return m, err
}

type inboxEvent struct {
	Cursor, Kind string
	Message      *struct{ Text string }
	Conversation *struct{ ID string }
}

// next returns the next subscription event, skipping pings.
func (c *wsClient) next() inboxEvent {
	c.t.Helper()
	for {
		m, err := c.read()
		if err != nil {
			c.t.Fatalf("waiting for an event: %v", err)
		}
		if m["type"] == "next" {
			var out struct {
				Data struct{ InboxEvents inboxEvent }
			}
			b, _ := json.Marshal(m["payload"])
			if err := json.Unmarshal(b, &out); err != nil {
				c.t.Fatal(err)
			}
			return out.Data.InboxEvents
		}
		if m["type"] == "error" {
			c.t.Fatalf("subscription error: %v", m)
		}
	}
}

const inboxSubscription = `subscription($after: String) { inboxEvents(after: $after) { cursor kind message { text } conversation { id } } }`

func TestInboxEventsLiveAndResumed(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Live Owner")
	connect(t, env, owner.Token, "7001")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)

	if _, err := dialWS(t, env, "sbs_not-a-token"); err == nil {
		t.Fatal("a bad token was accepted in connection_init")
	}

	c, err := dialWS(t, env, owner.Token)
	if err != nil {
		t.Fatal(err)
	}
	c.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": inboxSubscription}})
	waitSubscribers(t, env, 1) // the subscription follows the log before the event: live-only mode
	deliver(t, env, textWebhook("7001", "14155550123", "Alice", "wamid.1", "first", t0))
	first := c.next()
	if first.Kind != "MESSAGE_CREATED" || first.Message == nil || first.Message.Text != "first" || first.Conversation == nil {
		t.Fatalf("first event: %+v", first)
	}
	if e := c.next(); e.Kind != "CONVERSATION_UPDATED" {
		t.Fatalf("second event: %+v", e)
	}
	c.conn.Close()

	// Offline: two more messages arrive. Resuming from the first cursor
	// replays exactly what was missed, in order, then goes live.
	deliver(t, env, textWebhook("7001", "14155550123", "Alice", "wamid.2", "second", t0.Add(time.Minute)))
	deliver(t, env, textWebhook("7001", "14155550123", "Alice", "wamid.3", "third", t0.Add(2*time.Minute)))
	processed(t, env)
	c, err = dialWS(t, env, owner.Token)
	if err != nil {
		t.Fatal(err)
	}
	c.send(map[string]any{"id": "2", "type": "subscribe", "payload": map[string]any{"query": inboxSubscription,
		"variables": map[string]any{"after": first.Cursor}}})
	var texts []string
	for range 5 {
		e := c.next()
		if e.Kind == "MESSAGE_CREATED" {
			texts = append(texts, e.Message.Text)
		}
	}
	deliver(t, env, textWebhook("7001", "14155550123", "Alice", "wamid.4", "fourth", t0.Add(3*time.Minute)))
	if e := c.next(); e.Kind != "MESSAGE_CREATED" || e.Message.Text != "fourth" {
		t.Fatalf("live after replay: %+v", e)
	}
	// Separate webhooks may be processed in either order (several workers);
	// the log's order is commit order. What matters: both, once each.
	sort.Strings(texts)
	if strings.Join(texts, ",") != "second,third" {
		t.Fatalf("replayed %v, want second and third once each", texts)
	}

	// Another tenant, even with this tenant's cursor, sees nothing of it.
	other := env.SignUp(t, "Nosy Owner")
	o, err := dialWS(t, env, other.Token)
	if err != nil {
		t.Fatal(err)
	}
	o.send(map[string]any{"id": "3", "type": "subscribe", "payload": map[string]any{"query": inboxSubscription,
		"variables": map[string]any{"after": first.Cursor}}})
	_ = o.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	for {
		var m map[string]any
		if err := o.conn.ReadJSON(&m); err != nil {
			break // nothing but pings until the deadline
		}
		if m["type"] == "next" {
			t.Fatalf("another tenant received %v", m)
		}
	}
}
