package graph_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"switchboard/ent/event"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim"
)

// inboxState is what a client can see of a tenant, without ids or
// processing times, so that two databases can be compared.
func inboxState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	ctx := viewer.System(t.Context())
	db := env.DB.Client
	var rows []string
	for _, m := range db.Message.Query().AllX(ctx) {
		media, _ := json.Marshal(m.Media)
		rows = append(rows, fmt.Sprintf("message %s %s %s %s %q %s %s", *m.ExternalID, m.Direction, m.Type, m.Status, m.Text, media, m.Timestamp.UTC()))
	}
	for _, c := range db.Conversation.Query().WithLastMessage().WithContact().AllX(ctx) {
		rows = append(rows, fmt.Sprintf("conversation %s %s unread=%d last=%s at=%s window=%s", *c.Edges.Contact.Phone, c.Status,
			c.UnreadCount, *c.Edges.LastMessage.ExternalID, c.LastMessageAt.UTC(), c.ServiceWindowExpiresAt.UTC()))
	}
	for _, c := range db.Contact.Query().AllX(ctx) {
		rows = append(rows, fmt.Sprintf("contact %s %q %s", *c.Phone, c.ProfileName, c.OptInStatus))
	}
	kinds := map[event.Kind]int{}
	for _, e := range db.Event.Query().AllX(ctx) {
		kinds[e.Kind]++
	}
	rows = append(rows, fmt.Sprintf("events %v", kinds))
	sort.Strings(rows)
	b, _ := json.MarshalIndent(rows, "", " ")
	return string(b)
}

// TestRedeliveryInAnyOrderGivesTheSameInbox: Meta delivers at least once
// and out of order. Every payload delivered ten times, shuffled, must leave
// the same inbox as each delivered once in order.
func TestRedeliveryInAnyOrderGivesTheSameInbox(t *testing.T) {
	ch := sim.Channel{WABAID: "102290129340398", PhoneNumberID: "9100", DisplayPhoneNumber: "15550100"}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Now().Add(-time.Hour).Truncate(time.Second)
	var bodies []string
	for i, typ := range sim.MessageTypes() {
		c := sim.CustomerN(i % 3)
		wamid := sim.Wamid(c.WAID, uint64(i), 7)
		env := sim.Inbound(ch, c, sim.NewMessage(r, typ, c.WAID, wamid, start.Add(time.Duration(i)*time.Second), ""))
		b, err := sim.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, string(b))
	}

	setup := func() *testenv.Env {
		env := testenv.New(t)
		owner := env.SignUp(t, "Same Owner")
		connect(t, env, owner.Token, ch.PhoneNumberID)
		return env
	}
	once := setup()
	for _, b := range bodies {
		deliver(t, once, b)
		processed(t, once)
	}
	many := setup()
	var shuffled []string
	for range 10 {
		shuffled = append(shuffled, bodies...)
	}
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, b := range shuffled {
		deliver(t, many, b)
	}
	processed(t, many)

	want, got := inboxState(t, once), inboxState(t, many)
	if got != want {
		t.Fatalf("ten shuffled deliveries differ from one ordered delivery:\nonce: %s\nmany: %s", want, got)
	}
	ctx := viewer.System(t.Context())
	if n := once.DB.Client.Message.Query().CountX(ctx); n != len(bodies) {
		t.Fatalf("%d messages stored for %d message types", n, len(bodies))
	}
}
