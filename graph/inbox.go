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
// from `after`, then live.
func (r *Resolver) inboxEvents(ctx context.Context, after *string, conversationID *pulid.ID) (<-chan *model.InboxEvent, error) {
	v, err := member(ctx)
	if err != nil {
		return nil, err
	}
	var from int64
	if after != nil {
		seq, ok := events.ParseCursor(*after)
		if !ok {
			return nil, apperr.Input("after", "after is not a cursor from inboxEvents")
		}
		from = seq
	} else if from, err = events.Head(ctx, r.Client, v.TenantID); err != nil {
		return nil, err
	}
	var conv pulid.ID
	if conversationID != nil {
		conv = *conversationID
	}
	// A page of buffer lets the next page load while frames are written.
	out := make(chan *model.InboxEvent, events.PageSize)
	go func() {
		defer close(out)
		err := r.Events.Follow(ctx, v.TenantID, from, conv, func(b *events.Batch) error {
			for _, e := range b.Events {
				ev := &model.InboxEvent{
					Cursor: events.Cursor(e.Seq), Kind: e.Kind, OccurredAt: e.CreatedAt,
					Message: b.Messages[e.MessageID], Conversation: b.Conversations[e.ConversationID],
				}
				select {
				case out <- ev:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
		if err != nil && ctx.Err() == nil {
			r.Log.ErrorContext(ctx, "inbox subscription ended", "err", err)
		}
	}()
	return out, nil
}
