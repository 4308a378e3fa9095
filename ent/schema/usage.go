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
