// Package inbound turns stored Meta webhooks into inbox state: contacts,
// conversations, messages and delivery statuses, plus the tenant event log
// entries that subscribers follow. It runs as the webhook.process job, in
// the job's transaction, so a crash at any point leaves the event to be
// processed again with the same result: every effect is idempotent (a
// message is unique per channel and Meta id, statuses only move forward).
package inbound

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/ent/webhookevent"
	"switchboard/internal/events"
	"switchboard/internal/jobs"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp"
)

// Processor applies webhook events.
type Processor struct {
	Bell events.Bell
	Log  *slog.Logger
	// LockRows takes row locks (SELECT … FOR UPDATE) on PostgreSQL, where
	// several workers run at once; SQLite serializes writers already.
	LockRows bool
}

// Handle is the jobs.Handler of webhook.process: the payload is the id of
// the stored webhook event.
func (p *Processor) Handle(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
	ctx = viewer.System(ctx)
	ev, err := tx.WebhookEvent.Get(ctx, pulid.ID(j.Payload))
	if ent.IsNotFound(err) {
		return fmt.Errorf("%w: webhook event %s is gone", jobs.ErrPermanent, j.Payload)
	}
	if err != nil {
		return err
	}
	if ev.Status != webhookevent.StatusPENDING {
		return nil // already applied by an earlier run of this job
	}
	env, err := whatsapp.Parse(ev.Payload)
	if err != nil {
		// A signed but unparseable payload will not parse on retry: keep
		// it, marked, for people to look at.
		return tx.WebhookEvent.UpdateOne(ev).SetStatus(webhookevent.StatusFAILED).
			SetError(err.Error()).SetProcessedAt(time.Now()).Exec(ctx)
	}
	b := &batch{p: p, tx: tx, ctx: ctx, specs: map[pulid.ID][]events.Spec{}}
	var tenant *pulid.ID
	for _, it := range env.Items() {
		ch, err := b.route(it)
		if err != nil {
			return err
		}
		if ch == nil {
			continue
		}
		if tenant == nil {
			tenant = &ch.TenantID
		}
		if it.Kind != whatsapp.ItemMessages {
			continue // template, quality and account updates stay in the raw event for their issues
		}
		for _, m := range it.Messages {
			if err := b.message(ch, &it, m); err != nil {
				return err
			}
		}
		for _, s := range it.Statuses {
			if err := b.status(ch, s); err != nil {
				return err
			}
		}
	}
	for t, specs := range b.specs {
		if err := events.Append(ctx, tx, p.Bell, t, specs...); err != nil {
			return err
		}
	}
	upd := tx.WebhookEvent.UpdateOne(ev).SetProcessedAt(time.Now()).SetStatus(webhookevent.StatusPROCESSED)
	if tenant == nil {
		upd.SetStatus(webhookevent.StatusUNROUTED)
	} else {
		upd.SetTenantID(*tenant)
	}
	return upd.Exec(ctx)
}

// batch is the work of one webhook event.
type batch struct {
	p     *Processor
	tx    *ent.Tx
	ctx   context.Context
	specs map[pulid.ID][]events.Spec
	chans map[string]*ent.Channel
}

// route finds the connected channel of an item: by phone_number_id for
// messages, by WABA id for account-level updates. Unknown numbers are not
// errors; the event is kept as unrouted.
func (b *batch) route(it whatsapp.Item) (*ent.Channel, error) {
	key, q := it.PhoneNumberID, b.tx.Channel.Query().Where(channel.StatusEQ(channel.StatusCONNECTED))
	if it.Kind == whatsapp.ItemMessages {
		q.Where(channel.PhoneNumberID(it.PhoneNumberID))
	} else {
		key = "waba:" + it.WABAID
		q.Where(channel.WabaID(it.WABAID))
	}
	if ch, ok := b.chans[key]; ok {
		return ch, nil
	}
	ch, err := q.First(b.ctx)
	if ent.IsNotFound(err) {
		ch, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if b.chans == nil {
		b.chans = map[string]*ent.Channel{}
	}
	b.chans[key] = ch
	return ch, nil
}

func (b *batch) emit(tenant pulid.ID, s events.Spec) {
	b.specs[tenant] = append(b.specs[tenant], s)
}
