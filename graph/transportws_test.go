package graph_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
)

// dialRaw opens a graphql-transport-ws socket and sends nothing.
func dialRaw(t *testing.T, env *testenv.Env) *websocket.Conn {
	t.Helper()
	url := "ws" + strings.TrimPrefix(env.Server.URL, "http") + "/graphql"
	d := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	conn, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func writeAll(t *testing.T, conn *websocket.Conn, msgs ...any) {
	t.Helper()
	for _, m := range msgs {
		var err error
		if s, ok := m.(string); ok {
			err = conn.WriteMessage(websocket.TextMessage, []byte(s))
		} else {
			err = conn.WriteJSON(m)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// The protocol's close codes for a client that breaks it
// (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md).
func TestTransportWSClosesAsTheProtocolPrescribes(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Protocol Owner")
	initMsg := map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + owner.Token}}
	sub := func(id string) map[string]any {
		return map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": inboxSubscription}}
	}
	cases := []struct {
		name string
		msgs []any
		code int
	}{
		{"subscribe before connection_init", []any{sub("1")}, 4401},
		{"a second connection_init", []any{initMsg, initMsg}, 4429},
		{"a subscriber id in use", []any{initMsg, sub("1"), sub("1")}, 4409},
		{"not JSON", []any{initMsg, "{not json"}, 4400},
		{"an unknown message type", []any{initMsg, map[string]any{"type": "start", "id": "1"}}, 4400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn := dialRaw(t, env)
			writeAll(t, conn, tc.msgs...)
			_, ce := readUntilClosed(t, conn)
			if ce.Code != tc.code {
				t.Fatalf("closed with %d %q, want %d", ce.Code, ce.Text, tc.code)
			}
			stillAnswers(t, env, owner.Token)
		})
	}
}

func TestTransportWSAnswersPingWithPong(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Ping Owner")
	c, err := dialWS(t, env, owner.Token)
	if err != nil {
		t.Fatal(err)
	}
	c.send(map[string]any{"type": "ping", "payload": map[string]any{"n": 7}})
	m, err := c.read()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(m); string(b) != `{"payload":{"n":7},"type":"pong"}` {
		t.Fatalf("answer to ping: %s", b)
	}
}

// An idle inboxEvents subscription costs its socket's one goroutine, and
// nothing per subscription: gqlgen's transport kept three per
// subscription, and the event loop a fourth. Each socket still gets the
// next event.
func TestIdleSubscriptionsCostOneGoroutinePerSocket(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Idle Owner")
	connect(t, env, owner.Token, "7401")
	baseline := runtime.NumGoroutine()

	const sockets, perSocket = 20, 3
	clients := make([]*wsClient, sockets)
	for i := range clients {
		c, err := dialWS(t, env, owner.Token)
		if err != nil {
			t.Fatal(err)
		}
		for j := range perSocket {
			c.subscribe(fmt.Sprint(j))
		}
		clients[i] = c
	}
	waitSubscribers(t, env, sockets*perSocket)
	// The slack is for the tenant's tail and the server's own goroutines
	// that come and go (the job runner, idle HTTP connections).
	testwait.For(t, 20*time.Second, "the goroutines of setting up the subscriptions to end", func() bool {
		return runtime.NumGoroutine() <= baseline+sockets+5
	})

	deliver(t, env, textWebhook("7401", "14155550123", "Alice", "wamid.idle.1", "wake up", time.Now().Add(-time.Minute).Truncate(time.Second)))
	for i, c := range clients {
		seen := map[string]bool{}
		for len(seen) < perSocket {
			m, err := c.read()
			if err != nil {
				t.Fatalf("socket %d: %v", i, err)
			}
			if m["type"] == "next" {
				seen[m["id"].(string)] = true
			}
		}
	}
}
