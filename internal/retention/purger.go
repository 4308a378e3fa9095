package retention

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"switchboard/ent"
	"switchboard/ent/retentionmark"
	"switchboard/ent/retentiontally"
	"switchboard/ent/schema/schematype"
	"switchboard/ent/tenant"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// MarkID names the one retention_marks row.
const MarkID = "retention"

// Defaults of the Purger's schedule.
const (
	// DefaultEvery: retention periods are days long; an hour late is
	// nothing, and an hourly run has little to do each time.
	DefaultEvery = time.Hour
	// DefaultDelay lets a starting server apply migrations, start its
	// workers and serve traffic before the first run.
	DefaultDelay = time.Minute
	// DefaultLease outlives a batch by far; the lease is renewed after
	// every batch, so a long run keeps it and a crashed one frees it soon.
	DefaultLease = 5 * time.Minute
	// DefaultBatch bounds the rows one statement or transaction touches,
	// so that no lock is held long enough for the inbox to notice.
	DefaultBatch = 500
)

// MediaStore deletes messages' stored files (internal/media's Store).
type MediaStore interface {
	DeleteMessageFile(ctx context.Context, tenant, message pulid.ID, md *schematype.Media) error
}

// Purger removes what is past its retention period. Run it on every
// replica: a lease on the mark lets one at a time do the work.
type Purger struct {
	Client *ent.Client
	Media  MediaStore // nil: no files to delete (tests without a store)
	Policy Policy
	Owner  string // names this replica in the lease
	Every  time.Duration
	Delay  time.Duration
	Lease  time.Duration
	Batch  int
	Log    *slog.Logger
	// Metrics receives what each run removed; nil counts nothing.
	Metrics *Metrics
	// Now is the clock, injectable for tests; nil is time.Now.
	Now func() time.Time
}

// Result is what one Step did.
type Result struct {
	// Ran is false when another replica held the lease.
	Ran    bool
	Purged Counts
}

func (p *Purger) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Purger) batch() int {
	if p.Batch > 0 {
		return p.Batch
	}
	return DefaultBatch
}

func (p *Purger) lease() time.Duration {
	if p.Lease > 0 {
		return p.Lease
	}
	return DefaultLease
}

// Run steps p.Delay after it starts, then every p.Every, until ctx ends.
func (p *Purger) Run(ctx context.Context) {
	delay, every := p.Delay, p.Every
	if delay <= 0 {
		delay = DefaultDelay
	}
	if every <= 0 {
		every = DefaultEvery
	}
	timer := time.NewTimer(delay)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if _, err := p.Step(ctx); err != nil && ctx.Err() == nil && p.Log != nil {
			p.Log.Error("retention: purge", "err", err)
		}
		timer.Reset(every)
	}
}

// errLeaseLost stops a run whose lease another replica took over (it
// stalled past the lease): that replica carries on from where the rows
// are now, and this one must not write the mark.
var errLeaseLost = errors.New("retention: the lease was taken over by another replica")

// Step runs the purge once, unless another replica holds the lease. The
// run's start, end, error and counts are kept in the mark, and each
// tenant's counts in its tally, for retentionStatus.
func (p *Purger) Step(ctx context.Context) (Result, error) {
	ctx = viewer.System(ctx)
	start := p.now()
	ok, err := p.acquire(ctx, start)
	if err != nil || !ok {
		return Result{}, err
	}
	defer p.release(ctx)
	if err := p.Client.RetentionMark.UpdateOneID(MarkID).Where(retentionmark.LeaseOwner(p.Owner)).
		SetLastRunAt(start).Exec(ctx); err != nil {
		return Result{}, err
	}
	purged, runErr := p.run(ctx, start)
	if errors.Is(runErr, errLeaseLost) {
		return Result{Ran: true, Purged: purged}, runErr
	}
	end := p.now()
	if p.Metrics != nil {
		p.Metrics.observe(purged, runErr, start, end)
	}
	upd := p.Client.RetentionMark.UpdateOneID(MarkID).Where(retentionmark.LeaseOwner(p.Owner)).
		SetLastFinishedAt(end).SetPurged(purged.stored())
	if runErr != nil {
		upd.SetLastError(truncate(runErr.Error(), 1000))
	} else {
		upd.SetLastError("").SetLastSuccessAt(start)
	}
	if err := upd.Exec(context.WithoutCancel(ctx)); err != nil {
		return Result{Ran: true, Purged: purged}, errors.Join(runErr, err)
	}
	return Result{Ran: true, Purged: purged}, runErr
}

// run purges every kind. A kind that fails does not stop the others: each
// period is its own promise. The errors name kinds, never tenants (the
// message is shown to every tenant's admins); the log names the tenant.
func (p *Purger) run(ctx context.Context, now time.Time) (Counts, error) {
	total := Counts{}
	var errs []error
	tenants, err := p.Client.Tenant.Query().Select(tenant.FieldID, tenant.FieldMessageRetentionDays).All(ctx)
	if err != nil {
		return total, fmt.Errorf("tenants: %w", err)
	}
	for _, t := range tenants {
		counts, err := p.tenant(ctx, t, now)
		total.add(counts)
		if errors.Is(err, errLeaseLost) || ctx.Err() != nil {
			return total, errors.Join(err, ctx.Err())
		}
		if err != nil {
			if p.Log != nil {
				p.Log.ErrorContext(ctx, "retention: tenant purge", "tenant", t.ID, "err", err)
			}
			errs = append(errs, err)
		}
	}
	counts, err := p.system(ctx, now)
	total.add(counts)
	if err != nil {
		errs = append(errs, err)
	}
	return total, errors.Join(errs...)
}

// tenant purges one tenant's data and records its tally. Its tally is
// written even when a kind failed, with what the run did remove.
func (p *Purger) tenant(ctx context.Context, t *ent.Tenant, now time.Time) (Counts, error) {
	counts := Counts{}
	var errs []error
	msgs, files, err := p.purgeMessages(ctx, t, now)
	counts[KindMessages], counts[KindMediaFiles] = msgs, files
	if errors.Is(err, errLeaseLost) {
		return counts, err
	}
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", KindMessages, err))
	}
	for _, d := range p.tenantDeletes(t.ID, now) {
		n, err := p.sweep(ctx, d)
		counts[d.kind] = n
		if errors.Is(err, errLeaseLost) {
			return counts, err
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.kind, err))
		}
	}
	if err := p.tally(ctx, t.ID, now, counts); err != nil {
		errs = append(errs, fmt.Errorf("tally: %w", err))
	}
	return counts, errors.Join(errs...)
}

// system deletes the deployment's own rows past their periods.
func (p *Purger) system(ctx context.Context, now time.Time) (Counts, error) {
	counts := Counts{}
	var errs []error
	for _, d := range p.systemDeletes(now) {
		n, err := p.sweep(ctx, d)
		counts[d.kind] = n
		if errors.Is(err, errLeaseLost) {
			return counts, err
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.kind, err))
		}
	}
	return counts, errors.Join(errs...)
}

// tally records what this run removed of the tenant's data.
func (p *Purger) tally(ctx context.Context, t pulid.ID, now time.Time, counts Counts) error {
	kept := Counts{}
	for _, k := range TenantKinds {
		kept[k] = counts[k]
	}
	return p.Client.RetentionTally.Create().SetTenantID(t).SetRunAt(now).SetPurged(kept.stored()).
		OnConflictColumns(retentiontally.FieldTenantID).UpdateRunAt().UpdatePurged().Exec(ctx)
}

// acquire takes the lease if it is free, expired or already this
// replica's.
func (p *Purger) acquire(ctx context.Context, now time.Time) (bool, error) {
	err := p.Client.RetentionMark.Create().SetID(MarkID).OnConflictColumns(retentionmark.FieldID).DoNothing().Exec(ctx)
	if err != nil && !errors.Is(err, stdsql.ErrNoRows) {
		return false, err
	}
	n, err := p.Client.RetentionMark.Update().
		Where(retentionmark.ID(MarkID), retentionmark.Or(retentionmark.LeaseUntilIsNil(),
			retentionmark.LeaseUntilLT(now), retentionmark.LeaseOwner(p.Owner))).
		SetLeaseOwner(p.Owner).SetLeaseUntil(now.Add(p.lease())).Save(ctx)
	return n == 1, err
}

// renew extends the lease after a batch; errLeaseLost when it is no
// longer this replica's.
func (p *Purger) renew(ctx context.Context) error {
	n, err := p.Client.RetentionMark.Update().Where(retentionmark.ID(MarkID), retentionmark.LeaseOwner(p.Owner)).
		SetLeaseUntil(p.now().Add(p.lease())).Save(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return errLeaseLost
	}
	return nil
}

// release frees the lease, even when ctx was cancelled (a shutdown).
func (p *Purger) release(ctx context.Context) {
	err := p.Client.RetentionMark.Update().Where(retentionmark.ID(MarkID), retentionmark.LeaseOwner(p.Owner)).
		ClearLeaseUntil().Exec(context.WithoutCancel(ctx))
	if err != nil && p.Log != nil {
		p.Log.Warn("retention: release the lease", "err", err)
	}
}

// truncate cuts s to n bytes without splitting a character (PostgreSQL
// refuses invalid UTF-8).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
