package graph

import (
	"context"
	"time"

	"switchboard/graph/model"
	"switchboard/internal/pulid"
)

func (r *Resolver) messageStats(ctx context.Context, from, to time.Time, channelID *pulid.ID) (*model.MessageStats, error) {
	return nil, errNotYet
}

func (r *Resolver) billableUsage(ctx context.Context, from, to time.Time, channelID *pulid.ID) ([]*model.UsageRow, error) {
	return nil, errNotYet
}
