package graph

import (
	"context"

	"switchboard/ent"
	"switchboard/internal/apperr"
	"switchboard/internal/pulid"
)

// errNoNode is the one answer for an ID that is malformed, unknown, deleted
// or another tenant's: callers cannot tell them apart.
var errNoNode = apperr.NotFoundf("no object with that id")

func (r *Resolver) node(ctx context.Context, id pulid.ID) (ent.Noder, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	n, err := r.Client.Noder(ctx, id, ent.WithNodeType(ent.IDToType))
	if ent.IsNotFound(err) {
		return nil, errNoNode
	}
	return n, err
}

func (r *Resolver) nodes(ctx context.Context, ids []pulid.ID) ([]ent.Noder, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	if len(ids) > MaxPageSize {
		return nil, apperr.Input("ids", "at most %d ids at once", MaxPageSize)
	}
	// One lookup per id (at most MaxPageSize): ent's batched Noders fails
	// the whole list when one id is missing, and a missing or foreign id
	// must simply be null.
	out := make([]ent.Noder, len(ids))
	for i, id := range ids {
		n, err := r.node(ctx, id)
		if err != nil && err != errNoNode {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}
