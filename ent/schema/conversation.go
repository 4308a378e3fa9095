package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Conversation is the thread between a contact and a channel: one per pair,
// reopened when the customer writes again.
type Conversation struct{ ent.Schema }

// Mixin of the Conversation.
func (Conversation) Mixin() []ent.Mixin { return []ent.Mixin{ID("CV"), TimeMixin{}, TenantMixin{}} }

// Fields of the Conversation.
func (Conversation) Fields() []ent.Field {
	return []ent.Field{
		field.String("contact_id").GoType(pulidID()).Immutable().Annotations(skip()),
		field.String("channel_id").GoType(pulidID()).Immutable().Annotations(skip()),
		field.String("assignee_id").GoType(pulidID()).Optional().Nillable().Annotations(skip()),
		field.String("last_message_id").GoType(pulidID()).Optional().Nillable().Annotations(skip()),
		field.Enum("status").Values("OPEN", "PENDING", "RESOLVED").Default("OPEN").
			Annotations(enumType("ConversationStatus")),
		field.Int("unread_count").Default(0).NonNegative(),
		field.Time("last_message_at").Optional().Nillable().
			Annotations(entgql.OrderField("LAST_MESSAGE_AT")),
		field.Time("last_inbound_at").Optional().Nillable().Annotations(skip()),
		field.Time("service_window_expires_at").Optional().Nillable(),
	}
}

// Edges of the Conversation.
func (Conversation) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("contact", Contact.Type).Ref("conversations").Field("contact_id").
			Unique().Required().Immutable(),
		edge.From("channel", Channel.Type).Ref("conversations").Field("channel_id").
			Unique().Required().Immutable(),
		edge.To("assignee", User.Type).Field("assignee_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)),
		edge.To("messages", Message.Type).Annotations(entgql.RelayConnection()),
		edge.To("last_message", Message.Type).Field("last_message_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)),
	}
}

// Indexes of the Conversation: one thread per contact and channel, and the
// inbox's order (newest activity first).
func (Conversation) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "channel_id", "contact_id").Unique(),
		index.Fields("tenant_id", "last_message_at"),
		index.Fields("tenant_id", "assignee_id"),
	}
}

// Annotations of the Conversation.
func (Conversation) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
