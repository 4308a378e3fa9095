package inbox_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"switchboard/ent/conversation"
	"switchboard/ent/event"
	"switchboard/internal/events"
	"switchboard/internal/inbox"
	"switchboard/internal/pulid"
	"switchboard/internal/testdb"
	"switchboard/internal/viewer"
)

// notified records which tenants the service told about.
type notified struct {
	mu      sync.Mutex
	tenants []pulid.ID
}

func (n *notified) Notify(tenants ...pulid.ID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.tenants = append(n.tenants, tenants...)
}

// TestActionsOutsideARequestTransaction: without a request's transaction
// the service opens its own. A change commits with its log event and the
// notifier hears of it; a refused change leaves neither.
func TestActionsOutsideARequestTransaction(t *testing.T) {
	db := testdb.Open(t)
	sys := viewer.System(context.Background())
	tenant := db.Client.Tenant.Create().SetName("T").SaveX(sys)
	other := db.Client.Tenant.Create().SetName("Other").SaveX(sys)
	stranger := db.Client.User.Create().SetTenantID(other.ID).SetEmail("s@example.com").SetName("S").
		SetRole("AGENT").SetPasswordHash("x").SaveX(sys)
	ch := db.Client.Channel.Create().SetTenantID(tenant.ID).SetName("Main").SetWabaID("waba").
		SetPhoneNumberID("pn1").SetDisplayPhoneNumber("+15550001").SaveX(sys)
	ct := db.Client.Contact.Create().SetTenantID(tenant.ID).SetPhone("+15550002").SaveX(sys)
	conv := db.Client.Conversation.Create().SetTenantID(tenant.ID).SetChannelID(ch.ID).SetContactID(ct.ID).
		SetUnreadCount(3).SaveX(sys)

	n := &notified{}
	svc := inbox.New(db.Client, n)
	ctx := viewer.NewContext(context.Background(), viewer.Viewer{TenantID: tenant.ID, Role: viewer.RoleAgent})

	if _, err := svc.MarkRead(context.Background(), conv.ID); !errors.Is(err, inbox.ErrUnauthenticated) {
		t.Fatalf("signed out: %v, want ErrUnauthenticated", err)
	}
	got, err := svc.MarkRead(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.UnreadCount != 0 || db.Client.Conversation.GetX(sys, conv.ID).UnreadCount != 0 {
		t.Fatalf("unread count %d after MarkRead", got.UnreadCount)
	}
	if _, err := svc.Assign(ctx, conv.ID, &stranger.ID); !errors.Is(err, inbox.ErrNoSuchMember) {
		t.Fatalf("assigning another tenant's user: %v, want ErrNoSuchMember", err)
	}
	if _, err := svc.SetStatus(ctx, conv.ID, conversation.StatusRESOLVED); err != nil {
		t.Fatal(err)
	}

	evs, err := events.Read(sys, db.Client, tenant.ID, 0, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Kind != event.KindCONVERSATION_UPDATED || evs[1].ConversationID != conv.ID {
		t.Fatalf("log has %d events, want the two committed changes' CONVERSATION_UPDATED", len(evs))
	}
	if want := []pulid.ID{tenant.ID, tenant.ID}; !slices.Equal(n.tenants, want) {
		t.Fatalf("notified %v, want %v (once per committed change)", n.tenants, want)
	}
}
