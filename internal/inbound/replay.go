package inbound

import (
	"context"
	"time"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/ent/webhookevent"
	"switchboard/internal/jobs"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp"
)

// ReplayJobKind is the job that applies, for a newly connected channel,
// the webhooks Meta sent for its number before any channel owned it.
const ReplayJobKind = "webhook.replay"

// ReplayJob is ReplayJobKind with its payload, JSON: EnqueueReplay and
// each page enqueue with it, and Replay decodes with it.
var ReplayJob = jobs.JSONKind[ReplayPayload](ReplayJobKind)

// ReplayHorizon is how far back a newly connected number's unrouted
// webhooks are replayed: Meta retries a delivery for up to 7 days, so
// older events are ones Meta itself has given up on.
const ReplayHorizon = 7 * 24 * time.Hour

// replayPage bounds the events one replay job applies; a job that fills
// its page enqueues the next page in its own transaction.
const replayPage = 100

// replaySkew is how long after the connect the replay still looks: events
// stored by a replica whose clock runs behind, or being processed while
// the channel committed, are covered.
const replaySkew = time.Minute

// ReplayPayload is the payload of a replay job: one page of events of one
// channel's number. It names no customer data, so erasing a contact has
// nothing to scrub here.
type ReplayPayload struct {
	Channel pulid.ID  `json:"channel"`
	Phone   string    `json:"phoneNumberId"`
	Since   time.Time `json:"since"`
	Until   time.Time `json:"until"`
	// After is the last event of the previous page, if any.
	AfterAt time.Time `json:"afterAt,omitzero"`
	AfterID pulid.ID  `json:"afterId,omitempty"`
}

// EnqueueReplay schedules the replay of the number's unrouted webhooks for
// a channel just connected at now. c must be the connecting transaction's
// client, so that the replay exists exactly when the channel does; it runs
// in the background, not in the request.
func EnqueueReplay(ctx context.Context, c *ent.Client, ch *ent.Channel, now time.Time) error {
	r := ReplayPayload{Channel: ch.ID, Phone: ch.PhoneNumberID, Since: now.Add(-ReplayHorizon), Until: now.Add(replaySkew)}
	return r.enqueue(ctx, c, ch.TenantID)
}

func (r ReplayPayload) enqueue(ctx context.Context, c *ent.Client, tenant pulid.ID) error {
	_, err := ReplayJob.Enqueue(ctx, c, tenant, r)
	return err
}

// Replay is the jobs.Handler of webhook.replay. It applies, for the job's
// channel, the messages items for its number of the events received
// within the horizon that no channel took: UNROUTED ones, and PENDING ones
// too, since a batch that read the channels just before the connect
// committed may still mark its events UNROUTED after this job looked.
// Only that number's items are applied, never the parts of an event that
// went to other channels; applying an item twice changes nothing (a
// message is unique per channel and Meta id, statuses only move forward),
// so racing the normal processing is harmless. Events are taken in order
// of receipt, a page per job.
func (p *Processor) Replay(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
	ctx = viewer.System(ctx)
	r, err := ReplayJob.Payload(j)
	if err != nil {
		return err
	}
	if p.LockRows {
		if err := holdJobs(ctx, tx, []*ent.Job{j}); err != nil {
			return err
		}
	}
	ch, err := tx.Channel.Query().Where(channel.ID(r.Channel), channel.StatusNEQ(channel.StatusREVOKED),
		channel.PhoneNumberID(r.Phone)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil // disconnected meanwhile: nothing is replayed for it
	}
	if err != nil {
		return err
	}
	q := tx.WebhookEvent.Query().Where(
		webhookevent.StatusIn(webhookevent.StatusUNROUTED, webhookevent.StatusPENDING),
		webhookevent.ReceivedAtGTE(r.Since), webhookevent.ReceivedAtLTE(r.Until))
	if r.AfterID != "" {
		q.Where(webhookevent.Or(webhookevent.ReceivedAtGT(r.AfterAt),
			webhookevent.And(webhookevent.ReceivedAt(r.AfterAt), webhookevent.IDGT(r.AfterID))))
	}
	evs, err := q.Order(ent.Asc(webhookevent.FieldReceivedAt), ent.Asc(webhookevent.FieldID)).Limit(replayPage).All(ctx)
	if err != nil || len(evs) == 0 {
		return err
	}
	b := newBatch(ctx, p, tx)
	var hooks []*webhook
	for _, ev := range evs {
		if w := b.replayed(ev, ch); w != nil {
			hooks = append(hooks, w)
		}
	}
	if err := b.apply(hooks); err != nil {
		return err
	}
	if len(evs) < replayPage {
		return nil
	}
	last := evs[len(evs)-1]
	r.AfterAt, r.AfterID = last.ReceivedAt, last.ID
	return r.enqueue(ctx, tx.Client(), ch.TenantID)
}

// replayed is the part of ev for ch's number, routed to ch, or nil when ev
// has none (or does not parse: it is FAILED, or will be).
func (b *batch) replayed(ev *ent.WebhookEvent, ch *ent.Channel) *webhook {
	env, err := whatsapp.Parse(ev.Payload)
	if err != nil {
		return nil
	}
	w := &webhook{ev: ev}
	for _, it := range env.Items() {
		if it.Kind != whatsapp.ItemMessages || it.PhoneNumberID != ch.PhoneNumberID {
			continue
		}
		cleanKeys(&it)
		w.items = append(w.items, routed{it: it, ch: ch})
	}
	if len(w.items) == 0 {
		return nil
	}
	return w
}
