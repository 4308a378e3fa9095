package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"switchboard/ent/schema/schematype"
)

// Template is a WhatsApp message template, reviewed by Meta before use.
type Template struct{ ent.Schema }

// Mixin of the Template.
func (Template) Mixin() []ent.Mixin { return []ent.Mixin{ID("TP"), TimeMixin{}, TenantMixin{}} }

// Fields of the Template.
func (Template) Fields() []ent.Field {
	return []ent.Field{
		field.String("channel_id").GoType(pulidID()).Immutable().Annotations(skip()),
		field.String("name").NotEmpty().MaxLen(512).Annotations(entgql.OrderField("NAME")),
		field.String("language").NotEmpty().MaxLen(16),
		field.Enum("category").Values("MARKETING", "UTILITY", "AUTHENTICATION").
			Annotations(enumType("TemplateCategory")),
		field.Enum("status").Values("PENDING", "APPROVED", "REJECTED", "PAUSED", "DISABLED").
			Default("PENDING").Annotations(enumType("TemplateStatus")),
		field.String("rejected_reason").Optional(),
		field.String("external_id").Optional().Nillable().Annotations(skip()),
		field.Text("body").Optional(),
		field.JSON("components", schematype.JSON{}).Optional().Annotations(entgql.Type("JSON")),
	}
}

// Edges of the Template.
func (Template) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("channel", Channel.Type).Ref("templates").Field("channel_id").
			Unique().Required().Immutable(),
		edge.To("campaigns", Campaign.Type).Annotations(skip()),
	}
}

// Indexes of the Template.
func (Template) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "channel_id", "name", "language").Unique(),
		index.Fields("external_id"),
	}
}

// Annotations of the Template.
func (Template) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Policy: templates are managed by admins and owners.
func (Template) Policy() ent.Policy { return adminWrites() }
