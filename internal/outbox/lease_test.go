package outbox

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/ent/message"
	"switchboard/internal/testdb"
	"switchboard/internal/viewer"
)

// twoReplicas are two outboxes over one database, as two server processes
// would be, with clocks the test moves.
func twoReplicas(t *testing.T) (a, b *Outbox, c *ent.Client, ch *ent.Channel, now *time.Time) {
	t.Helper()
	db := testdb.Open(t)
	c = db.Client
	ctx := viewer.System(context.Background())
	tn := c.Tenant.Create().SetName("Lease Ltd").SaveX(ctx)
	ch = c.Channel.Create().SetTenantID(tn.ID).SetName("line").SetWabaID("1").SetPhoneNumberID("2").
		SetDisplayPhoneNumber("+1").SaveX(ctx)
	t0 := time.Now()
	now = &t0
	clock := func() time.Time { return *now }
	log := slog.New(slog.DiscardHandler)
	pg := db.Dialect == dialect.Postgres
	a = New(c, nil, nil, nil, log, Options{Owner: "replica-a", Lease: 5 * time.Second, RowLocks: pg})
	b = New(c, nil, nil, nil, log, Options{Owner: "replica-b", Lease: 5 * time.Second, RowLocks: pg})
	a.now, b.now = clock, clock
	return a, b, c, ch, now
}

func TestOneReplicaAtATimeHoldsAChannelsSenderLease(t *testing.T) {
	a, b, c, ch, now := twoReplicas(t)
	ctx := viewer.System(context.Background())

	tokA, ok, err := a.acquire(ctx, ch.ID, *now)
	if err != nil || !ok {
		t.Fatalf("a free lease: ok=%v err=%v", ok, err)
	}
	if _, ok, err := b.acquire(ctx, ch.ID, *now); err != nil || ok {
		t.Fatalf("a held lease was taken by another replica: ok=%v err=%v", ok, err)
	}
	// The holder renews with every claim; a claim after the lease ran out
	// and another replica took it finds the lease lost, and claims nothing.
	sa := newSender(a, ch, tokA)
	if _, err := sa.claim(ctx); err != nil {
		t.Fatalf("the holder's claim: %v", err)
	}
	*now = now.Add(6 * time.Second)
	tokB, ok, err := b.acquire(ctx, ch.ID, *now)
	if err != nil || !ok || tokB <= tokA {
		t.Fatalf("an expired lease: ok=%v err=%v token %d after %d", ok, err, tokB, tokA)
	}
	if _, err := sa.claim(ctx); !errors.Is(err, errLeaseLost) {
		t.Fatalf("a claim under a lost lease: %v", err)
	}
	// Releasing a lease one no longer holds changes nothing.
	a.release(ch.ID, tokA)
	if got := c.Channel.GetX(ctx, ch.ID); got.SenderOwner != "replica-b" || got.SenderLeaseUntil == nil || got.SenderLease != tokB {
		t.Fatalf("a stale release changed the lease: %+v", got)
	}
	b.release(ch.ID, tokB)
	if _, ok, _ := a.acquire(ctx, ch.ID, *now); !ok {
		t.Fatal("a released lease could not be taken")
	}
}

func TestNoLeaseOnAChannelThatNeedsANewToken(t *testing.T) {
	a, _, c, ch, now := twoReplicas(t)
	ctx := viewer.System(context.Background())
	c.Channel.UpdateOne(ch).SetStatus(channel.StatusNEEDS_REAUTH).ExecX(ctx)
	if _, ok, err := a.acquire(ctx, ch.ID, *now); err != nil || ok {
		t.Fatalf("a lease on a NEEDS_REAUTH channel: ok=%v err=%v", ok, err)
	}
}

func TestExpiredClaimsBecomeUnknownNeverReady(t *testing.T) {
	a, _, c, ch, now := twoReplicas(t)
	ctx := viewer.System(context.Background())
	tn := ch.TenantID
	ct := c.Contact.Create().SetTenantID(tn).SetPhone("+14155550123").SaveX(ctx)
	conv := c.Conversation.Create().SetTenantID(tn).SetChannelID(ch.ID).SetContactID(ct.ID).SaveX(ctx)
	m := c.Message.Create().SetTenantID(tn).SetConversationID(conv.ID).SetChannelID(ch.ID).
		SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEXT).SetStatus(message.StatusQUEUED).
		SetTimestamp(*now).SetRaw([]byte(`{"text":{"body":"hi"}}`)).
		SetSendState(message.SendStateREADY).SetSendAfter(*now).SaveX(ctx)

	tok, _, _ := a.acquire(ctx, ch.ID, *now)
	claimed, err := newSender(a, ch, tok).claim(ctx)
	if err != nil || len(claimed) != 1 || claimed[0].Attempts != 1 {
		t.Fatalf("claim: %v %+v", err, claimed)
	}
	// The replica dies with the request possibly on the wire. Past the
	// claim, the message may have gone: it waits for a status, and after
	// the outcome timeout it fails as unknown. It is never READY again.
	*now = now.Add(a.opt.Claim + time.Second)
	if err := a.sweep(ctx); err != nil {
		t.Fatal(err)
	}
	got := c.Message.GetX(ctx, m.ID)
	if got.SendState == nil || *got.SendState != message.SendStateUNKNOWN || got.Status != message.StatusQUEUED {
		t.Fatalf("an expired claim: %v %v", got.SendState, got.Status)
	}
	*now = now.Add(a.opt.OutcomeTimeout + time.Second)
	if err := a.sweep(ctx); err != nil {
		t.Fatal(err)
	}
	got = c.Message.GetX(ctx, m.ID)
	if got.Status != message.StatusFAILED || got.Error == nil || got.Error.Code != -1 || got.SendState != nil || got.Attempts != 1 {
		t.Fatalf("an unknown outcome past its wait: %+v", got)
	}
}
