package graph_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/internal/config"
	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
)

// subscribe starts inboxEvents with id on c.
func (c *wsClient) subscribe(id string) {
	c.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": inboxSubscription}})
}

// refusal reads until the server's error for id (an error message, or a
// next message carrying errors) and returns its first error.
func (c *wsClient) refusal(t *testing.T, id string) testenv.Error {
	t.Helper()
	for range 100 {
		m, err := c.read()
		if err != nil {
			t.Fatalf("waiting for the refusal of %s: %v", id, err)
		}
		if m["id"] != id {
			continue
		}
		var errs []testenv.Error
		b, _ := json.Marshal(m["payload"])
		switch m["type"] {
		case "error": // payload: [GraphQLError]
			_ = json.Unmarshal(b, &errs)
		case "next": // payload: {errors: [...]}
			var r struct{ Errors []testenv.Error }
			_ = json.Unmarshal(b, &r)
			errs = r.Errors
		default:
			t.Fatalf("%s for %s before its refusal", m["type"], id)
		}
		if len(errs) == 0 {
			t.Fatalf("error without errors: %s", b)
		}
		return errs[0]
	}
	t.Fatal("no refusal")
	return testenv.Error{}
}

func TestSubscriptionsPerConnectionAreCapped(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.SubscriptionsPerConnection = 3 })
	owner := env.SignUp(t, "Sub Cap")
	c, err := dialWS(t, env, owner.Token)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		c.subscribe(fmt.Sprint(i))
	}
	waitSubscribers(t, env, 3)
	c.subscribe("over")
	if e := c.refusal(t, "over"); e.Extensions["code"] != "RATE_LIMITED" {
		t.Fatalf("4th subscription refused with %+v, want RATE_LIMITED", e)
	}
	if n := env.App.Events.Followers(); n != 3 {
		t.Fatalf("%d subscriptions running, want 3", n)
	}
	// The socket stays open; ending one subscription frees its slot.
	c.send(map[string]any{"id": "0", "type": "complete"})
	waitSubscribersBelow(t, env, 3)
	c.subscribe("again")
	waitSubscribers(t, env, 3)
	stillAnswers(t, env, owner.Token)
}

func TestConnectionsPerTenantAreCapped(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.ConnectionsPerTenant = 2 })
	owner := env.SignUp(t, "Conn Cap")
	other := env.SignUp(t, "Conn Other")
	first, err := dialWS(t, env, owner.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dialWS(t, env, owner.Token); err != nil {
		t.Fatal(err)
	}
	for _, proto := range []string{"graphql-transport-ws", "graphql-ws"} {
		conn := dialProto(t, env, proto, nil, map[string]any{"authorization": "Bearer " + owner.Token})
		_, ce := readUntilClosed(t, conn)
		if ce.Code != 4429 {
			t.Fatalf("%s: third socket closed with %d %q, want 4429", proto, ce.Code, ce.Text)
		}
	}
	// An SSE stream is a connection too.
	_, errs := sseResponse(t, nextSSE(t, sseStream(t, env, owner.Token, inboxSubscription, nil)))
	if len(errs) == 0 || errs[0].Extensions["code"] != "RATE_LIMITED" {
		t.Fatalf("SSE over the cap: %+v", errs)
	}
	// Another tenant is not affected.
	if _, err := dialWS(t, env, other.Token); err != nil {
		t.Fatalf("other tenant refused: %v", err)
	}
	// Closing a socket frees its slot.
	first.conn.Close()
	testwait.For(t, 5*time.Second, "the closed socket's slot to be freed", func() bool {
		c, err := dialWSQuiet(t, env, owner.Token)
		if err == nil {
			c.conn.Close()
		}
		return err == nil
	})
}

// dialWSQuiet is dialWS that reports a refused socket as an error.
func dialWSQuiet(t *testing.T, env *testenv.Env, token string) (*wsClient, error) {
	t.Helper()
	c, err := dialWS(t, env, token)
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return nil, err
	}
	return c, err
}

// waitSubscribersBelow waits until fewer than n subscriptions follow the log.
func waitSubscribersBelow(t *testing.T, env *testenv.Env, n int) {
	t.Helper()
	testwait.For(t, 10*time.Second, fmt.Sprintf("fewer than %d subscriptions", n), func() bool {
		return env.App.Events.Followers() < n
	})
}

// A subscription over plain HTTP would hold the request until the first
// event and then end: it is refused at once, naming the transports that
// stream.
func TestSubscriptionOverPlainHTTPIsRefused(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Plain HTTP")
	r := env.Query(t, owner.Token, inboxSubscription, nil)
	if r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "text/event-stream") {
		t.Fatalf("subscription over POST: %+v", r.Errors)
	}
	if n := env.App.Events.Followers(); n != 0 {
		t.Fatalf("%d subscriptions started", n)
	}
	stillAnswers(t, env, owner.Token)
}
