package graph_test

import (
	"fmt"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/event"
	"switchboard/ent/job"
	"switchboard/ent/webhookevent"
	"switchboard/internal/inbound"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
)

// twoNumbersWebhook is one POST whose entries are for two business numbers,
// as Meta batches them: a text message for each.
func twoNumbersWebhook(pnA, wamidA, pnB, wamidB, waID string, ts time.Time) string {
	change := func(pn, wamid string) string {
		return fmt.Sprintf(`{"field":"messages","value":{"messaging_product":"whatsapp",
"metadata":{"display_phone_number":"15550100","phone_number_id":%q},
"contacts":[{"profile":{"name":"Alice"},"wa_id":%q}],
"messages":[{"from":%q,"id":%q,"timestamp":"%d","type":"text","text":{"body":"to %s"}}]}}`, pn, waID, waID, wamid, ts.Unix(), pn)
	}
	return `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[` + change(pnA, wamidA) +
		`]},{"id":"102290129340399","changes":[` + change(pnB, wamidB) + `]}]}`
}

// backdate moves the webhooks stored in the last minute back in time by
// age, as if Meta had delivered them then.
func backdate(t *testing.T, env *testenv.Env, age time.Duration) {
	t.Helper()
	q := `UPDATE webhook_events SET received_at = ? WHERE received_at > ?`
	if env.DB.Dialect == "postgres" {
		q = `UPDATE webhook_events SET received_at = $1 WHERE received_at > $2`
	}
	now := time.Now()
	if _, err := env.DB.SQL.ExecContext(t.Context(), q, now.Add(-age), now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
}

// replayed waits until every replay job is done.
func replayed(t *testing.T, env *testenv.Env) {
	t.Helper()
	ctx := viewer.System(t.Context())
	testwait.For(t, 30*time.Second, "the replay jobs to finish", func() bool {
		if j, err := env.DB.Client.Job.Query().Where(job.LastErrorNEQ("")).First(ctx); err == nil {
			t.Fatalf("job %s failed (attempt %d): %s", j.Kind, j.Attempts, j.LastError)
		}
		if env.DB.Client.Job.Query().Where(job.Kind(inbound.ReplayJobKind), job.StatusNEQ(job.StatusDONE)).CountX(ctx) == 0 {
			return true
		}
		env.App.Jobs.Notify()
		return false
	})
}

// TestUnroutedWebhooksAreReplayedWhenTheNumberIsConnected: Meta may send
// webhooks for a number before a tenant connects it. They are acknowledged
// and kept; connecting the number applies those of the last 7 days to the
// new channel, in the order they arrived, and to no one else.
func TestUnroutedWebhooksAreReplayedWhenTheNumberIsConnected(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Late Owner")
	other := env.SignUp(t, "Other Tenant")
	connect(t, env, other.Token, "9200")
	t0 := time.Now().Add(-2 * time.Hour).Truncate(time.Second)

	// Eight days ago, beyond Meta's retry horizon: never replayed.
	deliver(t, env, textWebhook("9100", "14155550123", "Alice", "wamid.old", "too old", t0.Add(-8*24*time.Hour)))
	backdate(t, env, 8*24*time.Hour)
	processed(t, env)
	// Within the horizon: two POSTs for the unknown number, and one POST
	// whose second entry is for the other tenant's number.
	deliver(t, env, textWebhook("9100", "14155550123", "Alice", "wamid.u1", "first", t0))
	backdate(t, env, 3*24*time.Hour)
	deliver(t, env, textWebhook("9100", "14155550123", "Alice", "wamid.u2", "second", t0.Add(time.Minute)))
	deliver(t, env, twoNumbersWebhook("9100", "wamid.u3", "9200", "wamid.b1", "14155550123", t0.Add(2*time.Minute)))
	processed(t, env)

	var got inbox
	env.MustQuery(t, owner.Token, inboxQuery, nil, &got)
	if got.Conversations.TotalCount != 0 {
		t.Fatalf("before connecting, the owner sees %d conversations", got.Conversations.TotalCount)
	}
	env.MustQuery(t, other.Token, inboxQuery, nil, &got)
	if got.Conversations.TotalCount != 1 || got.Conversations.Edges[0].Node.Messages.TotalCount != 1 ||
		got.Conversations.Edges[0].Node.LastMessage.ExternalID != "wamid.b1" {
		t.Fatalf("the other tenant's routed part: %+v", got.Conversations)
	}
	ctx := viewer.System(t.Context())
	if n := env.DB.Client.WebhookEvent.Query().Where(webhookevent.StatusEQ(webhookevent.StatusUNROUTED)).CountX(ctx); n != 4 {
		t.Fatalf("%d webhooks kept as unrouted, want 4 (the partly routed one included)", n)
	}

	connect(t, env, owner.Token, "9100")
	replayed(t, env)
	processed(t, env)

	env.MustQuery(t, owner.Token, inboxQuery, nil, &got)
	if got.Conversations.TotalCount != 1 {
		t.Fatalf("after connecting: %d conversations", got.Conversations.TotalCount)
	}
	c := got.Conversations.Edges[0].Node
	var ids []string
	for _, e := range c.Messages.Edges {
		ids = append(ids, e.Node.ExternalID)
	}
	if fmt.Sprint(ids) != "[wamid.u1 wamid.u2 wamid.u3]" || c.UnreadCount != 3 || c.LastMessage.Text != "to 9100" ||
		c.Contact.Phone != "+14155550123" || c.Contact.ProfileName != "Alice" {
		t.Fatalf("replayed conversation: messages %v, %+v", ids, c)
	}
	// The owner's event log has them in the order Meta delivered them.
	evs := env.DB.Client.Event.Query().Where(event.TenantID(pulid.ID(owner.TenantID)), event.KindEQ(event.KindMESSAGE_CREATED)).
		Order(ent.Asc(event.FieldSeq)).AllX(ctx)
	var logged []string
	for _, e := range evs {
		logged = append(logged, *env.DB.Client.Message.GetX(ctx, e.MessageID).ExternalID)
	}
	if fmt.Sprint(logged) != "[wamid.u1 wamid.u2 wamid.u3]" {
		t.Fatalf("event log order %v", logged)
	}

	// The other tenant still sees only its own part; a redelivery after the
	// replay adds nothing.
	env.MustQuery(t, other.Token, inboxQuery, nil, &got)
	if got.Conversations.TotalCount != 1 || got.Conversations.Edges[0].Node.Messages.TotalCount != 1 {
		t.Fatalf("the other tenant after the replay: %+v", got.Conversations)
	}
	deliver(t, env, textWebhook("9100", "14155550123", "Alice", "wamid.u1", "first", t0))
	processed(t, env)
	env.MustQuery(t, owner.Token, inboxQuery, nil, &got)
	if n := got.Conversations.Edges[0].Node.Messages.TotalCount; n != 3 {
		t.Fatalf("after a redelivery: %d messages", n)
	}
	third := env.SignUp(t, "Third Tenant")
	env.MustQuery(t, third.Token, inboxQuery, nil, &got)
	if got.Conversations.TotalCount != 0 {
		t.Fatalf("an unrelated tenant sees %d conversations", got.Conversations.TotalCount)
	}
}

// TestUnroutedReplayTakesEveryPage: a replay job applies a page of events
// and enqueues the next; all of a busy number's backlog arrives, in order.
func TestUnroutedReplayTakesEveryPage(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Backlog Owner")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	const n = 230 // more than two pages
	for i := range n {
		deliver(t, env, textWebhook("9300", fmt.Sprintf("1415555%04d", i%7), "Bob", fmt.Sprintf("wamid.p%03d", i), "hi", t0.Add(time.Duration(i)*time.Second)))
	}
	processed(t, env)
	connect(t, env, owner.Token, "9300")
	replayed(t, env)

	ctx := viewer.System(t.Context())
	if pages := env.DB.Client.Job.Query().Where(job.Kind(inbound.ReplayJobKind)).CountX(ctx); pages != 3 {
		t.Fatalf("%d replay jobs, want 3 pages", pages)
	}
	var got inbox
	env.MustQuery(t, owner.Token, inboxQuery, nil, &got)
	total := 0
	for _, e := range got.Conversations.Edges {
		total += e.Node.Messages.TotalCount
	}
	if got.Conversations.TotalCount != 7 || total != n {
		t.Fatalf("after the replay: %d conversations, %d messages; want 7, %d", got.Conversations.TotalCount, total, n)
	}
	evs := env.DB.Client.Event.Query().Where(event.TenantID(pulid.ID(owner.TenantID)), event.KindEQ(event.KindMESSAGE_CREATED)).
		Order(ent.Asc(event.FieldSeq)).AllX(ctx)
	for i, e := range evs {
		if ext := *env.DB.Client.Message.GetX(ctx, e.MessageID).ExternalID; ext != fmt.Sprintf("wamid.p%03d", i) {
			t.Fatalf("event %d is for %s: the replay is out of order", i, ext)
		}
	}
}
