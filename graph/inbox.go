package graph

import (
	"context"

	"entgo.io/contrib/entgql"

	"switchboard/ent"
	"switchboard/ent/conversation"
	"switchboard/graph/model"
	"switchboard/internal/apperr"
	"switchboard/internal/events"
	"switchboard/internal/pulid"
)

func (r *Resolver) conversations(ctx context.Context, after *entgql.Cursor[pulid.ID], first *int, before *entgql.Cursor[pulid.ID], last *int, f *model.ConversationFilter) (*ent.ConversationConnection, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	q := r.client(ctx).Conversation.Query()
	if f != nil {
		if f.Status != nil {
			q.Where(conversation.StatusEQ(*f.Status))
		}
		if f.AssigneeID != nil {
			q.Where(conversation.AssigneeID(*f.AssigneeID))
		}
		if f.UnreadOnly != nil && *f.UnreadOnly {
			q.Where(conversation.UnreadCountGT(0))
		}
		if f.ChannelID != nil {
			q.Where(conversation.ChannelID(*f.ChannelID))
		}
	}
	return q.Paginate(ctx, after, first, before, last, ent.WithConversationOrder(&ent.ConversationOrder{
		Direction: entgql.OrderDirectionDesc, Field: ent.ConversationOrderFieldLastMessageAt,
	}))
}

// inboxEvents streams the caller's tenant's events from the log: replayed
// from `after`, then live. It starts no goroutine: the Hub hands events to
// the channel that gqlgen reads (eventSink).
func (r *Resolver) inboxEvents(ctx context.Context, after *string, conversationID *pulid.ID) (<-chan *model.InboxEvent, error) {
	v, err := member(ctx)
	if err != nil {
		return nil, err
	}
	from := int64(events.Live)
	if after != nil {
		seq, ok := events.ParseCursor(*after)
		if !ok {
			return nil, apperr.Input("after", "after is not a cursor from inboxEvents")
		}
		from = seq
	}
	var conv pulid.ID
	if conversationID != nil {
		conv = *conversationID
	}
	sink := &eventSink{c: make(chan *model.InboxEvent, eventBuffer), ready: func() {}}
	p := pullFrom(ctx)
	if p != nil {
		sink.ready = p.ready
	}
	if err := r.Events.Subscribe(ctx, v.TenantID, from, conv, sink); err != nil {
		return nil, err
	}
	if p != nil {
		// On a graphql-transport-ws socket the socket's writer takes the
		// events when they are ready: no goroutine waits on the channel.
		p.pending = func() int { return len(sink.c) }
	}
	return sink.c, nil
}

// eventBuffer is how many events wait for gqlgen in a subscription's
// channel. It is allocated for every subscription, idle or not, so it is
// small: a larger batch is queued in the Hub, and a catch-up reads its next
// page while this drains.
const eventBuffer = 16

// eventSink is the events.Sink of an inboxEvents subscription: the channel
// gqlgen reads, and ready, called when it has new events.
type eventSink struct {
	c     chan *model.InboxEvent
	ready func()
}

func (s *eventSink) Offer(b *events.Batch) bool {
	if cap(s.c)-len(s.c) < len(b.Events) {
		return false
	}
	for _, e := range b.Events {
		s.c <- inboxEvent(b, e) // the Hub is the only sender: the room cannot shrink
	}
	s.ready()
	return true
}

func (s *eventSink) Send(ctx context.Context, b *events.Batch) error {
	for _, e := range b.Events {
		select {
		case s.c <- inboxEvent(b, e):
			s.ready()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func inboxEvent(b *events.Batch, e *ent.Event) *model.InboxEvent {
	return &model.InboxEvent{
		Cursor: events.Cursor(e.Seq), Kind: e.Kind, OccurredAt: e.CreatedAt,
		Message: b.Messages[e.MessageID], Conversation: b.Conversations[e.ConversationID],
	}
}
