package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// RetentionMark is the state of the retention purge (internal/retention):
// its lease, which lets one replica at a time run it, and how its last run
// went, which retentionStatus shows. There is one row, id "retention".
type RetentionMark struct{ ent.Schema }

// Mixin of the RetentionMark.
func (RetentionMark) Mixin() []ent.Mixin { return []ent.Mixin{SystemMixin{}} }

// Fields of the RetentionMark.
func (RetentionMark) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty().MaxLen(64),
		field.String("lease_owner").Optional().MaxLen(128),
		field.Time("lease_until").Optional().Nillable(),
		// last_run_at is when the last run started, last_success_at when
		// the last run that ended without an error started.
		field.Time("last_run_at").Optional().Nillable(),
		field.Time("last_success_at").Optional().Nillable(),
		field.Time("last_finished_at").Optional().Nillable(),
		// last_error is the failure of the last run; empty when it
		// succeeded. It names the kind of data, never a tenant.
		field.String("last_error").Optional().MaxLen(1000),
		// purged counts what the last run removed across the deployment,
		// by kind (internal/retention's Kind).
		field.JSON("purged", map[string]int64{}).Optional(),
	}
}

// Annotations of the RetentionMark.
func (RetentionMark) Annotations() []schema.Annotation { return hidden() }

// RetentionTally is what the last retention run that reached a tenant
// removed of that tenant's data, by kind: the counts retentionStatus shows
// the tenant's admins (the deployment-wide counts would tell them about
// other tenants).
type RetentionTally struct{ ent.Schema }

// Mixin of the RetentionTally.
func (RetentionTally) Mixin() []ent.Mixin { return []ent.Mixin{ID("RT"), TenantMixin{}} }

// Fields of the RetentionTally.
func (RetentionTally) Fields() []ent.Field {
	return []ent.Field{
		field.Time("run_at"),
		field.JSON("purged", map[string]int64{}).Optional(),
	}
}

// Indexes of the RetentionTally: one row per tenant.
func (RetentionTally) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id").Unique()}
}

// Annotations of the RetentionTally.
func (RetentionTally) Annotations() []schema.Annotation { return hidden() }
