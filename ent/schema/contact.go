package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Contact is a customer of a tenant, known by phone number.
type Contact struct{ ent.Schema }

// Mixin of the Contact.
func (Contact) Mixin() []ent.Mixin { return []ent.Mixin{ID("CT"), TimeMixin{}, TenantMixin{}} }

// Fields of the Contact.
func (Contact) Fields() []ent.Field {
	return []ent.Field{
		// phone (E.164) or user_id (Meta's business-scoped user id, BSUID)
		// may be nil, never both; each is unique in the tenant.
		field.String("phone").Optional().Nillable().NotEmpty().MaxLen(20).Comment("E.164"),
		// user_id is exposed as Contact.userId (schema.graphqls): entgql
		// would name it userID.
		field.String("user_id").Optional().Nillable().NotEmpty().MaxLen(256).Annotations(skip()),
		field.String("username").Optional().MaxLen(200),
		field.String("wa_id").Optional().MaxLen(20).Annotations(skip()),
		field.String("name").Optional().MaxLen(200).Annotations(entgql.OrderField("NAME")),
		field.String("profile_name").Optional().MaxLen(200),
		field.JSON("tags", []string{}).Default([]string{}),
		field.Enum("opt_in_status").Values("OPTED_IN", "OPTED_OUT", "UNKNOWN").Default("UNKNOWN").
			Annotations(enumType("OptInStatus")),
		field.String("opt_in_source").Optional().MaxLen(200),
		field.Time("opt_in_at").Optional().Nillable(),
		field.Bool("restricted").Default(false),
		field.Time("last_inbound_at").Optional().Nillable().Annotations(skip()),
	}
}

// Edges of the Contact.
func (Contact) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("conversations", Conversation.Type).Annotations(entgql.RelayConnection()),
	}
}

// Indexes of the Contact.
func (Contact) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "phone").Unique(),
		index.Fields("tenant_id", "user_id").Unique(),
		index.Fields("tenant_id", "created_at"),
	}
}

// Annotations of the Contact.
func (Contact) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
