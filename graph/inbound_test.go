package graph_test

import (
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/ent/webhookevent"
	"switchboard/internal/inbound"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
)

// processed waits until every stored webhook has been processed.
func processed(t *testing.T, env *testenv.Env) {
	t.Helper()
	ctx := viewer.System(t.Context())
	testwait.For(t, 10*time.Second, "the stored webhooks to be processed", func() bool {
		if env.DB.Client.WebhookEvent.Query().Where(webhookevent.StatusEQ(webhookevent.StatusPENDING)).CountX(ctx) == 0 {
			return true
		}
		env.App.Jobs.Notify()
		return false
	})
}

func deliver(t *testing.T, env *testenv.Env, body string) {
	t.Helper()
	if code, text := postWebhook(t, env, body, testenv.AppSecret); code != 200 {
		t.Fatalf("webhook answered %d %q", code, text)
	}
}

const inboxQuery = `{ conversations(first: 10) { totalCount edges { node {
  id status unreadCount lastMessageAt serviceWindowExpiresAt
  contact { phone profileName optInStatus }
  lastMessage { text direction type status externalId }
  messages(first: 20) { totalCount edges { node { text externalId } } } } } } }`

type inbox struct {
	Conversations struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID, Status             string
				UnreadCount            int
				LastMessageAt          time.Time
				ServiceWindowExpiresAt time.Time
				Contact                struct{ Phone, ProfileName, OptInStatus string }
				LastMessage            struct{ Text, Direction, Type, Status, ExternalID string }
				Messages               struct {
					TotalCount int
					Edges      []struct {
						Node struct{ Text, ExternalID string }
					}
				}
			}
		}
	}
}

func TestInboundMessagesBuildTheInbox(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Inbox Owner")
	connect(t, env, owner.Token, "5001")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)

	deliver(t, env, textWebhook("5001", "14155550123", "Alice", "wamid.1", "Hello there", t0))
	processed(t, env)
	var got inbox
	env.MustQuery(t, owner.Token, inboxQuery, nil, &got)
	if got.Conversations.TotalCount != 1 {
		t.Fatalf("conversations: %+v", got)
	}
	c := got.Conversations.Edges[0].Node
	if c.Contact.Phone != "+14155550123" || c.Contact.ProfileName != "Alice" || c.UnreadCount != 1 || c.Status != "OPEN" ||
		c.LastMessage.Text != "Hello there" || c.LastMessage.Direction != "INBOUND" || c.LastMessage.Type != "TEXT" ||
		c.LastMessage.Status != "RECEIVED" || c.LastMessage.ExternalID != "wamid.1" ||
		!c.ServiceWindowExpiresAt.Equal(t0.Add(24*time.Hour)) || !c.LastMessageAt.Equal(t0) {
		t.Fatalf("conversation: %+v", c)
	}

	// Redelivered ten times, plus an older message arriving late: one new
	// message, and lastMessage and the window do not move backwards.
	for range 10 {
		deliver(t, env, textWebhook("5001", "14155550123", "Alice", "wamid.1", "Hello there", t0))
	}
	deliver(t, env, textWebhook("5001", "14155550123", "Alice B.", "wamid.0", "sent earlier", t0.Add(-time.Minute)))
	processed(t, env)
	env.MustQuery(t, owner.Token, inboxQuery, nil, &got)
	c = got.Conversations.Edges[0].Node
	if got.Conversations.TotalCount != 1 || c.Messages.TotalCount != 2 || c.UnreadCount != 2 ||
		c.LastMessage.ExternalID != "wamid.1" || !c.ServiceWindowExpiresAt.Equal(t0.Add(24*time.Hour)) ||
		c.Contact.ProfileName != "Alice B." {
		t.Fatalf("after duplicates and a late message: %+v", c)
	}
	if c.Messages.Edges[0].Node.ExternalID != "wamid.0" {
		t.Fatalf("messages are not in conversation order: %+v", c.Messages.Edges)
	}

	// STOP opts out, START opts back in; reading and resolving work.
	deliver(t, env, textWebhook("5001", "14155550123", "Alice", "wamid.2", " stop ", t0.Add(time.Minute)))
	processed(t, env)
	env.MustQuery(t, owner.Token, inboxQuery, nil, &got)
	if s := got.Conversations.Edges[0].Node.Contact.OptInStatus; s != "OPTED_OUT" {
		t.Fatalf("after STOP: %s", s)
	}
	var upd struct {
		MarkConversationRead  struct{ UnreadCount int }
		SetConversationStatus struct{ Status string }
		AssignConversation    struct{ Assignee struct{ ID string } }
	}
	env.MustQuery(t, owner.Token, `mutation($id: ID!, $me: ID!) {
		markConversationRead(id: $id) { unreadCount }
		setConversationStatus(id: $id, status: RESOLVED) { status }
		assignConversation(id: $id, userId: $me) { assignee { id } } }`,
		map[string]any{"id": c.ID, "me": owner.UserID}, &upd)
	if upd.MarkConversationRead.UnreadCount != 0 || upd.SetConversationStatus.Status != "RESOLVED" || upd.AssignConversation.Assignee.ID != owner.UserID {
		t.Fatalf("inbox mutations: %+v", upd)
	}
	deliver(t, env, textWebhook("5001", "14155550123", "Alice", "wamid.3", "START", t0.Add(2*time.Minute)))
	processed(t, env)
	env.MustQuery(t, owner.Token, inboxQuery, nil, &got)
	c = got.Conversations.Edges[0].Node
	if c.Contact.OptInStatus != "OPTED_IN" || c.Status != "OPEN" || c.UnreadCount != 1 {
		t.Fatalf("after START: %+v", c)
	}

	// Another tenant sees nothing and cannot touch the conversation.
	other := env.SignUp(t, "Other Owner")
	env.MustQuery(t, other.Token, inboxQuery, nil, &got)
	if got.Conversations.TotalCount != 0 {
		t.Fatalf("another tenant sees %d conversations", got.Conversations.TotalCount)
	}
	if r := env.Query(t, other.Token, `mutation($id: ID!) { markConversationRead(id: $id) { id } }`, map[string]any{"id": c.ID}); r.Code() != "NOT_FOUND" {
		t.Fatalf("foreign markConversationRead: %+v", r.Errors)
	}
}

func TestUnknownNumberIsKeptUnrouted(t *testing.T) {
	env := testenv.New(t)
	deliver(t, env, textWebhook("999999", "14155550123", "Alice", "wamid.X", "hi", time.Now()))
	processed(t, env)
	ctx := viewer.System(t.Context())
	ev := env.DB.Client.WebhookEvent.Query().OnlyX(ctx)
	if ev.Status != webhookevent.StatusUNROUTED || env.DB.Client.Contact.Query().CountX(ctx) != 0 {
		t.Fatalf("unrouted event: %s, contacts %d", ev.Status, env.DB.Client.Contact.Query().CountX(ctx))
	}
}

func TestStatusesOnlyMoveForward(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Status Owner")
	ch := connect(t, env, owner.Token, "6001")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	deliver(t, env, textWebhook("6001", "14155550123", "Alice", "wamid.in", "hi", t0))
	processed(t, env)
	ctx := viewer.System(t.Context())
	conv := env.DB.Client.Conversation.Query().OnlyX(ctx)
	out := func(wamid string) *ent.Message {
		return env.DB.Client.Message.Create().SetTenantID(pulid.ID(owner.TenantID)).SetConversationID(conv.ID).
			SetChannelID(pulid.ID(ch.ID)).SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEXT).
			SetText("reply").SetStatus(message.StatusQUEUED).SetExternalID(wamid).SetTimestamp(t0).SaveX(ctx)
	}
	// Meta does not promise order, and several workers apply webhooks
	// concurrently: each story is told in order (a, b) and reversed (ra,
	// rb), and ends the same, decided by Meta's timestamps.
	reports := func(wamid string, kinds []string, reverse bool) {
		for i := range kinds {
			if reverse {
				i = len(kinds) - 1 - i
			}
			deliver(t, env, statusWebhook("6001", wamid, kinds[i], t0.Add(time.Duration(i+1)*time.Minute)))
		}
	}
	// a: read first; delivered and sent reported late; a failure reported
	// after the read is ignored.
	aStory := []string{"read", "delivered", "sent", "failed"}
	// b: failed, then delivered and read must not resurrect it.
	bStory := []string{"sent", "failed", "delivered", "read"}
	ids := map[string]pulid.ID{}
	for _, wamid := range []string{"a", "ra", "b", "rb"} {
		ids[wamid] = out("wamid.out." + wamid).ID
	}
	reports("wamid.out.a", aStory, false)
	reports("wamid.out.ra", aStory, true)
	reports("wamid.out.b", bStory, false)
	reports("wamid.out.rb", bStory, true)
	// Each status redelivered changes nothing more.
	deliver(t, env, statusWebhook("6001", "wamid.out.a", "read", t0.Add(time.Hour)))
	processed(t, env)
	for _, name := range []string{"a", "ra"} {
		a := env.DB.Client.Message.GetX(ctx, ids[name])
		if a.Status != message.StatusREAD || a.ReadAt == nil || !a.ReadAt.Equal(t0.Add(time.Minute)) ||
			a.DeliveredAt == nil || a.SentAt == nil || a.FailedAt != nil || a.Error != nil {
			t.Fatalf("%s: %s read %v delivered %v sent %v failed %v", name, a.Status, a.ReadAt, a.DeliveredAt, a.SentAt, a.FailedAt)
		}
	}
	for _, name := range []string{"b", "rb"} {
		b := env.DB.Client.Message.GetX(ctx, ids[name])
		if b.Status != message.StatusFAILED || b.ReadAt != nil || b.FailedAt == nil || !b.FailedAt.Equal(t0.Add(2*time.Minute)) {
			t.Fatalf("%s: %s read %v failed %v", name, b.Status, b.ReadAt, b.FailedAt)
		}
	}
}

// TestStatusBeforeItsMessageIsKeptAndApplied: Meta's status webhook can
// overtake the send it belongs to; it is kept and applied once the message
// is stored.
func TestStatusBeforeItsMessageIsKeptAndApplied(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Early Owner")
	ch := connect(t, env, owner.Token, "6101")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	deliver(t, env, textWebhook("6101", "14155550123", "Alice", "wamid.in", "hi", t0))
	for i, s := range []string{"delivered", "sent", "delivered"} {
		deliver(t, env, statusWebhook("6101", "wamid.early", s, t0.Add(time.Duration(i+1)*time.Minute)))
	}
	processed(t, env)
	ctx := viewer.System(t.Context())
	if n := env.DB.Client.PendingStatus.Query().CountX(ctx); n != 2 {
		t.Fatalf("%d pending statuses kept, want 2 (delivered once, sent)", n)
	}

	// The send completes: the message is stored with Meta's id.
	conv := env.DB.Client.Conversation.Query().OnlyX(ctx)
	tx, err := env.DB.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	msg := tx.Message.Create().SetTenantID(pulid.ID(owner.TenantID)).SetConversationID(conv.ID).
		SetChannelID(pulid.ID(ch.ID)).SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEXT).
		SetText("reply").SetStatus(message.StatusQUEUED).SetExternalID("wamid.early").SetTimestamp(t0).SaveX(ctx)
	if err := inbound.ApplyPending(ctx, tx, env.App.Notifier, msg); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	msg = env.DB.Client.Message.GetX(ctx, msg.ID)
	if msg.Status != message.StatusDELIVERED || msg.SentAt == nil || !msg.SentAt.Equal(t0.Add(2*time.Minute)) ||
		msg.DeliveredAt == nil || !msg.DeliveredAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after the send: %s sent %v delivered %v", msg.Status, msg.SentAt, msg.DeliveredAt)
	}
	if n := env.DB.Client.PendingStatus.Query().CountX(ctx); n != 0 {
		t.Fatalf("%d pending statuses left after they were applied", n)
	}
}
