package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a member of a tenant who signs in to the inbox.
type User struct{ ent.Schema }

// Mixin of the User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{ID("US"), TimeMixin{}, TenantMixin{}} }

// Fields of the User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		// email is stored lower-cased; sign-in takes only an email, so it is
		// unique across tenants.
		field.String("email").NotEmpty().MaxLen(254),
		field.String("name").NotEmpty().MaxLen(200),
		field.Enum("role").Values("OWNER", "ADMIN", "AGENT").Annotations(enumType("Role")),
		field.String("password_hash").Sensitive().Annotations(skip()),
		field.Bool("disabled").Default(false).Annotations(skip()),
		// The sign-up attestation: when the person accepted the terms (and
		// which version of them, TERMS_VERSION) and confirmed being 18 or
		// over. signUp refuses without both; addMember records the time of
		// the addition, vouched for by whoever added the member. Members
		// from before the attestation existed have none.
		field.Time("terms_accepted_at").Optional().Nillable(),
		field.String("terms_version").Optional().MaxLen(50),
		field.Time("adult_confirmed_at").Optional().Nillable(),
	}
}

// Indexes of the User.
func (User) Indexes() []ent.Index {
	return []ent.Index{index.Fields("email").Unique(), index.Fields("tenant_id", "role")}
}

// Policy: members are added by admins and owners.
func (User) Policy() ent.Policy { return adminWrites() }

// Session is a signed-in browser or phone. Only the token's hash is stored.
type Session struct{ ent.Schema }

// Mixin of the Session.
func (Session) Mixin() []ent.Mixin { return []ent.Mixin{ID("SE"), TimeMixin{}, TenantMixin{}} }

// Fields of the Session.
func (Session) Fields() []ent.Field {
	return []ent.Field{
		field.String("user_id").GoType(pulidID()).Immutable(),
		field.String("token_hash").Immutable().Sensitive().Unique(),
		field.Time("expires_at"),
		field.Time("revoked_at").Optional().Nillable(),
		field.Time("last_seen_at").Optional().Nillable(),
		field.String("ip").Optional().MaxLen(64),
	}
}

// Indexes of the Session.
func (Session) Indexes() []ent.Index {
	// Retention deletes sessions by expiry.
	return []ent.Index{index.Fields("tenant_id", "user_id"), index.Fields("expires_at")}
}

// Annotations of the Session.
func (Session) Annotations() []schema.Annotation { return hidden() }

// APIKey authenticates scripts and integrations. Only the secret's hash is stored.
type APIKey struct{ ent.Schema }

// Mixin of the APIKey.
func (APIKey) Mixin() []ent.Mixin { return []ent.Mixin{ID("AK"), TimeMixin{}, TenantMixin{}} }

// Fields of the APIKey.
func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(100),
		field.String("secret_hash").Immutable().Sensitive().Unique().Annotations(skip()),
		field.Enum("role").Values("OWNER", "ADMIN", "AGENT").Default("ADMIN").Annotations(enumType("Role")),
		field.String("created_by_id").GoType(pulidID()).Optional().Annotations(skip()),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Policy: API keys are managed by admins and owners.
func (APIKey) Policy() ent.Policy { return adminWrites() }
