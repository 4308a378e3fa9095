package jobs

import (
	"context"

	"switchboard/ent"
)

// Claim and RunClaimed split RunOnce in two, so that tests can let a
// claim go stale and another runner retake its jobs before it runs.
func (r *Runner) Claim(ctx context.Context) ([]*ent.Job, error) { return r.claim(ctx) }

func (r *Runner) RunClaimed(ctx context.Context, js []*ent.Job) { r.runClaimed(ctx, js) }

func (r *Runner) Release(ctx context.Context, js []*ent.Job) { r.release(ctx, js) }
