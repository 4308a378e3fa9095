package schema

import (
	"encoding/json"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"switchboard/ent/schema/schematype"
)

// Message is one WhatsApp message in either direction.
type Message struct{ ent.Schema }

// Mixin of the Message.
func (Message) Mixin() []ent.Mixin { return []ent.Mixin{ID("MS"), TimeMixin{}, TenantMixin{}} }

// Fields of the Message.
func (Message) Fields() []ent.Field {
	return []ent.Field{
		field.String("conversation_id").GoType(pulidID()).Immutable().Annotations(skip()),
		field.String("channel_id").GoType(pulidID()).Immutable().Annotations(skip()),
		field.Enum("direction").Values("INBOUND", "OUTBOUND").Immutable().
			Annotations(enumType("MessageDirection")),
		field.Enum("type").Values("TEXT", "IMAGE", "AUDIO", "VIDEO", "DOCUMENT", "STICKER",
			"LOCATION", "CONTACTS", "INTERACTIVE", "BUTTON", "REACTION", "TEMPLATE", "ORDER",
			"SYSTEM", "UNSUPPORTED").Annotations(enumType("MessageType")),
		field.Text("text").Optional(),
		field.JSON("media", &schematype.Media{}).Optional().Annotations(entgql.Type("MessageMedia")),
		field.Enum("status").Values("RECEIVED", "QUEUED", "SENT", "DELIVERED", "READ", "FAILED").
			Annotations(enumType("MessageStatus")),
		field.JSON("error", &schematype.Error{}).Optional().Annotations(entgql.Type("MessageError")),
		// external_id is Meta's message id (wamid…), in both directions.
		field.String("external_id").Optional().Nillable().MaxLen(256).Annotations(skip()),
		// client_message_id makes sendMessage retries idempotent.
		field.String("client_message_id").Optional().Nillable().MaxLen(128).Annotations(skip()),
		// raw is the message exactly as Meta sent it, so nothing is lost to parsing.
		field.JSON("raw", json.RawMessage{}).Optional().Annotations(skip()),
		// timestamp is when the message happened: Meta's timestamp for
		// inbound messages, creation time for outbound ones.
		field.Time("timestamp").Annotations(entgql.OrderField("TIMESTAMP")),
		field.Time("sent_at").Optional().Nillable(),
		field.Time("delivered_at").Optional().Nillable(),
		field.Time("read_at").Optional().Nillable(),
		field.Time("failed_at").Optional().Nillable(),
		// attempts counts the sends of an outbound message (retries by the
		// server and by retryMessage).
		field.Int("attempts").Default(0),
		// reply_to_id is the message an outbound one quotes (context).
		field.String("reply_to_id").GoType(pulidID()).Optional().Nillable().Annotations(skip()),
		// The outbox (internal/outbox). send_state is nil except while an
		// outbound message is QUEUED: READY waits for send_after, IN_FLIGHT
		// was claimed by a sender until send_after, UNKNOWN left without an
		// answer and waits until send_after for a status webhook naming it
		// (biz_opaque_callback_data) before it fails as outcome unknown.
		field.Enum("send_state").Values("READY", "IN_FLIGHT", "UNKNOWN").Optional().Nillable().Annotations(skip()),
		field.Time("send_after").Optional().Nillable().Annotations(skip()),
		// send_priority orders a channel's queue: agents' replies (0) go
		// before broadcasts.
		field.Int("send_priority").Default(0).Annotations(skip()),
		// campaign_id names the campaign an outbound message belongs to.
		field.String("campaign_id").GoType(pulidID()).Optional().Nillable().Annotations(skip()),
		// outside_window: a template sent when the contact's service
		// window was closed, which counts toward the number's messaging
		// limit (unique customers per rolling 24 hours).
		field.Bool("outside_window").Default(false).Annotations(skip()),
		// Meta's pricing of the message (status webhooks' pricing.type and
		// pricing.category), recorded once: the usage rollup counts it then.
		field.String("pricing_type").Optional().MaxLen(64).Annotations(skip()),
		field.String("pricing_category").Optional().MaxLen(64).Annotations(skip()),
		// purged_at is when retention removed the message's contents (text,
		// caption, filename, raw JSON, the stored file, the error's text)
		// after the tenant's message_retention_days; the row stays, so that
		// counts and billing do not change (internal/retention).
		field.Time("purged_at").Optional().Nillable(),
	}
}

// Edges of the Message.
func (Message) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("conversation", Conversation.Type).Ref("messages").Field("conversation_id").
			Unique().Required().Immutable(),
	}
}

// Indexes of the Message: Meta's id is unique per channel (the dedupe key
// of inbound webhooks), a client's retry key unique per tenant.
func (Message) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("channel_id", "external_id").Unique(),
		index.Fields("tenant_id", "client_message_id").Unique(),
		index.Fields("conversation_id", "timestamp"),
		index.Fields("tenant_id", "timestamp"),
		// A sender takes a channel's queue in this order; the sweep finds
		// channels with due sends and overdue claims by send_state.
		index.Fields("channel_id", "send_state", "send_priority", "send_after"),
		index.Fields("send_state", "send_after"),
		index.Fields("channel_id", "outside_window", "timestamp"),
		// A campaign's stats count its messages by status.
		index.Fields("campaign_id", "status"),
		// messageStats and its rollup find the days of a tenant's messages
		// changed since the rollup's last run (internal/analytics).
		index.Fields("tenant_id", "updated_at"),
		// Retention finds a tenant's messages not purged yet that are past
		// its retention, without reading the ones it purged before.
		index.Fields("tenant_id", "purged_at", "timestamp"),
	}
}

// Annotations of the Message.
func (Message) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
