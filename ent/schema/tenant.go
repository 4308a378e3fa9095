package schema

import (
	"context"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"

	"switchboard/ent/privacy"
	"switchboard/internal/viewer"
)

// Tenant is a business: the unit of isolation and of billing.
type Tenant struct{ ent.Schema }

// Mixin of the Tenant.
func (Tenant) Mixin() []ent.Mixin { return []ent.Mixin{ID("TN"), TimeMixin{}} }

// Fields of the Tenant.
func (Tenant) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.Int("message_retention_days").Default(90).Range(1, 3650),
		field.Enum("status").Values("ACTIVE", "DELETING").Default("ACTIVE").
			Annotations(enumType("TenantStatus")),
		field.Time("deletion_requested_at").Optional().Nillable(),
		// erased_at: the account's data was erased (deleteAccount, after
		// its grace period); the row stays, nameless, because the billing
		// aggregates kept for 7 years refer to it.
		field.Time("erased_at").Optional().Nillable().Annotations(skip()),
		// read_receipts: markConversationRead also tells Meta the latest
		// inbound message was read (the customer sees blue ticks).
		field.Bool("read_receipts").Default(true),
		// event_seq is the last sequence number handed out in this tenant's
		// event log. It is incremented inside the writing transaction, so
		// the row lock orders writers and cursors never skip an uncommitted
		// event (DESIGN.md principle 3).
		field.Int64("event_seq").Default(0).Annotations(skip()),
	}
}

// Interceptors confine reads to the caller's own tenant.
func (Tenant) Interceptors() []ent.Interceptor { return []ent.Interceptor{filterBy("id")} }

// Hooks confine updates to the caller's own tenant.
func (Tenant) Hooks() []ent.Hook { return []ent.Hook{confineTenantWrites} }

// Policy: tenant settings are changed by admins and owners.
func (Tenant) Policy() ent.Policy { return adminWrites() }

// confineTenantWrites lets clients update only their own tenant and never
// create one (sign-up runs in a system context).
func confineTenantWrites(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		if viewer.IsSystem(ctx) {
			return next.Mutate(ctx, m)
		}
		if m.Op().Is(ent.OpCreate) {
			return nil, privacy.Denyf("tenants are created by sign-up only")
		}
		return confineTo("id")(next).Mutate(ctx, m)
	})
}
