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
	}
}

// Annotations of the Message.
func (Message) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}
