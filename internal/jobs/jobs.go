// Package jobs is Switchboard's durable background queue, kept in the jobs
// table. Work is enqueued in the same transaction as the change that needs
// it, claimed by workers with a lease (FOR UPDATE SKIP LOCKED on
// PostgreSQL, so replicas share the queue), and done in a transaction that
// also marks the job finished. A worker that dies leaves its jobs to be
// claimed again when the lease runs out, so every job runs to completion
// at least once; handlers make their effects idempotent.
//
// Kinds registered with HandleBatch run many jobs in one transaction (see
// batch.go): one commit, and whatever per-transaction costs the handler
// pays once, for up to a few hundred jobs.
//
// Each claim increments the job's lease, a fencing token: a worker
// finishes, fails or releases a job only with an update conditioned on
// the token its claim set. A worker that stalls past its lease and whose
// job another worker retook therefore changes nothing: its update
// matches no row, and the transaction holding its handler's effects rolls
// back (ErrLeaseLost). Two workers can never both finish a job.
//
// A job that runs out of attempts (or fails permanently, or whose workers
// keep dying under it) is kept as a dead letter: status FAILED, with its
// last error and failed_at. It is counted in metrics (metrics.go), and an
// operator lists and re-drives dead jobs with dead.go's functions
// (`switchboard jobs`).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql"
	"github.com/prometheus/client_golang/prometheus"

	"switchboard/ent"
	"switchboard/ent/job"
	"switchboard/ent/predicate"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Handler does one job inside tx; returning an error rolls tx back and
// schedules a retry.
type Handler func(ctx context.Context, tx *ent.Tx, j *ent.Job) error

// Enqueue adds a job with c, normally the caller's transaction client, so
// the job exists if and only if the change that needs it commits.
func Enqueue(ctx context.Context, c *ent.Client, kind string, tenant pulid.ID, payload []byte) (*ent.Job, error) {
	q := c.Job.Create().SetKind(kind).SetPayload(payload)
	if tenant != "" {
		q.SetTenantID(tenant)
	}
	return q.Save(viewer.System(ctx))
}

// EnqueueBulk adds one job of the kind per payload with c, in one
// statement, for callers that enqueue many at once (the webhook batcher).
func EnqueueBulk(ctx context.Context, c *ent.Client, kind string, payloads [][]byte) error {
	creates := make([]*ent.JobCreate, len(payloads))
	for i, p := range payloads {
		creates[i] = c.Job.Create().SetKind(kind).SetPayload(p)
	}
	return c.Job.CreateBulk(creates...).Exec(viewer.System(ctx))
}

// Options tune a Runner.
type Options struct {
	// SkipLocked claims with FOR UPDATE SKIP LOCKED (PostgreSQL). SQLite
	// needs none: its write transactions are serialized (_txlock=immediate).
	SkipLocked bool
	Workers    int           // concurrent workers (default 4)
	Batch      int           // jobs of single-handler kinds claimed at once per worker (default 16)
	Lease      time.Duration // how long a claim lasts before others may retake it (default 1m)
	Poll       time.Duration // idle polling interval; Notify wakes workers sooner (default 1s)
	BaseRetry  time.Duration // first retry delay, doubled per attempt (default 1s)
	// Registry receives the runner's metrics (metrics.go); nil registers
	// none.
	Registry prometheus.Registerer
}

// Runner claims and runs jobs until its context ends.
type Runner struct {
	client   *ent.Client
	log      *slog.Logger
	opt      Options
	handlers map[string]Handler
	onDead   map[string]Handler
	batches  map[string]batchKind
	kinds    []string // the keys of batches, sorted: claimed in this order
	wake     chan struct{}
	now      func() time.Time
	dead     *prometheus.CounterVec // switchboard_jobs_dead_total
}

// NewRunner returns a Runner; register handlers before Run.
func NewRunner(client *ent.Client, log *slog.Logger, opt Options) *Runner {
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.Batch <= 0 {
		opt.Batch = 16
	}
	if opt.Lease <= 0 {
		opt.Lease = time.Minute
	}
	if opt.Poll <= 0 {
		opt.Poll = time.Second
	}
	if opt.BaseRetry <= 0 {
		opt.BaseRetry = time.Second
	}
	return &Runner{client: client, log: log, opt: opt, handlers: map[string]Handler{}, onDead: map[string]Handler{},
		batches: map[string]batchKind{}, wake: make(chan struct{}, 1), now: time.Now,
		dead: registerMetrics(opt.Registry, client, log)}
}

// OnDead registers what to do when a job of kind dies (its last attempt
// failed, or its worker stopped during it): the domain's own record of
// the failure, such as a media file marked FAILED with the reason, so
// that nothing stays pending behind a dead job. h runs once, in its own
// transaction, after the job is recorded FAILED; a job retried later
// (switchboard jobs retry) runs its handler again.
func (r *Runner) OnDead(kind string, h Handler) {
	r.onDead[kind] = h
}

// Handle registers the handler of a job kind. Register before Run.
func (r *Runner) Handle(kind string, h Handler) {
	r.handlers[kind] = h
	if _, ok := r.batches[kind]; ok {
		delete(r.batches, kind)
		r.kinds = slices.DeleteFunc(r.kinds, func(k string) bool { return k == kind })
	}
}

// Notify wakes an idle worker: call it after committing new jobs.
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx is cancelled, then waits for running jobs to end.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range r.opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(ctx)
		}()
	}
	wg.Wait()
}

func (r *Runner) work(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		n, err := r.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("job claim failed", "err", err)
		}
		if n > 0 {
			continue // there may be more
		}
		timer.Reset(r.opt.Poll + time.Duration(rand.Int64N(int64(r.opt.Poll/4)+1)))
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-timer.C:
		}
	}
}

// RunOnce claims jobs and runs them; it returns how many jobs it claimed.
// Tests call it to drive the queue deterministically.
//
// Jobs of batch kinds run first, together (see runBatch); then the others,
// one transaction each. If ctx ends meanwhile, the jobs not yet started
// are handed back to the queue rather than left leased.
func (r *Runner) RunOnce(ctx context.Context) (int, error) {
	claimed, err := r.claim(ctx)
	if err != nil {
		return 0, err
	}
	r.runClaimed(ctx, claimed)
	return len(claimed), nil
}

// runClaimed runs the jobs of one claim, as RunOnce describes.
func (r *Runner) runClaimed(ctx context.Context, claimed []*ent.Job) {
	groups := map[string][]*ent.Job{}
	var singles []*ent.Job
	for _, j := range claimed {
		// A job that has failed before runs alone: it may be the one that
		// broke its batch, and it would break the next one too.
		if _, ok := r.batches[j.Kind]; ok && j.LastError == "" {
			groups[j.Kind] = append(groups[j.Kind], j)
		} else {
			singles = append(singles, j)
		}
	}
	var units [][]*ent.Job
	for _, k := range r.kinds {
		for js := groups[k]; len(js) > 0; {
			n := min(len(js), r.batches[k].max)
			units = append(units, js[:n])
			js = js[n:]
		}
	}
	for _, j := range singles {
		units = append(units, []*ent.Job{j})
	}
	for i, u := range units {
		if ctx.Err() != nil {
			r.release(ctx, slices.Concat(units[i:]...))
			break
		}
		if b, ok := r.batches[u[0].Kind]; ok && len(u) > 1 {
			r.runBatch(ctx, b, u)
		} else {
			r.run(ctx, u[0])
		}
	}
}

// claim takes runnable jobs: pending ones that are due, and running ones
// whose lease expired (their worker died). Each batch kind is claimed up
// to its batch size, the other kinds together up to Options.Batch, so that
// a backlog of one kind does not starve the others.
func (r *Runner) claim(ctx context.Context) ([]*ent.Job, error) {
	sys := viewer.System(ctx)
	tx, err := r.client.Tx(sys)
	if err != nil {
		return nil, err
	}
	now := r.now()
	due := job.Or(
		job.And(job.StatusEQ(job.StatusPENDING), job.RunAtLTE(now)),
		job.And(job.StatusEQ(job.StatusRUNNING), job.LockedUntilLT(now)),
	)
	take := func(limit int, kind ...predicate.Job) ([]*ent.Job, error) {
		q := tx.Job.Query().Where(due).Where(kind...).Order(ent.Asc(job.FieldRunAt)).Limit(limit)
		if r.opt.SkipLocked {
			q.ForUpdate(sql.WithLockAction(sql.SkipLocked))
		}
		return q.All(sys)
	}
	var others []predicate.Job
	if len(r.kinds) > 0 {
		others = append(others, job.KindNotIn(r.kinds...))
	}
	jobs, err := take(r.opt.Batch, others...)
	for _, k := range r.kinds {
		if err != nil {
			break
		}
		var js []*ent.Job
		js, err = take(r.batches[k].max, job.Kind(k))
		jobs = append(jobs, js...)
	}
	if err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	if len(jobs) == 0 {
		return nil, tx.Rollback()
	}
	var live []*ent.Job
	for _, j := range jobs {
		if j.Status != job.StatusRUNNING || j.Attempts < j.MaxAttempts {
			live = append(live, j) // the rest are buried below
		}
	}
	until := now.Add(r.opt.Lease)
	if len(live) > 0 {
		// The update repeats the condition and the tokens read above:
		// without row locks (PostgreSQL without SkipLocked) two claimers
		// may read the same row, or its holder may finish it meanwhile,
		// and only one update may take it. A claimer that loses takes
		// nothing this round.
		n, err := tx.Job.Update().Where(due, byToken(live)).SetStatus(job.StatusRUNNING).
			SetLockedUntil(until).AddAttempts(1).AddLease(1).Save(sys)
		if err == nil && n != len(live) {
			err = ErrLeaseLost
		}
		if errors.Is(err, ErrLeaseLost) {
			_ = tx.Rollback()
			return nil, nil
		}
		if err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("jobs: lease: %w", err)
		}
	}
	abandoned, jobs, err := r.bury(sys, tx, now, jobs)
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("jobs: claim commit: %w", err)
	}
	for _, j := range abandoned {
		r.died(sys, j)
	}
	for _, j := range jobs {
		j.Status = job.StatusRUNNING
		j.Attempts++
		j.Lease++
		j.LockedUntil = &until
	}
	return jobs, nil
}

// bury marks FAILED, within the claiming tx, the claimed jobs whose
// lease expired on their last allowed attempt: their worker stopped
// (crashed, was killed, or hung) every time, and without this they would
// be retaken forever, never failing and never seen. The others are
// returned to run.
func (r *Runner) bury(ctx context.Context, tx *ent.Tx, now time.Time, claimed []*ent.Job) (dead, live []*ent.Job, err error) {
	for _, j := range claimed {
		if j.Status != job.StatusRUNNING || j.Attempts < j.MaxAttempts {
			live = append(live, j)
			continue
		}
		msg := fmt.Sprintf("abandoned: the worker running attempt %d of %d stopped before finishing (its lease expired)", j.Attempts, j.MaxAttempts)
		if j.LastError != "" {
			msg += "; previous error: " + j.LastError
		}
		msg = truncate(msg, maxErrorLen)
		// Burying is a claim too: it repeats what was read (still running
		// under the same token, its lease expired) and takes the token, so
		// the stalled worker of the last attempt can no longer finish the
		// job. A job its worker finished meanwhile is left alone.
		n, err := tx.Job.Update().Where(byToken([]*ent.Job{j}), job.StatusEQ(job.StatusRUNNING), job.LockedUntilLT(now)).
			SetStatus(job.StatusFAILED).SetLastError(msg).SetFailedAt(now).ClearLockedUntil().AddLease(1).Save(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("jobs: bury abandoned job: %w", err)
		}
		if n == 0 {
			continue
		}
		j.LastError = msg
		j.Status = job.StatusFAILED
		j.FailedAt = &now
		j.LockedUntil = nil
		j.Lease++
		dead = append(dead, j)
	}
	return dead, live, nil
}

// run does one claimed job: the handler's effects and the job's DONE
// status commit together.
func (r *Runner) run(ctx context.Context, j *ent.Job) {
	sys := viewer.System(ctx)
	h, ok := r.handlers[j.Kind]
	if !ok {
		r.finish(sys, j, fmt.Errorf("%w: no handler for job kind %q", ErrPermanent, j.Kind))
		return
	}
	err := r.inTx(sys, func(tx *ent.Tx) error {
		if err := r.call(func() error { return h(sys, tx, j) }); err != nil {
			return err
		}
		// Only the holder of the current lease may complete the job; if
		// another worker retook it, the handler's effects roll back.
		n, err := tx.Job.Update().Where(leased([]*ent.Job{j})).
			SetStatus(job.StatusDONE).ClearLockedUntil().Save(sys)
		if err == nil && n == 0 {
			return fmt.Errorf("%w: job %s, lease %d", ErrLeaseLost, j.ID, j.Lease)
		}
		return err
	})
	if errors.Is(err, ErrLeaseLost) {
		// Its outcome is the new holder's to record.
		r.log.Warn("job lease lost before completion; its new holder runs it", "job", j.ID, "kind", j.Kind, "lease", j.Lease)
		return
	}
	if err != nil {
		r.finish(sys, j, err)
	}
}

// finish records a failure: retry later with backoff, or give up. Only
// while this worker still holds the job's lease: once another worker has
// retaken the job, its outcome is that worker's to record. It records even
// when ctx has ended (shutdown), so the job is retried at once rather than
// when its lease runs out.
func (r *Runner) finish(ctx context.Context, j *ent.Job, cause error) {
	r.log.Warn("job failed", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts, "err", cause)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	upd := r.client.Job.Update().Where(leased([]*ent.Job{j})).
		SetLastError(truncate(cause.Error(), maxErrorLen)).ClearLockedUntil()
	dies := errors.Is(cause, ErrPermanent) || j.Attempts >= j.MaxAttempts
	if dies {
		upd.SetStatus(job.StatusFAILED).SetFailedAt(r.now())
	} else {
		delay := r.opt.BaseRetry << min(j.Attempts-1, 12)
		upd.SetStatus(job.StatusPENDING).SetRunAt(r.now().Add(delay))
	}
	n, err := upd.Save(ctx)
	if err != nil {
		r.log.Error("job failure not recorded; its lease will expire", "job", j.ID, "err", err)
		return
	}
	if dies && n == 1 {
		r.died(ctx, j)
	}
}

// died makes a job's death visible: an error log line, the dead-jobs
// counter, and its kind's OnDead record. The job itself stays in the
// table, FAILED, until retried.
func (r *Runner) died(ctx context.Context, j *ent.Job) {
	r.log.Error("job dead: kept as FAILED until retried (switchboard jobs retry)", "job", j.ID, "kind", j.Kind, "attempts", j.Attempts)
	r.dead.WithLabelValues(j.Kind).Inc()
	h := r.onDead[j.Kind]
	if h == nil {
		return
	}
	sys := viewer.System(context.WithoutCancel(ctx))
	if err := r.inTx(sys, func(tx *ent.Tx) error { return r.call(func() error { return h(sys, tx, j) }) }); err != nil {
		r.log.Error("job dead: its kind's record of the failure was not written", "job", j.ID, "kind", j.Kind, "err", err)
	}
}

// call runs a handler, turning a panic into an error: one bad job must
// fail (and, retried to the end, die) on its own rather than take the
// process, and every job in flight with it, down again on each retry.
func (r *Runner) call(h func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("job handler panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("jobs: handler panicked: %v", p)
		}
	}()
	return h()
}

func (r *Runner) inTx(ctx context.Context, fn func(*ent.Tx) error) error {
	tx, err := r.client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// maxErrorLen bounds the last_error kept with a job.
const maxErrorLen = 1000

// truncate clips s to at most n bytes of valid UTF-8 without NUL bytes:
// PostgreSQL refuses text with either, and the error of a job that fails
// on bad bytes must still be kept.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
