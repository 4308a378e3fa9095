// Package inbound turns stored Meta webhooks into inbox state: contacts,
// conversations, messages and delivery statuses, plus the tenant event log
// entries that subscribers follow. It runs as the webhook.process job, in
// batches of jobs that share one transaction with the jobs' completion, so
// a crash at any point leaves the events to be processed again with the
// same result: every effect is idempotent (a message is unique per channel
// and Meta id, statuses only move forward). It also runs webhook.replay,
// which applies to a newly connected number the webhooks that arrived for
// it before any channel owned it (replay.go).
package inbound

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/ent/job"
	"switchboard/ent/webhookevent"
	"switchboard/internal/analytics"
	"switchboard/internal/events"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
	wh "switchboard/internal/webhook"
	"switchboard/internal/whatsapp"
)

// Processor applies webhook events.
type Processor struct {
	Notifier events.Notifier
	// LockRows takes a batch's contended row locks up front, in one order
	// (lockInOrder), on PostgreSQL, where several workers run at once;
	// SQLite serializes writers already.
	LockRows bool
}

// Handle is the jobs.Handler of webhook.process: the payload is the id of
// the stored webhook event. It is HandleBatch with one job.
func (p *Processor) Handle(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
	return p.HandleBatch(ctx, tx, []*ent.Job{j})
}

// HandleBatch is the jobs.BatchHandler of webhook.process. It applies the
// batch's pending webhook events in order of receipt, exactly as one job
// each would, but as one unit of work: channels are looked up once, and
// each tenant's events are appended once at the end, so the tenant's
// event_seq row (which orders all of its writers) is locked once per batch
// instead of once per webhook. Each event ends PROCESSED, UNROUTED (see
// markDone) or FAILED (unparseable) in the same transaction.
func (p *Processor) HandleBatch(ctx context.Context, tx *ent.Tx, js []*ent.Job) error {
	ctx = viewer.System(ctx)
	if p.LockRows {
		if err := holdJobs(ctx, tx, js); err != nil {
			return err
		}
	}
	evs, err := pending(ctx, tx, js)
	if err != nil || len(evs) == 0 {
		return err
	}
	b := newBatch(ctx, p, tx)
	hooks := make([]*webhook, len(evs))
	for i, ev := range evs {
		if hooks[i], err = b.parse(ev); err != nil {
			return err
		}
	}
	if err := b.apply(hooks); err != nil {
		return err
	}
	return b.markDone(hooks)
}

// apply stores the messages and statuses of the hooks' routed items,
// applies customers' marketing preferences (prefs.go) and Meta's template
// webhooks (templates.go), and appends the resulting events; phone quality
// and account updates stay in the raw event for their issues.
func (b *batch) apply(hooks []*webhook) error {
	if b.p.LockRows {
		if err := b.lockInOrder(hooks); err != nil {
			return err
		}
	}
	if err := b.prefetch(hooks); err != nil {
		return err
	}
	for _, w := range hooks {
		for _, r := range w.items {
			if r.ch != nil && isTemplateItem(r.it.Kind) {
				if err := b.template(&r.it); err != nil {
					return err
				}
				continue
			}
			if r.ch != nil && limitItem(&r.it) {
				if err := b.messagingLimit(&r.it); err != nil {
					return err
				}
				continue
			}
			if r.ch != nil && r.it.Kind == whatsapp.ItemUserPreferences {
				if err := b.preferences(r.ch, &r.it, w.ev.ReceivedAt); err != nil {
					return err
				}
				continue
			}
			if r.ch == nil || r.it.Kind != whatsapp.ItemMessages {
				continue
			}
			for _, m := range r.it.Messages {
				if err := b.message(r.ch, &r.it, m, w.ev.ReceivedAt); err != nil {
					return err
				}
			}
			for _, s := range r.it.Statuses {
				b.status(r.ch, s, w.ev.ReceivedAt)
			}
		}
	}
	if err := b.applyStatuses(); err != nil {
		return err
	}
	return b.append()
}

// holdJobs locks the rows of the jobs being run until the transaction
// ends. A large webhook (3 MB, some 25,000 messages) can take longer than
// a job's lease; without the lock, another worker would find the lease
// expired, claim the job and start it again (its claim skips locked rows),
// and the first run, having lost its lease, could not complete it either.
func holdJobs(ctx context.Context, tx *ent.Tx, js []*ent.Job) error {
	ids := make([]pulid.ID, len(js))
	for i, j := range js {
		ids[i] = j.ID
	}
	_, err := tx.Job.Query().Where(job.IDIn(ids...)).Order(ent.Asc(job.FieldID)).ForUpdate().IDs(ctx)
	return err
}

// pending loads the webhook events of js that are still PENDING (a job
// that ran before, in a batch whose job update was lost, finds its event
// already applied), in order of receipt.
func pending(ctx context.Context, tx *ent.Tx, js []*ent.Job) ([]*ent.WebhookEvent, error) {
	ids := make([]pulid.ID, len(js))
	for i, j := range js {
		var err error
		if ids[i], err = wh.ProcessJob.Payload(j); err != nil {
			return nil, err
		}
	}
	evs, err := tx.WebhookEvent.Query().Where(webhookevent.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[pulid.ID]*ent.WebhookEvent, len(evs))
	for _, ev := range evs {
		byID[ev.ID] = ev
	}
	out := make([]*ent.WebhookEvent, 0, len(evs))
	for _, id := range ids {
		ev, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrEventGone, id)
		}
		if ev.Status == webhookevent.StatusPENDING {
			out = append(out, ev)
			delete(byID, id) // two jobs of one event apply it once
		}
	}
	slices.SortStableFunc(out, func(a, b *ent.WebhookEvent) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	return out, nil
}

// webhook is one stored event of a batch, parsed and routed.
type webhook struct {
	ev     *ent.WebhookEvent
	items  []routed
	tenant *pulid.ID // of the first routed item; nil: unrouted
	err    error     // why it does not parse
}

// routed is an item with its channel; ch is nil for unknown numbers.
type routed struct {
	it whatsapp.Item
	ch *ent.Channel
}

// parse parses and routes one event. A signed but unparseable payload
// will not parse on retry: it is kept, marked FAILED, for people to look
// at.
func (b *batch) parse(ev *ent.WebhookEvent) (*webhook, error) {
	w := &webhook{ev: ev}
	env, err := whatsapp.Parse(ev.Payload)
	if err != nil {
		w.err = err
		return w, nil
	}
	for _, it := range env.Items() {
		cleanKeys(&it)
		ch, err := b.route(it)
		if err != nil {
			return nil, err
		}
		if ch != nil && w.tenant == nil {
			w.tenant = &ch.TenantID
		}
		w.items = append(w.items, routed{it: it, ch: ch})
	}
	return w, nil
}

// append adds the batch's events to each tenant's log, tenants in id
// order: concurrent batches lock tenant rows in the same order, so they
// queue for each other instead of deadlocking.
func (b *batch) append() error {
	if err := b.countUsage(); err != nil {
		return err
	}
	for _, t := range slices.Sorted(maps.Keys(b.specs)) {
		if err := events.Append(b.ctx, b.tx, b.p.Notifier, t, b.specs[t]...); err != nil {
			return err
		}
	}
	return nil
}

// markDone records each event's outcome, one statement per outcome and
// tenant rather than one per event. An event is UNROUTED when nothing in it
// routed, or when some of its messages items were for a number no channel
// owns: connecting that number later replays those items (replay.go), so
// they must stay findable even when the rest of the event was applied (its
// tenant_id then names the tenant of the first routed item).
func (b *batch) markDone(hooks []*webhook) error {
	now := time.Now()
	type outcome struct {
		status webhookevent.Status
		tenant pulid.ID
	}
	groups := map[outcome][]pulid.ID{}
	for _, w := range hooks {
		if w.err != nil {
			// The parser quotes bits of the payload, which may be bytes
			// PostgreSQL refuses.
			if err := b.tx.WebhookEvent.UpdateOne(w.ev).SetStatus(webhookevent.StatusFAILED).
				SetError(whatsapp.CleanText(w.err.Error(), 1000)).SetProcessedAt(now).Exec(b.ctx); err != nil {
				return err
			}
			continue
		}
		o := outcome{status: webhookevent.StatusPROCESSED}
		if w.tenant != nil {
			o.tenant = *w.tenant
		}
		if w.tenant == nil || w.partlyUnrouted() {
			o.status = webhookevent.StatusUNROUTED
		}
		groups[o] = append(groups[o], w.ev.ID)
	}
	keys := slices.SortedFunc(maps.Keys(groups), func(a, b outcome) int {
		return cmp.Or(cmp.Compare(a.status, b.status), cmp.Compare(a.tenant, b.tenant))
	})
	for _, o := range keys {
		upd := b.tx.WebhookEvent.Update().Where(webhookevent.IDIn(groups[o]...)).
			SetStatus(o.status).SetProcessedAt(now)
		if o.tenant != "" {
			upd.SetTenantID(o.tenant)
		}
		if err := upd.Exec(b.ctx); err != nil {
			return err
		}
	}
	return nil
}

// partlyUnrouted reports whether a messages item of the event was for a
// number no connected channel owns.
func (w *webhook) partlyUnrouted() bool {
	for _, r := range w.items {
		if r.ch == nil && r.it.Kind == whatsapp.ItemMessages {
			return true
		}
	}
	return false
}

// batch is the work of one transaction: one or more webhook events.
type batch struct {
	p     *Processor
	tx    *ent.Tx
	ctx   context.Context
	specs map[pulid.ID][]events.Spec
	chans map[string]*ent.Channel
	// stored holds the batch's inbound messages already stored, and early
	// those with a status kept before them (prefetch), each kept current
	// as the batch stores more, so that a message costs no lookups.
	stored map[msgKey]bool
	early  map[msgKey]bool
	// usage counts the messages the batch priced, written by append.
	usage map[analytics.Priced]int64
	// reports are the batch's delivery statuses, for applyStatuses.
	reports []report
}

// msgKey is a message's identity: Meta's id is unique per channel.
type msgKey struct {
	ch  pulid.ID
	ext string
}

func newBatch(ctx context.Context, p *Processor, tx *ent.Tx) *batch {
	return &batch{p: p, tx: tx, ctx: ctx, specs: map[pulid.ID][]events.Spec{},
		stored: map[msgKey]bool{}, early: map[msgKey]bool{}}
}

// prefetch finds, in two queries for the whole batch, which of its
// inbound messages are stored already and which have statuses waiting for
// them. Run after lockInOrder, the answer cannot go stale within the
// transaction: whoever stores an inbound message holds its contact's lock
// until commit, and the batch holds those locks now (SQLite runs one
// writer at a time). Should it ever be wrong, the unique index refuses the
// duplicate and the batch's jobs run again.
func (b *batch) prefetch(hooks []*webhook) error {
	keys := byChannel{}
	for _, w := range hooks {
		for _, r := range w.items {
			if r.ch == nil || r.it.Kind != whatsapp.ItemMessages {
				continue
			}
			for _, m := range r.it.Messages {
				keys.add(r.ch.ID, m.ID)
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	stored, err := b.storedMessages(keys)
	if err != nil {
		return err
	}
	for k := range stored {
		b.stored[k] = true
	}
	b.early, err = b.earlyStatuses(keys)
	return err
}

// route finds the connected channel of an item: by phone_number_id for
// messages and user preferences, by WABA id for account-level updates.
// Unknown numbers are not errors; the event is kept as unrouted.
func (b *batch) route(it whatsapp.Item) (*ent.Channel, error) {
	// A channel waiting for a new token (NEEDS_REAUTH) still receives.
	key, q := it.PhoneNumberID, b.tx.Channel.Query().Where(channel.StatusNEQ(channel.StatusREVOKED))
	if it.Kind == whatsapp.ItemMessages || it.Kind == whatsapp.ItemUserPreferences {
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
