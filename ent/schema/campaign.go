package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"switchboard/ent/schema/schematype"
)

// Campaign is a broadcast of one template to an audience of contacts.
type Campaign struct{ ent.Schema }

// Mixin of the Campaign.
func (Campaign) Mixin() []ent.Mixin { return []ent.Mixin{ID("CP"), TimeMixin{}, TenantMixin{}} }

// Fields of the Campaign.
func (Campaign) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.String("channel_id").GoType(pulidID()).Immutable().Annotations(skip()),
		field.String("template_id").GoType(pulidID()).Annotations(skip()),
		field.Enum("status").Values("DRAFT", "SCHEDULED", "RUNNING", "PAUSED", "COMPLETED", "CANCELLED").
			Default("DRAFT").Annotations(enumType("CampaignStatus")),
		field.JSON("audience_tags", []string{}).Optional().Annotations(skip()),
		field.JSON("audience_contact_ids", []string{}).Optional().Annotations(skip()),
		field.JSON("parameters", []string{}).Optional(),
		field.Time("scheduled_at").Optional().Nillable(),
		// paused_reason says why a PAUSED campaign stopped: by whom, or
		// which limit or template event paused it.
		field.String("paused_reason").Optional().MaxLen(1000),
		// pause_kind is who paused it: USER, TEMPLATE (Meta paused or
		// disabled its template), QUALITY (131048, 368) or LIMIT (the
		// messaging limit; resumed by itself when the 24 hours allow).
		field.Enum("pause_kind").Values("USER", "TEMPLATE", "QUALITY", "LIMIT").Optional().Nillable().Annotations(skip()),
		field.Time("started_at").Optional().Nillable(),
		field.Time("completed_at").Optional().Nillable(),
	}
}

// Edges of the Campaign.
func (Campaign) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("channel", Channel.Type).Ref("campaigns").Field("channel_id").
			Unique().Required().Immutable(),
		edge.From("template", Template.Type).Ref("campaigns").Field("template_id").
			Unique().Required(),
		edge.To("recipients", CampaignRecipient.Type).
			Annotations(entgql.RelayConnection(), entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the Campaign.
func (Campaign) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "status")}
}

// Annotations of the Campaign.
func (Campaign) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Policy: campaigns are managed by admins and owners.
func (Campaign) Policy() ent.Policy { return adminWrites() }

// CampaignRecipient is one contact of a campaign; unique per campaign, so a
// recipient is sent at most once even across a crash.
type CampaignRecipient struct{ ent.Schema }

// Mixin of the CampaignRecipient.
func (CampaignRecipient) Mixin() []ent.Mixin {
	return []ent.Mixin{ID("CR"), TimeMixin{}, TenantMixin{}}
}

// Fields of the CampaignRecipient.
func (CampaignRecipient) Fields() []ent.Field {
	return []ent.Field{
		field.String("campaign_id").GoType(pulidID()).Immutable().Annotations(skip()),
		field.String("contact_id").GoType(pulidID()).Immutable().Annotations(skip()),
		field.String("message_id").GoType(pulidID()).Optional().Nillable().Annotations(skip()),
		// status is the recipient's own state: PENDING, SKIPPED, or QUEUED
		// once it has its message; from then on its outcome is its
		// message's status (campaigns.RecipientStatus, which the API shows).
		field.Enum("status").Values("PENDING", "QUEUED", "SENT", "DELIVERED", "READ", "FAILED", "SKIPPED").
			Default("PENDING").Annotations(enumType("CampaignRecipientStatus")),
		field.String("skip_reason").Optional(),
		field.JSON("error", &schematype.Error{}).Optional().Annotations(entgql.Type("MessageError")),
	}
}

// Edges of the CampaignRecipient.
func (CampaignRecipient) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("campaign", Campaign.Type).Ref("recipients").Field("campaign_id").
			Unique().Required().Immutable(),
		edge.To("contact", Contact.Type).Field("contact_id").Unique().Required().Immutable().
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("message", Message.Type).Field("message_id").Unique().
			Annotations(entsql.OnDelete(entsql.SetNull)),
	}
}

// Indexes of the CampaignRecipient.
func (CampaignRecipient) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("campaign_id", "contact_id").Unique(),
		index.Fields("message_id"),
		index.Fields("campaign_id", "status"),
	}
}

// Annotations of the CampaignRecipient.
func (CampaignRecipient) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
