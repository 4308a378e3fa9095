package schema

import (
	"context"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	entprivacy "switchboard/ent/privacy"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/viewer"
)

// PrivacyRequest is a data subject's request (access, export, deletion, …),
// tracked to completion within its legal due date.
type PrivacyRequest struct{ ent.Schema }

// Mixin of the PrivacyRequest.
func (PrivacyRequest) Mixin() []ent.Mixin { return []ent.Mixin{ID("PR"), TimeMixin{}, TenantMixin{}} }

// Fields of the PrivacyRequest.
func (PrivacyRequest) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values("ACCESS", "EXPORT", "CORRECTION", "DELETION", "RESTRICTION", "OBJECTION", "ACCOUNT_DELETION").
			Immutable().Annotations(enumType("PrivacyRequestKind")),
		field.Enum("status").Values("RECEIVED", "IN_PROGRESS", "COMPLETED", "REJECTED").
			Default("RECEIVED").Annotations(enumType("PrivacyRequestStatus")),
		field.Enum("source").Values("DASHBOARD", "API", "META_CALLBACK").Immutable().
			Annotations(enumType("PrivacyRequestSource")),
		field.String("contact_id").GoType(pulidID()).Optional().Nillable().Annotations(skip()),
		// phone identifies the subject until the request completes; a
		// completed deletion erases it.
		field.String("phone").Optional().Annotations(skip()),
		field.Text("details").Optional(),
		field.String("meta_user_id").Optional().Annotations(skip()),
		field.String("confirmation_code").Immutable().NotEmpty().Unique(),
		field.Time("due_at"),
		field.Time("completed_at").Optional().Nillable(),
		field.JSON("export", schematype.JSON{}).Optional().Annotations(entgql.Type("JSON")),
		// correction holds a CORRECTION's new values (contact field →
		// value) until the request completes; then only the field names
		// stay, in outcome.
		field.JSON("correction", map[string]string{}).Optional().Annotations(skip()),
		// outcome says in plain words what was done, or why not.
		field.Text("outcome").Optional(),
		field.String("requested_by_id").GoType(pulidID()).Optional().Immutable().Annotations(skip()),
	}
}

// Indexes of the PrivacyRequest.
func (PrivacyRequest) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "status"), index.Fields("tenant_id", "contact_id")}
}

// Annotations of the PrivacyRequest.
func (PrivacyRequest) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// Policy: privacy requests are handled by admins and owners.
func (PrivacyRequest) Policy() ent.Policy { return adminWrites() }

// AuditLog records who did what to whose data, and from where.
type AuditLog struct{ ent.Schema }

// Mixin of the AuditLog.
func (AuditLog) Mixin() []ent.Mixin { return []ent.Mixin{ID("AL"), TenantMixin{}} }

// Fields of the AuditLog. Entries are append-only: there is no update path.
func (AuditLog) Fields() []ent.Field {
	return []ent.Field{
		field.String("actor_id").GoType(pulidID()).Optional().Nillable().Immutable().Annotations(skip()),
		field.String("api_key_id").GoType(pulidID()).Optional().Immutable().Annotations(skip()),
		field.String("action").NotEmpty().Immutable(),
		field.String("target_type").Optional().Immutable(),
		field.String("target_id").Optional().Immutable().Annotations(skip()),
		field.String("ip").Optional().Immutable(),
		field.JSON("metadata", map[string]any{}).Optional().Immutable().Annotations(skip()),
		field.Time("created_at").Immutable().Default(timeNow).
			Annotations(entgql.OrderField("CREATED_AT")),
	}
}

// Edges of the AuditLog.
func (AuditLog) Edges() []ent.Edge {
	return []ent.Edge{
		edgeTo("actor", User.Type, "actor_id"),
	}
}

// Hooks of the AuditLog: an entry is never changed, by anyone, and only
// trusted server-side code deletes entries (the retention purge, an
// erased account); no request of a member or an API key can.
func (AuditLog) Hooks() []ent.Hook {
	return []ent.Hook{func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			switch {
			case m.Op().Is(ent.OpUpdate | ent.OpUpdateOne):
				return nil, entprivacy.Denyf("audit entries are never changed")
			case m.Op().Is(ent.OpDelete|ent.OpDeleteOne) && !viewer.IsSystem(ctx):
				return nil, entprivacy.Denyf("audit entries are deleted only by the retention purge and account erasure")
			}
			return next.Mutate(ctx, m)
		})
	}}
}

// Indexes of the AuditLog.
func (AuditLog) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "created_at"),
		index.Fields("tenant_id", "action"),
	}
}

// Annotations of the AuditLog.
func (AuditLog) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection()}
}

// ConsentEvent is one change of a contact's marketing consent: what it
// became, where from (import, keyword, API, Meta's user_preferences, an
// objection, …) and when. The contact's consent history, oldest first;
// erased with the contact.
type ConsentEvent struct{ ent.Schema }

// Mixin of the ConsentEvent.
func (ConsentEvent) Mixin() []ent.Mixin { return []ent.Mixin{ID("CE"), TenantMixin{}} }

// Fields of the ConsentEvent.
func (ConsentEvent) Fields() []ent.Field {
	return []ent.Field{
		field.String("contact_id").GoType(pulidID()).Immutable(),
		field.String("status").Immutable().NotEmpty(),
		field.String("source").Immutable().MaxLen(200),
		field.Time("at").Immutable(),
	}
}

// Indexes of the ConsentEvent.
func (ConsentEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "contact_id", "at")}
}

// Annotations of the ConsentEvent.
func (ConsentEvent) Annotations() []schema.Annotation { return hidden() }

// MetaCallback is one call of Meta's data-deletion or deauthorize callback:
// a Facebook user of our app (a business admin who connected numbers
// through it) removed the app. It is recorded whether or not the user is
// known, so that every data-deletion call has a confirmation code and a
// status page; the user's id is kept only until the callback is carried
// out. Not tenant-owned: the user may have connected numbers in several
// tenants, or in none.
type MetaCallback struct{ ent.Schema }

// Mixin of the MetaCallback.
func (MetaCallback) Mixin() []ent.Mixin { return []ent.Mixin{ID("MC"), SystemMixin{}} }

// Fields of the MetaCallback.
func (MetaCallback) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values("DATA_DELETION", "DEAUTHORIZE").Immutable(),
		field.String("meta_user_id").Optional().MaxLen(64),
		field.String("confirmation_code").Optional().Nillable().Immutable().Unique(),
		field.Enum("status").Values("RECEIVED", "COMPLETED").Default("RECEIVED"),
		// issued_at is Meta's; received_at ours.
		field.Time("issued_at").Immutable(),
		field.Time("received_at").Immutable().Default(timeNow),
		field.Time("completed_at").Optional().Nillable(),
		// What was done: channels revoked, in how many tenants.
		field.Int("channels").Default(0),
		field.Int("tenants").Default(0),
	}
}

// Annotations of the MetaCallback.
func (MetaCallback) Annotations() []schema.Annotation { return hidden() }
