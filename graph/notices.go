package graph

import (
	"context"
	"time"

	"switchboard/ent"
	"switchboard/internal/notices"
)

// notices is what the operator published for the caller's tenant and for
// every tenant, live now. Any member reads them, agents and API keys too:
// a security notice has to reach everyone who works with the data.
func (r *Resolver) notices(ctx context.Context) ([]*ent.Notice, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	return notices.Live(ctx, r.client(ctx), time.Now())
}
