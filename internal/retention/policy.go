// Package retention keeps the privacy policy's retention promises: a
// scheduled purge that removes what is past its period, in small batches,
// on one replica at a time.
//
// Message contents go after the tenant's messageRetentionDays, but the
// message rows stay (direction, type, status, timestamps), so messageStats,
// its daily rollup and billable usage count exactly what they counted
// before. Raw webhook payloads, finished and dead jobs, early statuses
// whose message never came, expired sessions, sign-in throttle rows, audit
// entries and, after seven years, the anonymous aggregates are deleted.
//
// Hand-written, like the analytics rollup: it is a loop of short
// transactions over indexed ranges, and no library knows these tables.
package retention

import (
	"time"

	"switchboard/internal/auth"
)

// Policy is the periods that are configuration (README "Configuration").
// The others are constants below: nobody has asked to change them, and
// each follows from something else in the system.
type Policy struct {
	// WebhookDays is how long processed and unrouted raw webhook
	// payloads are kept (RETENTION_WEBHOOK_DAYS).
	WebhookDays int
	// AuditDays is how long audit entries are kept (RETENTION_AUDIT_DAYS).
	AuditDays int
}

// DefaultPolicy is the configuration's defaults: a week of raw webhooks,
// which is also how far back connecting a number replays its unrouted
// ones, and two years of audit entries.
var DefaultPolicy = Policy{WebhookDays: 7, AuditDays: 730}

const (
	// FailedWebhookKeep: webhooks whose processing failed are kept a
	// month, for operators to look into with their dead jobs.
	FailedWebhookKeep = 30 * 24 * time.Hour
	// DoneJobKeep: a finished job is only needed while someone might ask
	// what just ran; its payload names messages.
	DoneJobKeep = 24 * time.Hour
	// DeadJobKeep: a dead job waits a month for an operator's
	// `switchboard jobs retry`, like the failed webhooks it may be about.
	DeadJobKeep = 30 * 24 * time.Hour
	// PendingStatusKeep: a status whose message has not come in a week
	// will not be matched (Meta redelivers for at most 7 days).
	PendingStatusKeep = 7 * 24 * time.Hour
	// ThrottleKeep is how long sign-in attempts count: the longest
	// throttle window. The throttle sweeps them itself on sign-in
	// attempts; retention removes those an idle server would keep.
	ThrottleKeep = auth.KeepAttempts
	// AggregateYears is how long the anonymous aggregates (billing usage,
	// daily message counts) are kept: billing records, seven years.
	AggregateYears = 7
)

// Kind names what a run removes, in metrics (label kind), in the run's
// counts and, upper-cased, as GraphQL's RetentionKind.
type Kind string

// The kinds of a tenant's data, shown to its admins.
const (
	KindMessages        Kind = "messages"
	KindMediaFiles      Kind = "media_files"
	KindPendingStatuses Kind = "pending_statuses"
	KindAuditEntries    Kind = "audit_entries"
	KindUsageDailies    Kind = "usage_dailies"
	KindMessageDailies  Kind = "message_dailies"
)

// The kinds of the deployment's own tables, in metrics and the mark only.
const (
	KindWebhookEvents       Kind = "webhook_events"
	KindFailedWebhookEvents Kind = "failed_webhook_events"
	KindDoneJobs            Kind = "done_jobs"
	KindDeadJobs            Kind = "dead_jobs"
	KindSessions            Kind = "sessions"
	KindLoginFailures       Kind = "login_failures"
	KindThrottleKeys        Kind = "throttle_keys"
)

// TenantKinds are the tenant kinds in the order retentionStatus lists them.
var TenantKinds = []Kind{KindMessages, KindMediaFiles, KindPendingStatuses, KindAuditEntries,
	KindUsageDailies, KindMessageDailies}

// SystemKinds are the deployment kinds in the order a run removes them.
var SystemKinds = []Kind{KindWebhookEvents, KindFailedWebhookEvents, KindDoneJobs, KindDeadJobs,
	KindSessions, KindLoginFailures, KindThrottleKeys}

// Counts is how many items of each kind a run removed.
type Counts map[Kind]int64

func (c Counts) add(o Counts) {
	for k, n := range o {
		c[k] += n
	}
}

// stored is c as the mark's and tallies' JSON column holds it.
func (c Counts) stored() map[string]int64 {
	out := make(map[string]int64, len(c))
	for k, n := range c {
		out[string(k)] = n
	}
	return out
}
