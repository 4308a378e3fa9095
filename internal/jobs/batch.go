package jobs

import (
	"context"
	"slices"
	"time"

	"switchboard/ent"
	"switchboard/ent/job"
	"switchboard/ent/predicate"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// BatchHandler does several jobs of one kind inside tx, in the order
// given. It exists for kinds whose cost is mostly per transaction (a
// commit, a contended lock, a lookup that the jobs share): run together,
// a few hundred jobs pay those once. It must leave the database as
// running the jobs one by one would: when it returns an error, tx rolls
// back and the runner runs each job alone, with the same handler and a
// one-job slice.
type BatchHandler func(ctx context.Context, tx *ent.Tx, js []*ent.Job) error

type batchKind struct {
	max int
	h   BatchHandler
}

// HandleBatch registers the batch handler of a job kind: each worker
// claims up to max due jobs of the kind at once (apart from Options.Batch,
// which bounds the other kinds) and runs them in one transaction that also
// marks them done. A batch that fails is retried job by job in the same
// pass, so one job that cannot succeed fails alone (retry with backoff,
// then FAILED) while the others complete; and a job that has failed before
// runs alone from then on. Register before Run.
func (r *Runner) HandleBatch(kind string, max int, h BatchHandler) {
	if max <= 0 {
		max = 100
	}
	if _, ok := r.batches[kind]; !ok {
		r.kinds = append(r.kinds, kind)
		slices.Sort(r.kinds)
	}
	r.batches[kind] = batchKind{max: max, h: h}
	r.handlers[kind] = func(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
		return h(ctx, tx, []*ent.Job{j})
	}
}

// runBatch runs jobs of one batch kind in one transaction. The jobs are
// marked done first, under their row locks and only while this worker
// still holds their leases; a job whose lease was lost to another worker
// (this one stalled past the lease) is left to that worker and not run
// here, and no other worker can retake the others until the batch ends.
func (r *Runner) runBatch(ctx context.Context, b batchKind, js []*ent.Job) {
	sys := viewer.System(ctx)
	held := 0
	err := r.inTx(sys, func(tx *ent.Tx) error {
		own, err := r.hold(sys, tx, js)
		if err != nil || len(own) == 0 {
			return err
		}
		held = len(own)
		return r.call(func() error { return b.h(sys, tx, own) })
	})
	if err == nil {
		if lost := len(js) - held; lost > 0 {
			r.log.Warn("job leases lost before their batch ran; their new holders run them", "kind", js[0].Kind, "jobs", lost)
		}
		return
	}
	if ctx.Err() != nil {
		r.release(ctx, js)
		return
	}
	// Deadlocks and serialization failures land here too: nothing was
	// committed, and the jobs run again, alone.
	r.log.Warn("job batch failed; running its jobs one at a time", "kind", js[0].Kind, "jobs", len(js), "err", err)
	for _, j := range js {
		if ctx.Err() != nil {
			r.release(ctx, []*ent.Job{j})
			continue
		}
		r.run(ctx, j)
	}
}

// hold marks as DONE, within tx, those of js whose lease this worker still
// holds, locking their rows (PostgreSQL) until tx ends, and returns them
// in their order in js.
func (r *Runner) hold(ctx context.Context, tx *ent.Tx, js []*ent.Job) ([]*ent.Job, error) {
	q := tx.Job.Query().Where(leased(js)).Order(ent.Asc(job.FieldID))
	if r.opt.SkipLocked {
		q.ForUpdate() // wait for a concurrent claim to commit, then see its lease
	}
	ids, err := q.IDs(ctx)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	if err := tx.Job.Update().Where(job.IDIn(ids...)).SetStatus(job.StatusDONE).ClearLockedUntil().Exec(ctx); err != nil {
		return nil, err
	}
	mine := make(map[pulid.ID]bool, len(ids))
	for _, id := range ids {
		mine[id] = true
	}
	own := make([]*ent.Job, 0, len(ids))
	for _, j := range js {
		if mine[j.ID] {
			own = append(own, j)
		}
	}
	return own, nil
}

// release hands claimed jobs that were not run back to the queue, due at
// once, so that a worker stopping does not leave them waiting for their
// lease to run out. They get back the attempt their claim counted: they
// did not run, and restarts must not use up a job's budget. It works
// after ctx has ended.
func (r *Runner) release(ctx context.Context, js []*ent.Job) {
	if len(js) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(viewer.System(ctx)), 10*time.Second)
	defer cancel()
	err := r.client.Job.Update().Where(leased(js)).
		SetStatus(job.StatusPENDING).ClearLockedUntil().SetRunAt(r.now()).AddAttempts(-1).Exec(ctx)
	if err != nil {
		r.log.Error("claimed jobs not released; their leases will expire", "jobs", len(js), "err", err)
	}
}

// leased matches the jobs of js that are still RUNNING under the lease
// this worker's claim took: their fencing token is still the one the
// claim set. Once another worker retakes a job, its token moves on and
// this worker's updates of it match nothing.
func leased(js []*ent.Job) predicate.Job {
	return job.And(job.StatusEQ(job.StatusRUNNING), byToken(js))
}

// byToken matches the jobs of js whose lease token is still the one in
// js, whatever their status; jobs with the same token share one IN list,
// so a batch of hundreds is a few conditions, not hundreds.
func byToken(js []*ent.Job) predicate.Job {
	byLease := map[int64][]pulid.ID{}
	var leases []int64
	for _, j := range js {
		if _, ok := byLease[j.Lease]; !ok {
			leases = append(leases, j.Lease)
		}
		byLease[j.Lease] = append(byLease[j.Lease], j.ID)
	}
	ors := make([]predicate.Job, len(leases))
	for i, l := range leases {
		ors[i] = job.And(job.Lease(l), job.IDIn(byLease[l]...))
	}
	return job.Or(ors...)
}
