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

// followerBuffer is how many batches a follower may fall behind the live
// tail before it is switched to reading the log on its own.
const followerBuffer = 64

// Hub lets subscribers follow tenants' event logs.
//
// Each tenant with live followers in this process has one tail: a
// goroutine that, whenever its Broker is notified, reads the new part of the
// log once, loads the messages and conversations it refers to once, and
// hands the batch to every follower without blocking. A follower that is
// behind (it resumed from an old cursor, or its buffer overflowed because
// its client is slow) reads the log itself from its own cursor until it
// has caught up. So a thousand subscribers cost one read per wake-up, and
// a stalled one delays nobody.
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

// tail is the shared reader of one tenant's log.
type tail struct {
	followers map[*follower]struct{}
	wake      *wakeup
	cancel    context.CancelFunc
}

// follower is one subscriber's inbox from the tail.
type follower struct {
	batches chan *Batch
	behind  chan struct{} // rung when a batch could not be handed over
}

// Follow calls emit with every event of the tenant after seq `after` (and,
// if conversation is set, of that conversation only), in order and exactly
// once, then with live events as they commit, until ctx ends or emit
// fails.
//
// The follower joins the tail before it first reads the log, so an event
// committed at any moment is either in its own reads or in a later batch;
// it emits only events beyond the last position it has passed, so none is
// repeated; and a batch that starts beyond that position means it missed
// some, which it then reads from the log before going on.
func (h *Hub) Follow(ctx context.Context, tenant pulid.ID, after int64, conversation pulid.ID, emit func(*Batch) error) error {
	f := h.join(tenant)
	defer h.leave(tenant, f)
	pos := after
	catchUp := func() error {
		for {
			b, full, err := h.read(ctx, tenant, pos, conversation)
			if err != nil {
				return err
			}
			if len(b.Events) > 0 {
				if err := emit(b); err != nil {
					return emitError{err}
				}
			}
			pos = b.To
			if !full {
				return nil
			}
		}
	}
	if err := h.retry(ctx, catchUp); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-f.behind:
			if err := h.retry(ctx, catchUp); err != nil {
				return err
			}
		case b := <-f.batches:
			if b.To <= pos {
				continue // already read on our own
			}
			if b.From > pos {
				// Batches were dropped while we were slow: read the gap.
				if err := h.retry(ctx, catchUp); err != nil {
					return err
				}
				if b.To <= pos {
					continue
				}
			}
			mine := b.only(pos, conversation)
			if len(mine.Events) > 0 {
				if err := emit(mine); err != nil {
					return err
				}
			}
			pos = b.To
		}
	}
}

// retry runs fn until it succeeds, ctx ends (nil), or fn's emit fails.
// Storage errors are retried with backoff: the subscription survives a
// database restart.
func (h *Hub) retry(ctx context.Context, fn func() error) error {
	backoff := 50 * time.Millisecond
	for {
		err := fn()
		if err == nil || ctx.Err() != nil {
			return nil
		}
		if e, isEmit := err.(emitError); isEmit {
			return e.error
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
			backoff = min(backoff*2, 5*time.Second)
		}
	}
}

// emitError marks failures of the subscriber's own emit, which end Follow.
type emitError struct{ error }

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

// join adds a follower to the tenant's tail, starting the tail if needed.
func (h *Hub) join(tenant pulid.ID) *follower {
	f := &follower{batches: make(chan *Batch, followerBuffer), behind: make(chan struct{}, 1)}
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.tails[tenant]
	if t == nil {
		ctx, cancel := context.WithCancel(context.Background())
		t = &tail{followers: map[*follower]struct{}{}, wake: h.broker.subscribe(tenant), cancel: cancel}
		h.tails[tenant] = t
		go h.runTail(ctx, tenant, t)
	}
	t.followers[f] = struct{}{}
	return f
}

// leave removes a follower; the last one out stops the tail.
func (h *Hub) leave(tenant pulid.ID, f *follower) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.tails[tenant]
	delete(t.followers, f)
	if len(t.followers) == 0 {
		t.cancel()
		h.broker.unsubscribe(t.wake)
		delete(h.tails, tenant)
	}
}

// runTail reads the tenant's new events on every wake-up and hands them to
// the followers. It starts at the log's head: followers read anything
// older themselves.
func (h *Hub) runTail(ctx context.Context, tenant pulid.ID, t *tail) {
	head := int64(-1)
	for {
		if head < 0 {
			if n, err := Head(ctx, h.client, tenant); err == nil {
				// Events committed while the tail started are behind the
				// head without having been dispatched: whoever joined
				// before now reads them itself.
				head = n
				h.ringBehind(t)
			}
		} else {
			for {
				b, full, err := h.read(ctx, tenant, head, "")
				if err != nil {
					h.ringBehind(t) // followers fall back to their own reads, which retry
					break
				}
				if len(b.Events) > 0 {
					h.dispatch(t, b)
				}
				head = b.To
				if !full {
					break
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.wake.c:
		}
	}
}

// dispatch hands b to every follower without ever blocking.
func (h *Hub) dispatch(t *tail, b *Batch) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for f := range t.followers {
		select {
		case f.batches <- b:
		default:
			ring(f.behind)
		}
	}
}

func (h *Hub) ringBehind(t *tail) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for f := range t.followers {
		ring(f.behind)
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
