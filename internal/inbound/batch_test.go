package inbound_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/internal/inbound"
	"switchboard/internal/jobs"
	"switchboard/internal/testdb"
	"switchboard/internal/viewer"
	"switchboard/internal/webhook"
	"switchboard/internal/whatsapp/sim"
)

var (
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
	pg    = testdb.URL() != ""
	ch    = sim.Channel{WABAID: "102290129340398", PhoneNumberID: "7100", DisplayPhoneNumber: "15550100"}
)

// deliveries is a burst as Meta sends them: inbound messages from three
// customers with redeliveries and overtaking timestamps, statuses of two
// sent messages out of order and repeated, statuses of a message not
// stored yet, a number nobody connected, and a body that does not parse.
func deliveries(t *testing.T, t0 time.Time) [][]byte {
	t.Helper()
	var out [][]byte
	add := func(env sim.Envelope) {
		b, err := sim.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	text := func(c int, seq uint64, body string, m int) sim.Envelope {
		cu := sim.CustomerN(c)
		return sim.TextMessage(ch, cu, sim.Wamid(cu.WAID, seq, 9), body, at(m))
	}
	status := func(wamid string, s sim.StatusKind, m int) sim.Envelope {
		return sim.Statuses(ch, sim.Status(wamid, s, sim.CustomerN(0).WAID, at(m)))
	}
	add(text(0, 1, "hello", 1))
	add(text(1, 1, "hi there", 2))
	add(text(0, 2, "second", 4))
	add(text(0, 1, "hello", 1)) // redelivered
	add(text(0, 3, "overtaken", 3))
	add(status("wamid.out.a", sim.StatusRead, 5))
	add(status("wamid.out.a", sim.StatusDelivered, 4))
	add(status("wamid.out.b", sim.StatusDelivered, 6))
	add(status("wamid.out.a", sim.StatusSent, 3))
	add(status("wamid.out.b", sim.StatusSent, 5))
	add(status("wamid.out.a", sim.StatusRead, 5)) // redelivered
	add(status("wamid.later", sim.StatusDelivered, 7))
	add(status("wamid.later", sim.StatusSent, 6))
	add(text(2, 1, "STOP", 8))
	add(text(1, 1, "hi there", 2)) // redelivered
	add(text(2, 2, "START", 9))
	add(text(2, 1, "STOP", 8)) // redelivered after the later START
	add(sim.TextMessage(sim.Channel{WABAID: "1", PhoneNumberID: "unknown", DisplayPhoneNumber: "1"}, sim.CustomerN(0), "wamid.x", "lost", at(10)))
	out = append(out, []byte(`{"object":"whatsapp_business_account","entry":"not a list"}`))
	return out
}

// setup makes a tenant with the connected number and two messages it sent
// (statuses are about those), and stores bodies as the webhook endpoint
// does, in the given order.
func setup(t *testing.T, t0 time.Time, bodies [][]byte) *ent.Client {
	t.Helper()
	ctx := viewer.System(context.Background())
	c := testdb.Open(t).Client
	tn := c.Tenant.Create().SetName("Batch").SaveX(ctx)
	chn := c.Channel.Create().SetTenantID(tn.ID).SetName("main").SetWabaID(ch.WABAID).
		SetPhoneNumberID(ch.PhoneNumberID).SetDisplayPhoneNumber(ch.DisplayPhoneNumber).SaveX(ctx)
	ct := c.Contact.Create().SetTenantID(tn.ID).SetPhone("+" + sim.CustomerN(0).WAID).SetWaID(sim.CustomerN(0).WAID).SaveX(ctx)
	conv := c.Conversation.Create().SetTenantID(tn.ID).SetChannelID(chn.ID).SetContactID(ct.ID).SaveX(ctx)
	for _, w := range []string{"wamid.out.a", "wamid.out.b"} {
		c.Message.Create().SetTenantID(tn.ID).SetConversationID(conv.ID).SetChannelID(chn.ID).
			SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEXT).SetText("reply").
			SetStatus(message.StatusQUEUED).SetExternalID(w).SetTimestamp(t0).SaveX(ctx)
	}
	b := &webhook.Batcher{Client: c, MaxBatch: 1}
	for _, body := range bodies {
		if err := b.Store(ctx, body); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// drain runs r until no job is left to do, and returns the sizes of the
// batches the processor was given.
func drain(t *testing.T, c *ent.Client, batch int) []int {
	t.Helper()
	ctx := viewer.System(context.Background())
	r := jobs.NewRunner(c, quiet, jobs.Options{SkipLocked: pg, Batch: 1})
	p := &inbound.Processor{LockRows: pg}
	var sizes []int
	if batch == 1 {
		r.Handle(webhook.JobKind, func(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
			sizes = append(sizes, 1)
			return p.Handle(ctx, tx, j)
		})
	} else {
		r.HandleBatch(webhook.JobKind, batch, func(ctx context.Context, tx *ent.Tx, js []*ent.Job) error {
			sizes = append(sizes, len(js))
			return p.HandleBatch(ctx, tx, js)
		})
	}
	for range 1000 {
		n, err := r.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return sizes
		}
	}
	t.Fatal("jobs never ran out")
	return nil
}

// state is what a client can see, without ids or processing times. With
// log, the event log in order too.
func state(t *testing.T, c *ent.Client, log bool) string {
	t.Helper()
	ctx := viewer.System(context.Background())
	ts := func(p *time.Time) string {
		if p == nil {
			return "-"
		}
		return p.UTC().Format(time.RFC3339)
	}
	var rows []string
	extOf := map[string]string{}
	for _, m := range c.Message.Query().AllX(ctx) {
		extOf[string(m.ID)] = *m.ExternalID
		rows = append(rows, fmt.Sprintf("message %s %s %s %q at=%s sent=%s delivered=%s read=%s", *m.ExternalID, m.Direction,
			m.Status, m.Text, ts(&m.Timestamp), ts(m.SentAt), ts(m.DeliveredAt), ts(m.ReadAt)))
	}
	for _, cv := range c.Conversation.Query().WithContact().AllX(ctx) {
		last := "-"
		if cv.LastMessageID != nil {
			last = extOf[string(*cv.LastMessageID)]
		}
		rows = append(rows, fmt.Sprintf("conversation %s %s unread=%d last=%s at=%s window=%s", *cv.Edges.Contact.Phone,
			cv.Status, cv.UnreadCount, last, ts(cv.LastMessageAt), ts(cv.ServiceWindowExpiresAt)))
	}
	for _, ct := range c.Contact.Query().AllX(ctx) {
		rows = append(rows, fmt.Sprintf("contact %s %q %s inbound=%s", *ct.Phone, ct.ProfileName, ct.OptInStatus, ts(ct.LastInboundAt)))
	}
	for _, ps := range c.PendingStatus.Query().AllX(ctx) {
		rows = append(rows, fmt.Sprintf("pending %s %s %s", ps.ExternalID, ps.Status, ts(&ps.Timestamp)))
	}
	for _, ev := range c.WebhookEvent.Query().AllX(ctx) {
		rows = append(rows, fmt.Sprintf("webhook %s", ev.Status))
	}
	slices.Sort(rows)
	evs := c.Event.Query().Order(ent.Asc(event.FieldSeq)).AllX(ctx)
	head := c.Tenant.Query().OnlyX(ctx).EventSeq
	perMessage := map[string][]string{}
	for i, e := range evs {
		if e.Seq != int64(i+1) || int64(len(evs)) != head {
			t.Fatalf("event log not dense: seq %d at position %d, head %d", e.Seq, i+1, head)
		}
		ext := extOf[string(e.MessageID)]
		perMessage[ext] = append(perMessage[ext], string(e.Kind))
	}
	if log {
		// Each message's events in log order. A batch commits its events
		// at once, so how the events of different messages interleave
		// within it is not something a subscriber can tell (a batch
		// applies its statuses after its new messages).
		for ext, kinds := range perMessage {
			rows = append(rows, fmt.Sprintf("events of %q: %s", ext, strings.Join(kinds, " ")))
		}
		slices.Sort(rows)
	}
	rows = append(rows, fmt.Sprintf("events %d", len(evs)))
	return strings.Join(rows, "\n")
}

// One batch holding redeliveries and out-of-order statuses leaves exactly
// the database (each message's events in the log included) that
// processing each webhook alone, in the same order, leaves; small batches over a shuffled order leave
// the same inbox.
func TestBatchEqualsOneByOne(t *testing.T) {
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	bodies := deliveries(t, t0)

	alone := setup(t, t0, bodies)
	if sizes := drain(t, alone, 1); len(sizes) != len(bodies) {
		t.Fatalf("%d single runs for %d webhooks", len(sizes), len(bodies))
	}
	together := setup(t, t0, bodies)
	if sizes := drain(t, together, 100); !slices.Equal(sizes, []int{len(bodies)}) {
		t.Fatalf("batches of %v, want one of %d", sizes, len(bodies))
	}
	want, got := state(t, alone, true), state(t, together, true)
	if got != want {
		t.Fatalf("one batch differs from one by one:\nalone:\n%s\n\nbatch:\n%s", want, got)
	}
	for _, line := range []string{
		`message wamid.out.a OUTBOUND READ "reply"`, `message wamid.out.b OUTBOUND DELIVERED "reply"`,
		`pending wamid.later delivered`, `pending wamid.later sent`, `webhook UNROUTED`, `webhook FAILED`,
	} {
		if !strings.Contains(want, line) {
			t.Fatalf("state lacks %q:\n%s", line, want)
		}
	}

	shuffled := slices.Clone(bodies)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	mixed := setup(t, t0, shuffled)
	drain(t, mixed, 3)
	want, got = state(t, alone, false), state(t, mixed, false)
	if got != want {
		t.Fatalf("shuffled batches of 3 differ from one by one:\nalone:\n%s\n\nshuffled:\n%s", want, got)
	}
}
