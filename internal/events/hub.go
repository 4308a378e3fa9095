package events

import (
	"context"
	"sync"
	"time"

	"switchboard/ent"
	"switchboard/ent/conversation"
	"switchboard/ent/message"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// PageSize is how many events are read from the log at once.
const PageSize = 500

// queueLimit is how many batches may wait for a follower's Sink before the
// follower is switched to reading the log on its own.
const queueLimit = 64

// Live is the position of a subscriber that wants live events only: it
// starts at its tenant's tail, wherever that is.
const Live = -1

// Hub lets subscribers follow tenants' event logs.
//
// Each tenant with live followers in this process has one tail: a
// goroutine that, whenever its Broker is notified, reads the new part of the
// log once, loads the messages and conversations it refers to once, and
// hands the batch to every follower without blocking. A follower that is
// behind (it resumed from an old cursor, or its queue overflowed because
// its client is slow) reads the log itself from its own cursor until it
// has caught up. So a thousand subscribers cost one read per wake-up, and
// a stalled one delays nobody.
//
// A follower has no goroutine of its own while its Sink takes what the
// tail offers: an idle subscription costs a few hundred bytes here. One
// goroutine delivers for it only while it has something queued or is
// reading the log, and ends when it has caught up.
type Hub struct {
	client *ent.Client
	broker *Broker

	mu    sync.Mutex
	tails map[pulid.ID]*tail
}

// NewHub returns a Hub that reads the logs through client and whose tails
// wake when broker is notified: writers' Notifier is broker itself in a
// single process, or a PGNotifier wrapping it when replicas share
// PostgreSQL.
func NewHub(client *ent.Client, broker *Broker) *Hub {
	return &Hub{client: client, broker: broker, tails: map[pulid.ID]*tail{}}
}

// Batch is a run of a tenant's log: the events with From < seq ≤ To that
// a follower should see, with the messages and conversations they refer to.
type Batch struct {
	From, To      int64
	Events        []*ent.Event
	Messages      map[pulid.ID]*ent.Message
	Conversations map[pulid.ID]*ent.Conversation
}

// Sink is where a follower's batches go, in order, each once.
type Sink interface {
	// Offer takes b whole without blocking, or reports that it has no
	// room. The tail calls it with the Hub locked.
	Offer(b *Batch) bool
	// Send takes b, waiting for room until ctx ends (its error).
	Send(ctx context.Context, b *Batch) error
}

// tail is the shared reader of one tenant's log. Its fields, and the
// followers' state, are guarded by Hub.mu.
type tail struct {
	tenant    pulid.ID
	followers map[*follower]struct{}
	wake      *wakeup
	cancel    context.CancelFunc
	// head is the position up to which the tail has dispatched; -1 until
	// the tail has read where the log ends, when ready is closed.
	head  int64
	ready chan struct{}
}

// follower is one subscriber's state.
type follower struct {
	ctx  context.Context
	sink Sink
	conv pulid.ID // "" for every conversation
	tail *tail

	// sent is the position up to which the Sink has taken events; queued,
	// up to which events are in queue or sent.
	sent, queued int64
	queue        []*Batch
	behind       bool // must read the log from sent; the queue is void
	running      bool // a deliver goroutine owns the Sink's Send side
}

// Subscribe has sink receive every event of the tenant after seq `after`
// (Live: from now on) and, if conversation is set, of that conversation
// only, in order and exactly once, then live events as they commit, until
// ctx ends. It returns once the follower is registered; an error means
// where the log ends could not be read.
//
// A follower that is behind reads the log from the last position its Sink
// took until it reaches the tail's head; from then on the tail hands it
// every batch beyond that head. A batch that the follower cannot take in
// time makes it behind again, so nothing is skipped, and a batch at or
// before its position is never handed again, so nothing is repeated.
func (h *Hub) Subscribe(ctx context.Context, tenant pulid.ID, after int64, conversation pulid.ID, sink Sink) error {
	f, err := h.join(ctx, tenant, after, conversation, sink)
	if err != nil {
		return err
	}
	context.AfterFunc(ctx, func() { h.leave(f) })
	return nil
}

// join registers a follower, starting the tenant's tail if needed.
func (h *Hub) join(ctx context.Context, tenant pulid.ID, after int64, conversation pulid.ID, sink Sink) (*follower, error) {
	if after == Live {
		// From the tail's head if the tenant has a running tail: no query,
		// and no event committed from now on is missed (the head may lag
		// the log by a moment, never lead it). Else from the log's end.
		if head, ok := h.head(tenant); ok {
			after = head
		} else if n, err := Head(ctx, h.client, tenant); err != nil {
			return nil, err
		} else {
			after = n
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.tails[tenant]
	if t == nil {
		tctx, cancel := context.WithCancel(context.Background())
		t = &tail{tenant: tenant, followers: map[*follower]struct{}{}, wake: h.broker.subscribe(tenant),
			cancel: cancel, head: -1, ready: make(chan struct{})}
		h.tails[tenant] = t
		go h.runTail(tctx, t)
	}
	f := &follower{ctx: ctx, sink: sink, conv: conversation, tail: t, sent: after, queued: after}
	t.followers[f] = struct{}{}
	if t.head < 0 || t.head > after {
		f.behind = true
		h.startDelivering(f)
	}
	return f, nil
}

// head returns the head of the tenant's tail, if it has one that knows it.
func (h *Hub) head(tenant pulid.ID) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t := h.tails[tenant]; t != nil && t.head >= 0 {
		return t.head, true
	}
	return 0, false
}

// Follow calls emit with the events Subscribe would hand a Sink, from its
// own goroutine, until ctx ends (nil) or emit fails (its error).
func (h *Hub) Follow(ctx context.Context, tenant pulid.ID, after int64, conversation pulid.ID, emit func(*Batch) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := make(chanSink, queueLimit)
	f, err := h.join(ctx, tenant, after, conversation, s)
	if err != nil {
		return err
	}
	defer h.leave(f)
	for {
		select {
		case <-ctx.Done():
			return nil
		case b := <-s:
			if err := emit(b); err != nil {
				return err
			}
		}
	}
}

// chanSink is a Sink of batches for Follow.
type chanSink chan *Batch

func (s chanSink) Offer(b *Batch) bool {
	select {
	case s <- b:
		return true
	default:
		return false
	}
}

func (s chanSink) Send(ctx context.Context, b *Batch) error {
	select {
	case s <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// leave removes a follower (its context has ended, or Follow returns); the
// last one out stops the tail.
func (h *Hub) leave(f *follower) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := f.tail
	delete(t.followers, f)
	if len(t.followers) == 0 {
		t.cancel()
		h.broker.unsubscribe(t.wake)
		delete(h.tails, t.tenant)
	}
}

// startDelivering starts f's deliver goroutine unless it runs. h.mu held.
func (h *Hub) startDelivering(f *follower) {
	if !f.running && f.ctx.Err() == nil {
		f.running = true
		go h.deliver(f)
	}
}

// deliver empties f's queue into its Sink, and reads the log for it while
// it is behind; it ends when f has nothing left to do or its context ends.
func (h *Hub) deliver(f *follower) {
	for {
		h.mu.Lock()
		if f.ctx.Err() != nil || (!f.behind && len(f.queue) == 0) {
			f.running = false
			h.mu.Unlock()
			return
		}
		if f.behind {
			f.queue = nil
			from := f.sent
			h.mu.Unlock()
			h.catchUp(f, from) // if ctx ended, the loop's first check returns
			continue
		}
		b := f.queue[0]
		f.queue = f.queue[1:]
		h.mu.Unlock()
		if f.sink.Send(f.ctx, b) != nil {
			continue
		}
		h.mu.Lock()
		f.sent = b.To // even if f fell behind meanwhile: it reads on from here
		h.mu.Unlock()
	}
}

// catchUp reads the log for f from position `from` to its end, and makes
// f live again if the tail has dispatched nothing beyond it meanwhile. The
// next page is read while the Sink takes the current one.
func (h *Hub) catchUp(f *follower, from int64) {
	t := f.tail
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	pages := make(chan *Batch, 1)
	go h.readPages(ctx, t.tenant, from, f.conv, pages)
	for b := range pages {
		if len(b.Events) > 0 {
			if err := f.sink.Send(ctx, b); err != nil {
				return
			}
		}
		h.mu.Lock()
		f.sent = b.To
		h.mu.Unlock()
	}
	select {
	case <-t.ready: // the tail knows its head
	case <-ctx.Done():
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.head <= f.sent {
		// Every batch the tail dispatches from now on starts at or before
		// f.sent: f is live.
		f.behind, f.queued = false, f.sent
	}
}

// readPages sends the pages of the tenant's log after pos (of one
// conversation, if set) to out, up to the first page that is not full,
// then closes out. Storage errors are retried with backoff: a subscription
// survives a database restart.
func (h *Hub) readPages(ctx context.Context, tenant pulid.ID, pos int64, conv pulid.ID, out chan<- *Batch) {
	defer close(out)
	backoff := 50 * time.Millisecond
	for {
		b, full, err := h.read(ctx, tenant, pos, conv)
		if err != nil {
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return
		}
		pos = b.To
		if !full {
			return
		}
	}
}

// sleep waits d, or reports false if ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// only returns the part of b after pos that concerns the conversation
// ("" for all), sharing the loaded entities.
func (b *Batch) only(pos int64, conversation pulid.ID) *Batch {
	out := &Batch{From: max(b.From, pos), To: b.To, Messages: b.Messages, Conversations: b.Conversations}
	for _, e := range b.Events {
		if e.Seq > pos && (conversation == "" || e.ConversationID == conversation) {
			out.Events = append(out.Events, e)
		}
	}
	return out
}

// read returns the next page of the tenant's log after pos (of one
// conversation, if set) with its entities, and whether the page was full.
func (h *Hub) read(ctx context.Context, tenant pulid.ID, pos int64, conv pulid.ID) (*Batch, bool, error) {
	evs, err := Read(ctx, h.client, tenant, pos, conv, PageSize)
	if err != nil {
		return nil, false, err
	}
	b := &Batch{From: pos, To: pos, Events: evs}
	if len(evs) > 0 {
		b.To = evs[len(evs)-1].Seq
	}
	if err := h.load(ctx, b); err != nil {
		return nil, false, err
	}
	return b, len(evs) == PageSize, nil
}

// load fetches the messages and conversations of a batch's events in two
// queries.
func (h *Hub) load(ctx context.Context, b *Batch) error {
	var msgIDs, convIDs []pulid.ID
	for _, e := range b.Events {
		if e.MessageID != "" {
			msgIDs = append(msgIDs, e.MessageID)
		}
		if e.ConversationID != "" {
			convIDs = append(convIDs, e.ConversationID)
		}
	}
	b.Messages = make(map[pulid.ID]*ent.Message, len(msgIDs))
	b.Conversations = make(map[pulid.ID]*ent.Conversation, len(convIDs))
	sys := viewer.System(ctx)
	if len(msgIDs) > 0 {
		msgs, err := h.client.Message.Query().Where(message.IDIn(msgIDs...)).All(sys)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			b.Messages[m.ID] = m
		}
	}
	if len(convIDs) > 0 {
		convs, err := h.client.Conversation.Query().Where(conversation.IDIn(convIDs...)).All(sys)
		if err != nil {
			return err
		}
		for _, c := range convs {
			b.Conversations[c.ID] = c
		}
	}
	return nil
}

// runTail finds where the tenant's log ends, then reads its new events on
// every wake-up and hands them to the followers. Followers read anything
// older themselves.
func (h *Hub) runTail(ctx context.Context, t *tail) {
	backoff := 50 * time.Millisecond
	retry := func() bool {
		ok := sleep(ctx, backoff)
		backoff = min(backoff*2, 5*time.Second)
		return ok
	}
	for {
		n, err := Head(ctx, h.client, t.tenant)
		if err == nil {
			h.mu.Lock()
			t.head = n
			close(t.ready)
			h.mu.Unlock()
			break
		}
		if !retry() {
			return
		}
	}
	for {
		// Read until a page is not full. A failed read is retried, not
		// skipped: every follower that is live relies on this tail.
		for {
			b, full, err := h.read(ctx, t.tenant, t.head, "")
			if err != nil {
				if !retry() {
					return
				}
				continue
			}
			backoff = 50 * time.Millisecond
			h.dispatch(t, b)
			if !full {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.wake.c:
		}
	}
}

// dispatch hands b to every live follower without ever blocking: straight
// to its Sink when nothing of it is queued, else to its queue, else (the
// queue is full) it falls behind and reads the log.
func (h *Hub) dispatch(t *tail, b *Batch) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t.head = b.To
	if len(b.Events) == 0 {
		return
	}
	for f := range t.followers {
		if f.behind || b.To <= f.queued {
			continue
		}
		mine := b.only(f.queued, f.conv)
		switch {
		case len(mine.Events) == 0:
			if !f.running {
				f.sent = b.To
			}
		case !f.running && f.sink.Offer(mine):
			f.sent = b.To
		case len(f.queue) < queueLimit:
			f.queue = append(f.queue, mine)
			h.startDelivering(f)
		default:
			f.behind = true
			h.startDelivering(f)
		}
		f.queued = b.To
	}
}

func ring(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Followers counts the subscriptions following logs in this process (for
// metrics and leak tests).
func (h *Hub) Followers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, t := range h.tails {
		n += len(t.followers)
	}
	return n
}

// Tails counts the tenants this process tails, each with one wake-up
// channel on the Broker (for leak tests).
func (h *Hub) Tails() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.tails)
}
