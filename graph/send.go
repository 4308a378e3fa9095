package graph

import (
	"context"
	"errors"

	"switchboard/ent"
	"switchboard/graph/model"
	"switchboard/internal/pulid"
)

var errNotYet = errors.New("sending is not available yet")

func (r *Resolver) sendMessage(ctx context.Context, in model.SendMessageInput) (*ent.Message, error) {
	return nil, errNotYet
}

func (r *Resolver) retryMessage(ctx context.Context, id pulid.ID) (*ent.Message, error) {
	return nil, errNotYet
}

// replyTo is Message.replyTo: the message an outbound message quotes.
func (r *Resolver) replyTo(ctx context.Context, m *ent.Message) (*ent.Message, error) {
	if m.ReplyToID == nil {
		return nil, nil
	}
	q, err := r.client(ctx).Message.Get(ctx, *m.ReplyToID)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return q, err
}

func (r *Resolver) updateChannel(ctx context.Context, id pulid.ID, in model.UpdateChannelInput) (*ent.Channel, error) {
	return nil, errNotYet
}
