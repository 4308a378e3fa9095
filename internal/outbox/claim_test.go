package outbox

import (
	"context"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/campaign"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/message"
	"switchboard/internal/campaigns"
	"switchboard/internal/viewer"
)

// A claim that starts while a cancel's transaction is open must not give
// a message to a recipient the cancel skips. Before claims held their
// campaigns' rows, PostgreSQL let the claim read the recipient as PENDING,
// create its message, and then find the row SKIPPED: a message sent for a
// recipient the campaign's stats said was skipped.
func TestACancelInProgressHoldsBackTheNextClaim(t *testing.T) {
	a, _, c, ch, now := twoReplicas(t)
	ctx := viewer.System(context.Background())
	tp := c.Template.Create().SetTenantID(ch.TenantID).SetChannelID(ch.ID).SetName("hello").SetLanguage("en_US").
		SetCategory("UTILITY").SetStatus("APPROVED").SetBody("Hello").SaveX(ctx)
	cp := c.Campaign.Create().SetTenantID(ch.TenantID).SetChannelID(ch.ID).SetTemplateID(tp.ID).SetName("Race").
		SetStatus(campaign.StatusRUNNING).SaveX(ctx)
	ct := c.Contact.Create().SetTenantID(ch.TenantID).SetPhone("+14155550100").SetName("Ada").SaveX(ctx)
	c.CampaignRecipient.Create().SetTenantID(ch.TenantID).SetCampaignID(cp.ID).SetContactID(ct.ID).ExecX(ctx)

	tok, ok, err := a.acquire(ctx, ch.ID, *now)
	if err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	s := newSender(a, ch, tok)

	cancel, err := c.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	member := viewer.NewContext(ctx, viewer.Viewer{TenantID: ch.TenantID, Role: viewer.RoleAdmin})
	if _, err := campaigns.New(c, func() {}).Cancel(member, cancel.Client(), cp.ID); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	type result struct {
		batch []*ent.Message
		err   error
	}
	claimed := make(chan result, 1)
	go func() {
		batch, err := s.claim(ctx)
		claimed <- result{batch, err}
	}()
	// Give the claim time to reach the campaign; whether it got there or
	// not, it must come back empty once the cancel commits.
	time.Sleep(200 * time.Millisecond)
	if err := cancel.Commit(); err != nil {
		t.Fatalf("commit the cancel: %v", err)
	}
	r := <-claimed
	if r.err != nil || len(r.batch) != 0 {
		t.Fatalf("the claim after a cancel: %d messages, err %v", len(r.batch), r.err)
	}
	if n := c.Message.Query().Where(message.CampaignID(cp.ID)).CountX(ctx); n != 0 {
		t.Fatalf("the cancelled campaign has %d messages", n)
	}
	if got := c.CampaignRecipient.Query().OnlyX(ctx); got.Status != campaignrecipient.StatusSKIPPED || got.MessageID != nil {
		t.Fatalf("recipient: %s, message %v", got.Status, got.MessageID)
	}
}
