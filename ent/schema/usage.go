package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// UsageDaily is billable usage as Meta prices it: how many messages of a
// channel got each pricing type and category on a day (UTC), counted once
// per message from the status webhooks' pricing. It holds counts only, so
// it outlives message retention and account data purges (billing records).
type UsageDaily struct{ ent.Schema }

// Mixin of the UsageDaily.
func (UsageDaily) Mixin() []ent.Mixin { return []ent.Mixin{ID("UD"), TenantMixin{}} }

// Fields of the UsageDaily.
func (UsageDaily) Fields() []ent.Field {
	return []ent.Field{
		field.String("channel_id").GoType(pulidID()).Immutable(),
		// day is midnight UTC of the day the message was priced.
		field.Time("day").Immutable(),
		field.String("pricing_type").Immutable().MaxLen(64),
		field.String("pricing_category").Immutable().MaxLen(64),
		field.Int64("count").Default(0),
	}
}

// Indexes of the UsageDaily.
func (UsageDaily) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "channel_id", "day", "pricing_type", "pricing_category").Unique(),
		index.Fields("tenant_id", "day"),
	}
}

// Annotations of the UsageDaily.
func (UsageDaily) Annotations() []schema.Annotation { return hidden() }

// MessageDaily is a closed UTC day's messages of a channel by direction
// and current status: the rollup messageStats reads for whole days before
// the rollup mark instead of counting message rows (internal/analytics,
// rollup.go). It holds counts only and outlives message retention.
type MessageDaily struct{ ent.Schema }

// Mixin of the MessageDaily.
func (MessageDaily) Mixin() []ent.Mixin { return []ent.Mixin{ID("MD"), TenantMixin{}} }

// Fields of the MessageDaily.
func (MessageDaily) Fields() []ent.Field {
	return []ent.Field{
		field.String("channel_id").GoType(pulidID()).Immutable(),
		// day is midnight UTC of the messages' timestamp.
		field.Time("day").Immutable(),
		field.String("direction").Immutable().MaxLen(16),
		field.String("status").Immutable().MaxLen(16),
		field.Int64("count").Default(0),
	}
}

// Indexes of the MessageDaily.
func (MessageDaily) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "day", "channel_id", "direction", "status").Unique(),
	}
}

// Annotations of the MessageDaily.
func (MessageDaily) Annotations() []schema.Annotation { return hidden() }

// RollupMark is how far a rollup has got: every day before rolled_until
// is in its table, and message changes before changes_until are in it
// too. Its lease lets one replica at a time run the rollup.
type RollupMark struct{ ent.Schema }

// Mixin of the RollupMark.
func (RollupMark) Mixin() []ent.Mixin { return []ent.Mixin{SystemMixin{}} }

// Fields of the RollupMark.
func (RollupMark) Fields() []ent.Field {
	return []ent.Field{
		// id names the rollup ("message_stats").
		field.String("id").Immutable().NotEmpty().MaxLen(64),
		field.Time("rolled_until").Optional().Nillable(),
		field.Time("changes_until").Optional().Nillable(),
		field.String("lease_owner").Optional().MaxLen(128),
		field.Time("lease_until").Optional().Nillable(),
	}
}

// Annotations of the RollupMark.
func (RollupMark) Annotations() []schema.Annotation { return hidden() }
