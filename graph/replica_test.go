package graph_test

import (
	"testing"
	"time"

	"switchboard/internal/testdb"
	"switchboard/internal/testenv"
)

// TestEventsReachSubscribersOnAnotherReplica: with two server processes on
// one PostgreSQL, an event processed by one reaches a subscriber on the
// other through the LISTEN/NOTIFY doorbell.
func TestEventsReachSubscribersOnAnotherReplica(t *testing.T) {
	if testdb.URL() == "" {
		t.Skip("replicas share PostgreSQL; embedded SQLite is a single process")
	}
	a := testenv.New(t)
	b := a.Replica(t)
	owner := a.SignUp(t, "Replica Owner")
	connect(t, a, owner.Token, "8001")

	c, err := dialWS(t, b, owner.Token)
	if err != nil {
		t.Fatal(err)
	}
	c.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": inboxSubscription}})
	waitSubscribers(t, b, 1) // live-only: the subscription follows b's log before the event

	deliver(t, a, textWebhook("8001", "14155550123", "Alice", "wamid.r1", "across replicas", time.Now()))
	e := c.next()
	if e.Kind != "MESSAGE_CREATED" || e.Message == nil || e.Message.Text != "across replicas" {
		t.Fatalf("replica b got %+v", e)
	}
	if e := c.next(); e.Kind != "CONVERSATION_UPDATED" {
		t.Fatalf("replica b got %+v", e)
	}
	// A change made through replica a's API reaches b too.
	a.MustQuery(t, owner.Token, `mutation($id: ID!) { markConversationRead(id: $id) { id } }`,
		map[string]any{"id": e.Conversation.ID}, nil)
	if e := c.next(); e.Kind != "CONVERSATION_UPDATED" {
		t.Fatalf("replica b got %+v", e)
	}
}
