package retention

import (
	"context"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent/auditlog"
	"switchboard/ent/job"
	"switchboard/ent/loginfailure"
	"switchboard/ent/messagedaily"
	"switchboard/ent/pendingstatus"
	"switchboard/ent/predicate"
	"switchboard/ent/session"
	"switchboard/ent/throttlekey"
	"switchboard/ent/usagedaily"
	"switchboard/ent/webhookevent"
	"switchboard/internal/analytics"
	"switchboard/internal/pulid"
)

// deletion is one kind of rows deleted by age, a batch at a time: ids
// names up to n rows past their period (found through an index on the
// age column), del deletes those of them that are still past it.
// Repeating the predicates in the delete keeps a row that changed in
// between (a reprocessed webhook, a touched throttle key) from going.
type deletion struct {
	kind Kind
	ids  func(ctx context.Context, n int) ([]pulid.ID, error)
	del  func(ctx context.Context, ids []pulid.ID) (int, error)
}

// rows builds a deletion from one table's query and delete over where.
func rows[P ~func(*sql.Selector)](kind Kind, where []P,
	query func(ctx context.Context, n int, where ...P) ([]pulid.ID, error),
	remove func(ctx context.Context, where ...P) (int, error),
	idIn func(...pulid.ID) P,
) deletion {
	return deletion{
		kind: kind,
		ids:  func(ctx context.Context, n int) ([]pulid.ID, error) { return query(ctx, n, where...) },
		del: func(ctx context.Context, ids []pulid.ID) (int, error) {
			return remove(ctx, append([]P{idIn(ids...)}, where...)...)
		},
	}
}

// sweep runs d batch after batch until nothing is left, renewing the
// lease after each. Each batch is its own short statement. A batch that
// deleted nothing of what it found ends the sweep: the rows changed under
// it, and the next run looks again.
func (p *Purger) sweep(ctx context.Context, d deletion) (int64, error) {
	var total int64
	for {
		ids, err := d.ids(ctx, p.batch())
		if err != nil || len(ids) == 0 {
			return total, err
		}
		n, err := d.del(ctx, ids)
		total += int64(n)
		if err != nil {
			return total, err
		}
		if err := p.renew(ctx); err != nil {
			return total, err
		}
		if len(ids) < p.batch() || n == 0 {
			return total, nil
		}
	}
}

// tenantDeletes are the tenant's rows deleted by age, each through an
// index that starts with tenant_id (pending statuses: created_at).
func (p *Purger) tenantDeletes(t pulid.ID, now time.Time) []deletion {
	c := p.Client
	aggregates := analytics.DayOf(now).AddDate(-AggregateYears, 0, 0)
	return []deletion{
		rows(KindPendingStatuses,
			[]predicate.PendingStatus{pendingstatus.TenantID(t), pendingstatus.CreatedAtLT(now.Add(-PendingStatusKeep))},
			func(ctx context.Context, n int, w ...predicate.PendingStatus) ([]pulid.ID, error) {
				return c.PendingStatus.Query().Where(w...).Limit(n).IDs(ctx)
			},
			func(ctx context.Context, w ...predicate.PendingStatus) (int, error) {
				return c.PendingStatus.Delete().Where(w...).Exec(ctx)
			}, pendingstatus.IDIn),
		rows(KindAuditEntries,
			[]predicate.AuditLog{auditlog.TenantID(t), auditlog.CreatedAtLT(now.AddDate(0, 0, -p.policy().AuditDays))},
			func(ctx context.Context, n int, w ...predicate.AuditLog) ([]pulid.ID, error) {
				return c.AuditLog.Query().Where(w...).Limit(n).IDs(ctx)
			},
			func(ctx context.Context, w ...predicate.AuditLog) (int, error) {
				return c.AuditLog.Delete().Where(w...).Exec(ctx)
			}, auditlog.IDIn),
		rows(KindUsageDailies,
			[]predicate.UsageDaily{usagedaily.TenantID(t), usagedaily.DayLT(aggregates)},
			func(ctx context.Context, n int, w ...predicate.UsageDaily) ([]pulid.ID, error) {
				return c.UsageDaily.Query().Where(w...).Limit(n).IDs(ctx)
			},
			func(ctx context.Context, w ...predicate.UsageDaily) (int, error) {
				return c.UsageDaily.Delete().Where(w...).Exec(ctx)
			}, usagedaily.IDIn),
		rows(KindMessageDailies,
			[]predicate.MessageDaily{messagedaily.TenantID(t), messagedaily.DayLT(aggregates)},
			func(ctx context.Context, n int, w ...predicate.MessageDaily) ([]pulid.ID, error) {
				return c.MessageDaily.Query().Where(w...).Limit(n).IDs(ctx)
			},
			func(ctx context.Context, w ...predicate.MessageDaily) (int, error) {
				return c.MessageDaily.Delete().Where(w...).Exec(ctx)
			}, messagedaily.IDIn),
	}
}

// systemDeletes are the deployment's own rows deleted by age. Pending
// webhooks and pending or running jobs are never deleted, however old.
func (p *Purger) systemDeletes(now time.Time) []deletion {
	c := p.Client
	throttled := now.Add(-ThrottleKeep)
	return []deletion{
		rows(KindWebhookEvents,
			[]predicate.WebhookEvent{webhookevent.StatusIn(webhookevent.StatusPROCESSED, webhookevent.StatusUNROUTED),
				webhookevent.ReceivedAtLT(now.AddDate(0, 0, -p.policy().WebhookDays))},
			webhookQuery(p), webhookDelete(p), webhookevent.IDIn),
		rows(KindFailedWebhookEvents,
			[]predicate.WebhookEvent{webhookevent.StatusEQ(webhookevent.StatusFAILED),
				webhookevent.ReceivedAtLT(now.Add(-FailedWebhookKeep))},
			webhookQuery(p), webhookDelete(p), webhookevent.IDIn),
		// A job has no finishing time: run_at is when its last attempt
		// became due, so a DONE job finished after it.
		rows(KindDoneJobs,
			[]predicate.Job{job.StatusEQ(job.StatusDONE), job.RunAtLT(now.Add(-DoneJobKeep))},
			jobQuery(p), jobDelete(p), job.IDIn),
		rows(KindDeadJobs,
			[]predicate.Job{job.StatusEQ(job.StatusFAILED), job.FailedAtLT(now.Add(-DeadJobKeep))},
			jobQuery(p), jobDelete(p), job.IDIn),
		rows(KindSessions,
			[]predicate.Session{session.ExpiresAtLT(now)},
			func(ctx context.Context, n int, w ...predicate.Session) ([]pulid.ID, error) {
				return c.Session.Query().Where(w...).Limit(n).IDs(ctx)
			},
			func(ctx context.Context, w ...predicate.Session) (int, error) {
				return c.Session.Delete().Where(w...).Exec(ctx)
			}, session.IDIn),
		rows(KindLoginFailures,
			[]predicate.LoginFailure{loginfailure.AtLTE(throttled)},
			func(ctx context.Context, n int, w ...predicate.LoginFailure) ([]pulid.ID, error) {
				return c.LoginFailure.Query().Where(w...).Limit(n).IDs(ctx)
			},
			func(ctx context.Context, w ...predicate.LoginFailure) (int, error) {
				return c.LoginFailure.Delete().Where(w...).Exec(ctx)
			}, loginfailure.IDIn),
		rows(KindThrottleKeys,
			[]predicate.ThrottleKey{throttlekey.TouchedAtLTE(throttled)},
			func(ctx context.Context, n int, w ...predicate.ThrottleKey) ([]pulid.ID, error) {
				return c.ThrottleKey.Query().Where(w...).Limit(n).IDs(ctx)
			},
			func(ctx context.Context, w ...predicate.ThrottleKey) (int, error) {
				return c.ThrottleKey.Delete().Where(w...).Exec(ctx)
			}, throttlekey.IDIn),
	}
}

func webhookQuery(p *Purger) func(context.Context, int, ...predicate.WebhookEvent) ([]pulid.ID, error) {
	return func(ctx context.Context, n int, w ...predicate.WebhookEvent) ([]pulid.ID, error) {
		return p.Client.WebhookEvent.Query().Where(w...).Limit(n).IDs(ctx)
	}
}

func webhookDelete(p *Purger) func(context.Context, ...predicate.WebhookEvent) (int, error) {
	return func(ctx context.Context, w ...predicate.WebhookEvent) (int, error) {
		return p.Client.WebhookEvent.Delete().Where(w...).Exec(ctx)
	}
}

func jobQuery(p *Purger) func(context.Context, int, ...predicate.Job) ([]pulid.ID, error) {
	return func(ctx context.Context, n int, w ...predicate.Job) ([]pulid.ID, error) {
		return p.Client.Job.Query().Where(w...).Limit(n).IDs(ctx)
	}
}

func jobDelete(p *Purger) func(context.Context, ...predicate.Job) (int, error) {
	return func(ctx context.Context, w ...predicate.Job) (int, error) {
		return p.Client.Job.Delete().Where(w...).Exec(ctx)
	}
}

// policy is p.Policy with DefaultPolicy's value for what is unset.
func (p *Purger) policy() Policy {
	pol := p.Policy
	if pol.WebhookDays <= 0 {
		pol.WebhookDays = DefaultPolicy.WebhookDays
	}
	if pol.AuditDays <= 0 {
		pol.AuditDays = DefaultPolicy.AuditDays
	}
	return pol
}
