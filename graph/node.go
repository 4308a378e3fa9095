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
	out := make([]ent.Noder, len(ids))
	var known []pulid.ID
	var at []int
	for i, id := range ids {
		if _, err := ent.IDToType(ctx, id); err == nil {
			known = append(known, id)
			at = append(at, i)
		}
	}
	if len(known) == 1 {
		n, err := r.node(ctx, known[0])
		if err != nil && err != errNoNode {
			return nil, err
		}
		out[at[0]] = n
		return out, nil
	}
	found, err := r.Client.Noders(ctx, known, ent.WithNodeType(ent.IDToType))
	if err != nil {
		return nil, err
	}
	for i, n := range found {
		out[at[i]] = n
	}
	return out, nil
}
