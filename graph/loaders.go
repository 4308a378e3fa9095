package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vikstrous/dataloadgen"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/internal/pulid"
)

// loaders batch the per-row reads of one operation: gqlgen resolves a
// page's fields concurrently, and a loader turns their reads into one
// query per batch. They keep no cache, so a subscription's later events
// read fresh rows.
type loaders struct {
	// messageOutcome loads a message's status and error (a campaign
	// recipient's outcome).
	messageOutcome *dataloadgen.Loader[pulid.ID, *ent.Message]
}

type loadersKey struct{}

// withLoaders is an AroundOperations hook that gives the operation its
// loaders.
func (r *Resolver) withLoaders(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	l := &loaders{
		messageOutcome: dataloadgen.NewMappedLoader(r.fetchMessageOutcomes,
			dataloadgen.WithoutCache(), dataloadgen.WithWait(2*time.Millisecond), dataloadgen.WithBatchCapacity(500)),
	}
	return next(context.WithValue(ctx, loadersKey{}, l))
}

func loadersOf(ctx context.Context) *loaders {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	return l
}

// fetchMessageOutcomes reads the status and error of the messages with
// the given ids, in one query; the caller's tenant filters them as any
// read. A missing id is not an error: its recipient shows its own state.
func (r *Resolver) fetchMessageOutcomes(ctx context.Context, ids []pulid.ID) (map[pulid.ID]*ent.Message, error) {
	ms, err := r.client(ctx).Message.Query().Where(message.IDIn(ids...)).
		Select(message.FieldID, message.FieldStatus, message.FieldError, message.FieldSendState, message.FieldAttempts).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[pulid.ID]*ent.Message, len(ms))
	for _, m := range ms {
		out[m.ID] = m
	}
	return out, nil
}
