package schema

import (
	"context"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"

	"switchboard/ent/intercept"
	"switchboard/ent/privacy"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// IDMixin gives a type its prefixed-ULID primary key. The prefix is declared
// once per type and must be unique; ent/pulid.go maps it back to the table.
type IDMixin struct {
	mixin.Schema
	prefix string
}

// ID returns the mixin for a type with the given two-letter prefix.
func ID(prefix string) IDMixin { return IDMixin{prefix: prefix} }

// Fields of the IDMixin.
func (m IDMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").GoType(pulid.ID("")).Immutable().
			DefaultFunc(func() pulid.ID { return pulid.New(m.prefix) }),
	}
}

// Annotations records the prefix for the pulid template.
func (m IDMixin) Annotations() []schema.Annotation {
	return []schema.Annotation{PULID{Prefix: m.prefix}}
}

// PULID is the annotation read by ent/template/pulid.tmpl.
type PULID struct{ Prefix string }

// Name implements schema.Annotation.
func (PULID) Name() string { return "PULID" }

// TimeMixin adds created_at and updated_at.
type TimeMixin struct{ mixin.Schema }

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Immutable().Default(time.Now).
			Annotations(entgql.OrderField("CREATED_AT")),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now).
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// TenantMixin makes a type tenant-owned: it carries tenant_id, every query
// is filtered by the caller's tenant and every mutation is confined to it.
// Only viewer.System contexts (trusted server-side work) see across tenants;
// a context with neither viewer nor system flag is denied outright.
type TenantMixin struct{ mixin.Schema }

// Fields of the TenantMixin.
func (TenantMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("tenant_id").GoType(pulid.ID("")).Immutable().NotEmpty().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the TenantMixin.
func (TenantMixin) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("tenant", Tenant.Type).Field("tenant_id").Unique().Required().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Interceptors of the TenantMixin.
func (TenantMixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{filterBy("tenant_id")}
}

// Hooks of the TenantMixin.
func (TenantMixin) Hooks() []ent.Hook {
	return []ent.Hook{confineTo("tenant_id")}
}

// filterBy adds "column = caller's tenant" to every query of the type.
func filterBy(column string) ent.Interceptor {
	return intercept.TraverseFunc(func(ctx context.Context, q intercept.Query) error {
		if viewer.IsSystem(ctx) {
			return nil
		}
		v, ok := viewer.FromContext(ctx)
		if !ok {
			return privacy.Denyf("tenant data read without a viewer")
		}
		q.WhereP(sql.FieldEQ(column, v.TenantID))
		return nil
	})
}

// confineTo sets column on create and restricts updates and deletes to rows
// where column is the caller's tenant, so an ID from another tenant behaves
// exactly like one that does not exist.
func confineTo(column string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if viewer.IsSystem(ctx) {
				return next.Mutate(ctx, m)
			}
			v, ok := viewer.FromContext(ctx)
			if !ok {
				return nil, privacy.Denyf("tenant data written without a viewer")
			}
			if m.Op().Is(ent.OpCreate) {
				if cur, set := m.Field(column); set && cur != v.TenantID {
					return nil, privacy.Denyf("create in another tenant")
				}
				if err := m.SetField(column, v.TenantID); err != nil {
					return nil, err
				}
				return next.Mutate(ctx, m)
			}
			w, ok := m.(interface{ WhereP(...func(*sql.Selector)) })
			if !ok {
				return nil, privacy.Denyf("mutation %T cannot be confined to a tenant", m)
			}
			w.WhereP(sql.FieldEQ(column, v.TenantID))
			return next.Mutate(ctx, m)
		})
	}
}

// SystemMixin marks internal tables (raw webhooks, jobs) that only trusted
// server-side code may touch; no client request can read or write them.
type SystemMixin struct{ mixin.Schema }

// Interceptors of the SystemMixin.
func (SystemMixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{intercept.TraverseFunc(func(ctx context.Context, _ intercept.Query) error {
		if !viewer.IsSystem(ctx) {
			return privacy.Denyf("internal table read outside system context")
		}
		return nil
	})}
}

// Hooks of the SystemMixin.
func (SystemMixin) Hooks() []ent.Hook {
	return []ent.Hook{func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if !viewer.IsSystem(ctx) {
				return nil, privacy.Denyf("internal table written outside system context")
			}
			return next.Mutate(ctx, m)
		})
	}}
}

// requireRole is a mutation rule: callers below min are denied (FORBIDDEN).
// System contexts pass; tenant confinement is the TenantMixin's job.
func requireRole(min viewer.Role) privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error {
		if viewer.IsSystem(ctx) {
			return privacy.Allow
		}
		v, ok := viewer.FromContext(ctx)
		if !ok || !v.Role.AtLeast(min) {
			return privacy.Denyf("requires role %s", min)
		}
		return privacy.Allow
	})
}

// adminWrites is the policy of types that only admins and owners change.
func adminWrites() ent.Policy {
	return privacy.Policy{Mutation: privacy.MutationPolicy{requireRole(viewer.RoleAdmin)}}
}

// enumType names the GraphQL enum of an ent enum field.
func enumType(name string) schema.Annotation { return entgql.Type(name) }

// skip hides a field or edge from GraphQL entirely.
func skip() schema.Annotation { return entgql.Skip(entgql.SkipAll) }

// pulidID is the Go type of foreign keys that hold a pulid.
func pulidID() pulid.ID { return "" }

// hidden keeps an internal type out of the GraphQL schema.
func hidden() []schema.Annotation { return []schema.Annotation{skip()} }

// timeNow is the default of creation timestamps.
func timeNow() time.Time { return time.Now() }

// edgeTo is an optional many-to-one edge whose foreign key column is field;
// deleting the target leaves the row with a NULL reference.
func edgeTo(name string, t any, column string) ent.Edge {
	return edge.To(name, t).Field(column).Unique().Immutable().
		Annotations(entsql.OnDelete(entsql.SetNull))
}
