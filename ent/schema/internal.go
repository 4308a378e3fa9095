package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// WebhookEvent is a raw webhook delivery from Meta, committed before the
// endpoint answers 200. Processing happens later, in a job.
type WebhookEvent struct{ ent.Schema }

// Mixin of the WebhookEvent.
func (WebhookEvent) Mixin() []ent.Mixin { return []ent.Mixin{ID("WH"), SystemMixin{}} }

// Fields of the WebhookEvent.
func (WebhookEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Bytes("payload").NotEmpty(),
		field.Enum("status").Values("PENDING", "PROCESSED", "UNROUTED", "FAILED").Default("PENDING"),
		field.String("tenant_id").GoType(pulidID()).Optional().Nillable(),
		field.String("error").Optional(),
		field.Time("received_at").Immutable().Default(timeNow),
		field.Time("processed_at").Optional().Nillable(),
	}
}

// Indexes of the WebhookEvent.
func (WebhookEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status", "received_at"), index.Fields("tenant_id")}
}

// Annotations of the WebhookEvent.
func (WebhookEvent) Annotations() []schema.Annotation { return hidden() }

// Event is an entry of a tenant's event log: what subscribers replay from
// their cursor. seq is dense and increasing per tenant (see Tenant.event_seq).
type Event struct{ ent.Schema }

// Mixin of the Event.
func (Event) Mixin() []ent.Mixin { return []ent.Mixin{ID("EV"), TenantMixin{}} }

// Fields of the Event.
func (Event) Fields() []ent.Field {
	return []ent.Field{
		field.Int64("seq").Immutable(),
		field.Enum("kind").Values("MESSAGE_CREATED", "MESSAGE_UPDATED", "CONVERSATION_UPDATED").Immutable(),
		field.String("conversation_id").GoType(pulidID()).Optional().Immutable(),
		field.String("message_id").GoType(pulidID()).Optional().Immutable(),
		field.Time("created_at").Immutable().Default(timeNow),
	}
}

// Indexes of the Event.
func (Event) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "seq").Unique()}
}

// Annotations of the Event.
func (Event) Annotations() []schema.Annotation { return hidden() }

// Job is a durable unit of background work, claimed by one worker at a time
// (FOR UPDATE SKIP LOCKED on PostgreSQL) and retried with backoff.
type Job struct{ ent.Schema }

// Mixin of the Job.
func (Job) Mixin() []ent.Mixin { return []ent.Mixin{ID("JB"), SystemMixin{}} }

// Fields of the Job.
func (Job) Fields() []ent.Field {
	return []ent.Field{
		field.String("kind").NotEmpty(),
		field.String("tenant_id").GoType(pulidID()).Optional().Nillable(),
		field.Bytes("payload").Optional(),
		// unique_key makes enqueueing idempotent (e.g. one send per message).
		field.String("unique_key").Optional().Nillable().Unique(),
		field.Enum("status").Values("PENDING", "RUNNING", "DONE", "FAILED").Default("PENDING"),
		field.Int("attempts").Default(0),
		field.Int("max_attempts").Default(10),
		field.Time("run_at").Default(timeNow),
		field.Time("locked_until").Optional().Nillable(),
		// lease is the fencing token of the current claim: every claim
		// increments it, and a worker finishes, fails or releases a job
		// only while it still equals the value its claim set. Unlike
		// locked_until (a time two claims could share, or clocks could
		// skew), it never repeats and never goes back.
		field.Int64("lease").Default(0),
		field.String("last_error").Optional(),
		// failed_at is when the job gave up (status FAILED, a dead letter
		// an operator lists and re-drives with `switchboard jobs`).
		field.Time("failed_at").Optional().Nillable(),
		field.Time("created_at").Immutable().Default(timeNow),
	}
}

// Indexes of the Job.
func (Job) Indexes() []ent.Index {
	return []ent.Index{index.Fields("status", "run_at")}
}

// Annotations of the Job.
func (Job) Annotations() []schema.Annotation { return hidden() }

// PendingStatus is a delivery status that arrived before its message was
// known (Meta does not order webhooks). It is applied, then deleted, when
// the message appears.
type PendingStatus struct{ ent.Schema }

// Mixin of the PendingStatus.
func (PendingStatus) Mixin() []ent.Mixin { return []ent.Mixin{ID("PS"), TenantMixin{}} }

// Fields of the PendingStatus.
func (PendingStatus) Fields() []ent.Field {
	return []ent.Field{
		field.String("channel_id").GoType(pulidID()).Immutable(),
		field.String("external_id").Immutable().NotEmpty(),
		field.String("status").Immutable().NotEmpty(),
		field.Time("timestamp").Immutable(),
		field.Bytes("raw").Optional().Immutable(),
		field.Time("created_at").Immutable().Default(timeNow),
	}
}

// Indexes of the PendingStatus: one row per status of a message, however
// often Meta repeats it.
func (PendingStatus) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("channel_id", "external_id", "status").Unique(),
		// Retention deletes the ones whose message never came, by age.
		index.Fields("created_at"),
	}
}

// Annotations of the PendingStatus.
func (PendingStatus) Annotations() []schema.Annotation { return hidden() }

// LoginFailure is one failed sign-in, counted against the email and the
// client IP it came from (by hash: the table holds neither). Sign-in
// throttling reads it, so every replica counts the same failures.
type LoginFailure struct{ ent.Schema }

// Mixin of the LoginFailure.
func (LoginFailure) Mixin() []ent.Mixin { return []ent.Mixin{ID("LF"), SystemMixin{}} }

// Fields of the LoginFailure.
func (LoginFailure) Fields() []ent.Field {
	return []ent.Field{
		field.String("key_hash").Immutable().NotEmpty(),
		field.Time("at").Immutable(),
	}
}

// Indexes of the LoginFailure.
func (LoginFailure) Indexes() []ent.Index {
	return []ent.Index{index.Fields("key_hash", "at"), index.Fields("at")}
}

// Annotations of the LoginFailure.
func (LoginFailure) Annotations() []schema.Annotation { return hidden() }

// ThrottleKey is the lock row of one throttle key (a hashed email or client
// IP). An attempt upserts it first, which holds the row's lock until its
// transaction ends, so that counting the key's recent attempts and
// reserving the next one is one atomic step on every replica and database.
type ThrottleKey struct{ ent.Schema }

// Mixin of the ThrottleKey.
func (ThrottleKey) Mixin() []ent.Mixin { return []ent.Mixin{ID("TK"), SystemMixin{}} }

// Fields of the ThrottleKey.
func (ThrottleKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("key_hash").Immutable().NotEmpty().Unique(),
		// touched_at is the last attempt; keys untouched for a window are swept.
		field.Time("touched_at"),
	}
}

// Indexes of the ThrottleKey.
func (ThrottleKey) Indexes() []ent.Index {
	return []ent.Index{index.Fields("touched_at")}
}

// Annotations of the ThrottleKey.
func (ThrottleKey) Annotations() []schema.Annotation { return hidden() }
