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
		// status follows Meta's review and lifecycle events
		// (message_template_status_update); ARCHIVED and DELETED are
		// templates Meta archived or deleted (ours or another tool's).
		field.Enum("status").Values("PENDING", "APPROVED", "REJECTED", "PAUSED", "DISABLED", "ARCHIVED", "DELETED").
			Default("PENDING").Annotations(enumType("TemplateStatus")),
		field.String("rejected_reason").Optional(),
		// status_reason says why the template is as it is, in Meta's words:
		// a rejection's recommendation, a pause's title and description, a
		// disable date.
		field.Text("status_reason").Optional(),
		// last_event is Meta's last lifecycle event (APPROVED, FLAGGED,
		// PAUSED, REINSTATED, …), kept as sent.
		field.String("last_event").Optional().MaxLen(64),
		// parameter_format: {{1}}…{{n}} (POSITIONAL) or {{name}} (NAMED).
		field.Enum("parameter_format").Values("POSITIONAL", "NAMED").Default("POSITIONAL").
			Annotations(enumType("TemplateParameterFormat")),
		// quality_score from message_template_quality_update: GREEN,
		// YELLOW, RED or UNKNOWN.
		field.String("quality_score").Optional().MaxLen(16),
		// A category change Meta announced (template_category_update):
		// the category it will take, and when.
		field.String("pending_category").Optional().MaxLen(32),
		field.Time("pending_category_at").Optional().Nillable(),
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
