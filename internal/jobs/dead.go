package jobs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/job"
	"switchboard/ent/predicate"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Dead jobs are jobs kept with status FAILED: they ran out of attempts,
// failed permanently, or their workers kept dying under them. Nothing runs
// them again until an operator retries them. The functions below are what
// `switchboard jobs` does; jobs are system rows, so they act as the system
// viewer, across tenants.

// DeadFilter selects dead jobs.
type DeadFilter struct {
	Kind  string // only this kind; "" = every kind
	Limit int    // at most this many; <= 0 = no limit
}

func (f DeadFilter) where() []predicate.Job {
	ps := []predicate.Job{job.StatusEQ(job.StatusFAILED)}
	if f.Kind != "" {
		ps = append(ps, job.Kind(f.Kind))
	}
	return ps
}

// ListDead returns dead jobs, the most recently created first, without
// their payloads (which may hold customer data an operator need not see).
func ListDead(ctx context.Context, c *ent.Client, f DeadFilter) ([]*ent.Job, error) {
	q := c.Job.Query().Where(f.where()...).Order(ent.Desc(job.FieldID)).
		Select(job.FieldKind, job.FieldTenantID, job.FieldStatus, job.FieldAttempts, job.FieldMaxAttempts,
			job.FieldLastError, job.FieldFailedAt, job.FieldCreatedAt, job.FieldRunAt)
	if f.Limit > 0 {
		q.Limit(f.Limit)
	}
	js, err := q.All(viewer.System(ctx))
	if err != nil {
		return nil, fmt.Errorf("jobs: list dead: %w", err)
	}
	return js, nil
}

// Retry puts the dead jobs among ids back in the queue, due now, with a
// fresh attempt budget; the runner takes them like new jobs. Their last
// error is kept until they fail again (and a job of a batch kind with an
// error runs alone, see RunOnce). It returns the ids it requeued; ids
// that are not dead jobs (unknown, or not FAILED) are left alone.
func Retry(ctx context.Context, c *ent.Client, ids ...pulid.ID) ([]pulid.ID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return retry(ctx, c, job.IDIn(ids...), job.StatusEQ(job.StatusFAILED))
}

// RetryAll requeues every dead job, or those of kind when it is not "",
// as Retry does, and returns their ids.
func RetryAll(ctx context.Context, c *ent.Client, kind string) ([]pulid.ID, error) {
	return retry(ctx, c, DeadFilter{Kind: kind}.where()...)
}

// retry requeues the FAILED jobs that match, in one transaction: the
// update repeats the FAILED condition, so a job is requeued once however
// many operators retry it at the same time. It keeps the jobs' lease
// tokens: they only grow, so no claim from before the job died (a worker
// still stalled in it) can match the requeued job or its next claim.
func retry(ctx context.Context, c *ent.Client, where ...predicate.Job) ([]pulid.ID, error) {
	sys := viewer.System(ctx)
	tx, err := c.Tx(sys)
	if err != nil {
		return nil, fmt.Errorf("jobs: retry: %w", err)
	}
	var ids []pulid.ID
	err = tx.Job.Query().Where(where...).Order(ent.Asc(job.FieldID)).Select(job.FieldID).
		Modify(lockOnPostgres).Scan(sys, &ids)
	if err == nil && len(ids) > 0 {
		err = tx.Job.Update().Where(job.IDIn(ids...), job.StatusEQ(job.StatusFAILED)).
			SetStatus(job.StatusPENDING).SetAttempts(0).SetRunAt(time.Now()).
			ClearFailedAt().ClearLockedUntil().Exec(sys)
	}
	if err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("jobs: retry: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("jobs: retry: %w", err)
	}
	return ids, nil
}

// lockOnPostgres locks the selected rows until the transaction ends.
// SQLite has no row locks and needs none: its write transactions are
// serialized (_txlock=immediate).
func lockOnPostgres(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.ForUpdate()
	}
}

// KindStats counts the jobs of one kind by status.
type KindStats struct {
	Kind    string `json:"kind"`
	Pending int    `json:"pending"`
	Running int    `json:"running"`
	Done    int    `json:"done"`
	Failed  int    `json:"failed"`
}

// Stats counts jobs per kind and status, kinds in name order.
func Stats(ctx context.Context, c *ent.Client) ([]KindStats, error) {
	var rows []struct {
		Kind   string     `json:"kind"`
		Status job.Status `json:"status"`
		Count  int        `json:"count"`
	}
	err := c.Job.Query().GroupBy(job.FieldKind, job.FieldStatus).Aggregate(ent.Count()).Scan(viewer.System(ctx), &rows)
	if err != nil {
		return nil, fmt.Errorf("jobs: stats: %w", err)
	}
	byKind := map[string]*KindStats{}
	for _, r := range rows {
		s := byKind[r.Kind]
		if s == nil {
			s = &KindStats{Kind: r.Kind}
			byKind[r.Kind] = s
		}
		switch r.Status {
		case job.StatusPENDING:
			s.Pending += r.Count
		case job.StatusRUNNING:
			s.Running += r.Count
		case job.StatusDONE:
			s.Done += r.Count
		case job.StatusFAILED:
			s.Failed += r.Count
		}
	}
	out := make([]KindStats, 0, len(byKind))
	for _, s := range byKind {
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b KindStats) int {
		if a.Kind < b.Kind {
			return -1
		}
		if a.Kind > b.Kind {
			return 1
		}
		return 0
	})
	return out, nil
}
