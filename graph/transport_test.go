package graph_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
)

// The transports a client may pick for inboxEvents: graphql-transport-ws,
// legacy graphql-ws and SSE all authenticate the same way and carry the
// same events; a refused WebSocket closes with 4403.

// dialProto opens a WebSocket speaking proto, with header on the upgrade
// request, and sends connection_init with payload (nil sends none).
func dialProto(t *testing.T, env *testenv.Env, proto string, header http.Header, payload map[string]any) *websocket.Conn {
	t.Helper()
	url := "ws" + strings.TrimPrefix(env.Server.URL, "http") + "/graphql"
	d := websocket.Dialer{Subprotocols: []string{proto}, HandshakeTimeout: 10 * time.Second}
	conn, res, err := d.Dial(url, header)
	if err != nil {
		t.Fatalf("dial %s: %v", proto, err)
	}
	if res.Header.Get("Sec-WebSocket-Protocol") != proto {
		t.Fatalf("negotiated %q, want %q", res.Header.Get("Sec-WebSocket-Protocol"), proto)
	}
	t.Cleanup(func() { conn.Close() })
	init := map[string]any{"type": "connection_init"}
	if payload != nil {
		init["payload"] = payload
	}
	if err := conn.WriteJSON(init); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readUntilClosed reads messages until the server closes the socket and
// returns the message types seen and the close error.
func readUntilClosed(t *testing.T, conn *websocket.Conn) ([]string, *websocket.CloseError) {
	t.Helper()
	var types []string
	for range 100 {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var m struct{ Type string }
		err := conn.ReadJSON(&m)
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return types, ce
		}
		if err != nil {
			t.Fatalf("socket ended without a close frame: %v (after %v)", err, types)
		}
		types = append(types, m.Type)
	}
	t.Fatalf("socket not closed after %v", types)
	return nil, nil
}

func TestWebsocketRefusedInitClosesWith4403(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Refused Owner")
	cases := []struct {
		name, proto string
		payload     map[string]any
		header      http.Header
	}{
		{"bad token", "graphql-transport-ws", map[string]any{"authorization": "Bearer sbs_not-a-token"}, nil},
		{"token without Bearer that is wrong", "graphql-transport-ws", map[string]any{"authorization": "nonsense"}, nil},
		{"no token", "graphql-transport-ws", map[string]any{}, nil},
		{"no payload", "graphql-transport-ws", nil, nil},
		{"bad header, no payload", "graphql-transport-ws", nil, http.Header{"Authorization": {"Bearer sbs_wrong"}}},
		{"legacy bad token", "graphql-ws", map[string]any{"authorization": "Bearer sbs_not-a-token"}, nil},
		{"legacy no token", "graphql-ws", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn := dialProto(t, env, tc.proto, tc.header, tc.payload)
			types, ce := readUntilClosed(t, conn)
			if ce.Code != 4403 {
				t.Fatalf("closed with %d %q, want 4403", ce.Code, ce.Text)
			}
			if strings.Contains(strings.Join(types, ","), "connection_ack") {
				t.Fatalf("refused socket was acknowledged: %v", types)
			}
			// Legacy clients learn why from connection_error before the close.
			if tc.proto == "graphql-ws" && strings.Join(types, ",") != "connection_error" {
				t.Fatalf("legacy protocol got %v, want connection_error then the close", types)
			}
		})
	}

	// A good token is still acknowledged on both protocols.
	for _, proto := range []string{"graphql-transport-ws", "graphql-ws"} {
		conn := dialProto(t, env, proto, nil, map[string]any{"authorization": "Bearer " + owner.Token})
		var m struct{ Type string }
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if err := conn.ReadJSON(&m); err != nil || m.Type != "connection_ack" {
			t.Fatalf("%s with a good token: %v %v", proto, m, err)
		}
	}
}

// waitSubscribers waits until n subscriptions follow the event log, so an
// event delivered afterwards is live for all of them.
func waitSubscribers(t *testing.T, env *testenv.Env, n int) {
	t.Helper()
	testwait.For(t, 20*time.Second, fmt.Sprintf("%d subscriptions to start", n), func() bool {
		return env.App.Events.Followers() >= n
	})
}

// legacyEvent reads graphql-ws messages until a data message, skipping
// keep-alives.
func legacyEvent(t *testing.T, conn *websocket.Conn) inboxEvent {
	t.Helper()
	for range 100 {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var m struct {
			Type    string
			ID      string
			Payload json.RawMessage
		}
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("waiting for data: %v", err)
		}
		switch m.Type {
		case "ka", "connection_ack":
			continue
		case "data":
			var out struct {
				Data   struct{ InboxEvents inboxEvent }
				Errors []testenv.Error
			}
			if err := json.Unmarshal(m.Payload, &out); err != nil || len(out.Errors) > 0 {
				t.Fatalf("data %s: %v", m.Payload, err)
			}
			return out.Data.InboxEvents
		default:
			t.Fatalf("unexpected %s: %s", m.Type, m.Payload)
		}
	}
	t.Fatal("no data message")
	return inboxEvent{}
}

func TestLegacyGraphQLWSAuthenticatesAndStreams(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Legacy Owner")
	connect(t, env, owner.Token, "7101")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)

	cases := []struct {
		name    string
		header  http.Header
		payload map[string]any
	}{
		{"connection_init payload", nil, map[string]any{"authorization": "Bearer " + owner.Token}},
		{"upgrade request header", http.Header{"Authorization": {"Bearer " + owner.Token}}, nil},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn := dialProto(t, env, "graphql-ws", tc.header, tc.payload)
			if err := conn.WriteJSON(map[string]any{"id": "1", "type": "start",
				"payload": map[string]any{"query": inboxSubscription}}); err != nil {
				t.Fatal(err)
			}
			waitSubscribers(t, env, 1)
			wamid, text := "wamid.legacy."+tc.name, "hello legacy "+tc.name
			deliver(t, env, textWebhook("7101", "14155550123", "Alice", wamid, text, t0.Add(time.Duration(i)*time.Minute)))
			e := legacyEvent(t, conn)
			if e.Kind != "MESSAGE_CREATED" || e.Message == nil || e.Message.Text != text || e.Conversation == nil || e.Cursor == "" {
				t.Fatalf("event: %+v", e)
			}
			conn.Close()
			processed(t, env)
			waitSubscribers0(t, env)
		})
	}
}

// waitSubscribers0 waits until every subscription has ended.
func waitSubscribers0(t *testing.T, env *testenv.Env) {
	t.Helper()
	testwait.For(t, 20*time.Second, "every subscription to end", func() bool {
		return env.App.Events.Followers() == 0
	})
}

// sseEvent is one server-sent event.
type sseEvent struct{ Event, Data string }

// sseStream posts a subscription with Accept: text/event-stream and
// returns a channel of its events, closed when the stream ends.
func sseStream(t *testing.T, env *testenv.Env, token, query string, vars map[string]any) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		res.Body.Close()
		t.Fatalf("SSE answered %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 16)
	go func() {
		defer close(out)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Event != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event:"):
				ev.Event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				ev.Data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
			}
		}
	}()
	return out
}

// nextSSE returns the next event of the stream, failing on its end.
func nextSSE(t *testing.T, events <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("SSE stream ended")
		}
		return ev
	case <-time.After(20 * time.Second):
		t.Fatal("no SSE event")
	}
	return sseEvent{}
}

// sseResponse decodes a "next" event's GraphQL response.
func sseResponse(t *testing.T, ev sseEvent) (inboxEvent, []testenv.Error) {
	t.Helper()
	if ev.Event != "next" {
		t.Fatalf("SSE event %q %s, want next", ev.Event, ev.Data)
	}
	var out struct {
		Data   *struct{ InboxEvents inboxEvent }
		Errors []testenv.Error
	}
	if err := json.Unmarshal([]byte(ev.Data), &out); err != nil {
		t.Fatalf("SSE data %s: %v", ev.Data, err)
	}
	if out.Data == nil {
		return inboxEvent{}, out.Errors
	}
	return out.Data.InboxEvents, out.Errors
}

func TestInboxEventsOverSSE(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "SSE Owner")
	connect(t, env, owner.Token, "7201")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)

	stream := sseStream(t, env, owner.Token, inboxSubscription, nil)
	waitSubscribers(t, env, 1)
	deliver(t, env, textWebhook("7201", "14155550123", "Alice", "wamid.sse.1", "over SSE", t0))
	e, errs := sseResponse(t, nextSSE(t, stream))
	if len(errs) > 0 || e.Kind != "MESSAGE_CREATED" || e.Message == nil || e.Message.Text != "over SSE" || e.Conversation == nil {
		t.Fatalf("SSE event: %+v %+v", e, errs)
	}
	e, _ = sseResponse(t, nextSSE(t, stream))
	if e.Kind != "CONVERSATION_UPDATED" {
		t.Fatalf("second SSE event: %+v", e)
	}

	// Resuming over SSE replays from the cursor.
	deliver(t, env, textWebhook("7201", "14155550123", "Alice", "wamid.sse.2", "while away", t0.Add(time.Minute)))
	processed(t, env)
	resumed := sseStream(t, env, owner.Token, inboxSubscription, map[string]any{"after": e.Cursor})
	if e, errs := sseResponse(t, nextSSE(t, resumed)); len(errs) > 0 || e.Kind != "MESSAGE_CREATED" || e.Message.Text != "while away" {
		t.Fatalf("resumed SSE event: %+v %+v", e, errs)
	}
}

func TestSubscriptionErrorsOverEveryTransport(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Error Owner")
	badCursor := map[string]any{"after": "not-a-cursor"}

	t.Run("SSE without a token is UNAUTHENTICATED", func(t *testing.T) {
		stream := sseStream(t, env, "", inboxSubscription, nil)
		_, errs := sseResponse(t, nextSSE(t, stream))
		if len(errs) == 0 || errs[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Fatalf("errors: %+v", errs)
		}
		if ev := nextSSE(t, stream); ev.Event != "complete" {
			t.Fatalf("after the error: %+v", ev)
		}
	})
	t.Run("SSE with a bad token is UNAUTHENTICATED", func(t *testing.T) {
		_, errs := sseResponse(t, nextSSE(t, sseStream(t, env, "sbs_wrong", inboxSubscription, nil)))
		if len(errs) == 0 || errs[0].Extensions["code"] != "UNAUTHENTICATED" {
			t.Fatalf("errors: %+v", errs)
		}
	})
	t.Run("SSE malformed after is BAD_USER_INPUT", func(t *testing.T) {
		_, errs := sseResponse(t, nextSSE(t, sseStream(t, env, owner.Token, inboxSubscription, badCursor)))
		if len(errs) == 0 || errs[0].Extensions["code"] != "BAD_USER_INPUT" || errs[0].Extensions["field"] != "after" {
			t.Fatalf("errors: %+v", errs)
		}
	})
	t.Run("WebSocket malformed after is BAD_USER_INPUT", func(t *testing.T) {
		c, err := dialWS(t, env, owner.Token)
		if err != nil {
			t.Fatal(err)
		}
		c.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": inboxSubscription, "variables": badCursor}})
		if e := c.refusal(t, "1"); e.Extensions["code"] != "BAD_USER_INPUT" || e.Extensions["field"] != "after" {
			t.Fatalf("refused with %+v, want BAD_USER_INPUT on after", e)
		}
	})
	if n := env.App.Events.Followers(); n != 0 {
		t.Fatalf("%d subscriptions started for refused requests", n)
	}
}
