package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Channel is a connected messaging account: a WhatsApp Business phone
// number today; kind leaves room for Instagram and Messenger.
type Channel struct{ ent.Schema }

// Mixin of the Channel.
func (Channel) Mixin() []ent.Mixin { return []ent.Mixin{ID("CH"), TimeMixin{}, TenantMixin{}} }

// Fields of the Channel.
func (Channel) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values("WHATSAPP", "INSTAGRAM", "MESSENGER").Default("WHATSAPP").
			Annotations(enumType("ChannelKind")),
		field.String("name").NotEmpty().MaxLen(200),
		field.String("waba_id").NotEmpty().MaxLen(64).Annotations(skip()),
		field.String("phone_number_id").NotEmpty().MaxLen(64).Annotations(skip()),
		field.String("display_phone_number").MaxLen(32),
		// NEEDS_REAUTH: Meta refused the token (code 190); sends wait until
		// updateChannel gives a new one.
		field.Enum("status").Values("CONNECTED", "NEEDS_REAUTH", "REVOKED").Default("CONNECTED").
			Annotations(enumType("ChannelStatus")),
		// The access token, AES-256-GCM sealed (internal/crypto); the key id
		// names the key that sealed it so keys can rotate. Erased on revoke.
		field.Bytes("access_token_ciphertext").Optional().Sensitive().Annotations(skip()),
		field.String("access_token_key_id").Optional().Annotations(skip()),
		field.String("meta_user_id").Optional().MaxLen(64).Annotations(skip()),
		field.String("connected_by_id").GoType(pulidID()).Optional().Annotations(skip()),
		field.Time("revoked_at").Optional().Nillable(),
		// send_rate_per_second paces this number's sends (Meta: 80/s by
		// default, up to 1,000/s); every replica together stays within it.
		field.Int("send_rate_per_second").Default(80).Range(1, 1000),
		// messaging_limit: unique customers outside a service window per
		// rolling 24 hours; nil is unlimited.
		field.Int("messaging_limit").Optional().Nillable().Positive(),
		// The sender lease (internal/outbox): one replica at a time sends
		// a channel's queue, so the pacing holds across replicas.
		// sender_lease is its fencing token, incremented by every claim.
		field.String("sender_owner").Optional().Annotations(skip()),
		field.Time("sender_lease_until").Optional().Nillable().Annotations(skip()),
		field.Int64("sender_lease").Default(0).Annotations(skip()),
	}
}

// Edges of the Channel.
func (Channel) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("conversations", Conversation.Type).Annotations(skip()),
		edge.To("templates", Template.Type).Annotations(skip()),
		edge.To("campaigns", Campaign.Type).Annotations(skip()),
	}
}

// Indexes of the Channel. A phone number routes webhooks, so at most one
// connected channel anywhere may hold it.
func (Channel) Indexes() []ent.Index {
	return []ent.Index{
		// A number routes to one channel that is not REVOKED (one waiting
		// for a new token still receives).
		index.Fields("phone_number_id").Unique().
			Annotations(entsql.IndexWhere("status <> 'REVOKED'")),
		index.Fields("tenant_id", "status"),
		// The sweep that rescues NEEDS_REAUTH channels and finds work.
		index.Fields("status"),
		// Meta's deauthorize and data-deletion callbacks name a user.
		index.Fields("meta_user_id"),
	}
}
