package graph_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/job"
	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/pulid"
	"switchboard/internal/testdb"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

const inboxPage = `{ conversations(first: 50) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node {
  id status unreadCount lastMessageAt serviceWindowExpiresAt
  contact { id phone name profileName tags }
  channel { id name }
  assignee { id name }
  lastMessage { id text type status createdAt }
  messages(first: 20) { totalCount edges { node { id direction type text status createdAt } } } } } } }`

// statementsForInboxPage seeds n conversations with messages and counts
// the SQL statements of one inbox page.
func statementsForInboxPage(t *testing.T, n int) int64 {
	var count atomic.Int64
	var counting atomic.Bool
	db := testdb.Open(t, ent.Debug(), ent.Log(func(args ...any) {
		s := fmt.Sprint(args...)
		// The job runner polls in the background: its queries are not the page's.
		if counting.Load() && strings.Contains(s, "SELECT") && !strings.Contains(s, "jobs") {
			count.Add(1)
		}
	}))
	// No background pollers (jobs, outbox sweeps, campaigns): only the
	// page's statements are counted.
	env := testenv.NewIdleOn(t, db)
	owner := env.SignUp(t, "Counting Owner")
	ch := connect(t, env, owner.Token, "9001")
	ctx := viewer.System(t.Context())
	tid := pulid.ID(owner.TenantID)
	for i := range n {
		c := db.Client.Contact.Create().SetTenantID(tid).SetPhone(fmt.Sprintf("+1415555%04d", i)).SaveX(ctx)
		conv := db.Client.Conversation.Create().SetTenantID(tid).SetContactID(c.ID).SetChannelID(pulid.ID(ch.ID)).
			SetLastMessageAt(time.Now()).SaveX(ctx)
		var last *ent.Message
		for j := range 3 {
			last = db.Client.Message.Create().SetTenantID(tid).SetConversationID(conv.ID).SetChannelID(pulid.ID(ch.ID)).
				SetDirection(message.DirectionINBOUND).SetType(message.TypeTEXT).SetText("hi").
				SetStatus(message.StatusRECEIVED).SetExternalID(fmt.Sprintf("wamid.%d.%d", i, j)).SetTimestamp(time.Now()).SaveX(ctx)
		}
		db.Client.Conversation.UpdateOne(conv).SetLastMessageID(last.ID).ExecX(ctx)
	}
	// connectWhatsApp enqueued a replay of unrouted webhooks: run it now,
	// so that its reads are not counted as the page's.
	for i := 0; db.Client.Job.Query().Where(job.StatusNEQ(job.StatusDONE)).CountX(ctx) > 0; i++ {
		if _, err := env.App.Jobs.RunOnce(ctx); err != nil || i == 20 {
			t.Fatalf("the replay job did not finish: %v", err)
		}
	}
	counting.Store(true)
	var out struct {
		Conversations struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Messages struct{ TotalCount int }
				}
			}
		}
	}
	env.MustQuery(t, owner.Token, inboxPage, nil, &out)
	counting.Store(false)
	if out.Conversations.TotalCount != n || len(out.Conversations.Edges) != min(n, 50) {
		t.Fatalf("page: %d of %d", len(out.Conversations.Edges), out.Conversations.TotalCount)
	}
	for _, e := range out.Conversations.Edges {
		if e.Node.Messages.TotalCount != 3 {
			t.Fatalf("messages per conversation: %d", e.Node.Messages.TotalCount)
		}
	}
	return count.Load()
}

// TestInboxPageHasNoNPlusOne: a page of 50 conversations with contact,
// channel, assignee, last message and 20 messages each costs the same
// number of statements as a page of 2.
func TestInboxPageHasNoNPlusOne(t *testing.T) {
	small := statementsForInboxPage(t, 2)
	large := statementsForInboxPage(t, 50)
	t.Logf("SELECT statements: %d for 2 conversations, %d for 50", small, large)
	if large != small {
		t.Fatalf("statements grow with the page: %d for 2 conversations, %d for 50", small, large)
	}
	if large > 12 {
		t.Fatalf("%d statements for one inbox page; want at most 12", large)
	}
}

// statementsForRecipientsPage seeds a campaign with n recipients, each
// with a message (half FAILED with Meta's error), and counts the SQL
// statements of one page of its recipients with their outcomes.
func statementsForRecipientsPage(t *testing.T, n int) int64 {
	var count atomic.Int64
	var counting atomic.Bool
	db := testdb.Open(t, ent.Debug(), ent.Log(func(args ...any) {
		if s := fmt.Sprint(args...); counting.Load() && strings.Contains(s, "SELECT") && !strings.Contains(s, "jobs") {
			count.Add(1)
		}
	}))
	env := testenv.NewIdleOn(t, db)
	owner := env.SignUp(t, "Counting Owner")
	ch := connect(t, env, owner.Token, "9002")
	ctx := viewer.System(t.Context())
	tid, chID := pulid.ID(owner.TenantID), pulid.ID(ch.ID)
	tp := db.Client.Template.Create().SetTenantID(tid).SetChannelID(chID).SetName("promo").SetLanguage("en_US").
		SetCategory("MARKETING").SetStatus("APPROVED").SetBody("Hi").SaveX(ctx)
	cp := db.Client.Campaign.Create().SetTenantID(tid).SetChannelID(chID).SetTemplateID(tp.ID).SetName("Counted").
		SetStatus("COMPLETED").SaveX(ctx)
	for i := range n {
		c := db.Client.Contact.Create().SetTenantID(tid).SetPhone(fmt.Sprintf("+1415556%04d", i)).SaveX(ctx)
		conv := db.Client.Conversation.Create().SetTenantID(tid).SetContactID(c.ID).SetChannelID(chID).SaveX(ctx)
		m := db.Client.Message.Create().SetTenantID(tid).SetConversationID(conv.ID).SetChannelID(chID).SetCampaignID(cp.ID).
			SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEMPLATE).SetStatus(message.StatusREAD).SetTimestamp(time.Now())
		if i%2 == 1 {
			m.SetStatus(message.StatusFAILED).SetError(&schematype.Error{Code: 131026, Title: "Message undeliverable"})
		}
		msg := m.SaveX(ctx)
		db.Client.CampaignRecipient.Create().SetTenantID(tid).SetCampaignID(cp.ID).SetContactID(c.ID).
			SetStatus("QUEUED").SetMessageID(msg.ID).ExecX(ctx)
	}
	for i := 0; db.Client.Job.Query().Where(job.StatusNEQ(job.StatusDONE)).CountX(ctx) > 0; i++ {
		if _, err := env.App.Jobs.RunOnce(ctx); err != nil || i == 20 {
			t.Fatalf("the replay job did not finish: %v", err)
		}
	}
	counting.Store(true)
	var out struct {
		Node struct {
			Recipients struct {
				Edges []struct {
					Node struct {
						Status string
						Error  *struct{ Code int }
					}
				}
			}
		}
	}
	env.MustQuery(t, owner.Token, `query($id: ID!) { node(id: $id) { ... on Campaign {
	  recipients(first: 50) { edges { node { status reason error { code title } contact { id phone } message { id } } } } } } }`,
		map[string]any{"id": cp.ID}, &out)
	counting.Store(false)
	if len(out.Node.Recipients.Edges) != min(n, 50) {
		t.Fatalf("page: %d recipients", len(out.Node.Recipients.Edges))
	}
	for i, e := range out.Node.Recipients.Edges {
		failed := e.Node.Status == "FAILED" && e.Node.Error != nil && e.Node.Error.Code == 131026
		if read := e.Node.Status == "READ" && e.Node.Error == nil; !failed && !read {
			t.Fatalf("recipient %d: %+v", i, e.Node)
		}
	}
	return count.Load()
}

// TestCampaignRecipientsPageHasNoNPlusOne: each recipient's status and
// error come from its message, read in batches for the page (one read per
// recipient before). The loader batches what arrives within a short
// window, so a busy scheduler may split a page into two or three batches:
// the count may not grow with the page beyond that.
func TestCampaignRecipientsPageHasNoNPlusOne(t *testing.T) {
	small := statementsForRecipientsPage(t, 2)
	large := statementsForRecipientsPage(t, 40)
	t.Logf("SELECT statements: %d for 2 recipients, %d for 40", small, large)
	if large > small+2 {
		t.Fatalf("statements grow with the page: %d for 2 recipients, %d for 40", small, large)
	}
}
