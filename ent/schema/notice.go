package schema

import (
	"context"
	"fmt"
	"unicode/utf8"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"switchboard/ent/intercept"
	"switchboard/ent/privacy"
	"switchboard/internal/viewer"
)

// Notice is what the operator of a Switchboard installation tells its
// tenants' members: a change of policy, planned maintenance, or a security
// incident (a breach notification). It is an operator-level row, not
// tenant data: a notice without tenant_id is for every tenant, one with it
// for that tenant alone. Members read the published, unexpired notices of
// their own tenant and the global ones; only the operator's commands
// (system context) write them.
type Notice struct{ ent.Schema }

// Mixin of the Notice.
func (Notice) Mixin() []ent.Mixin { return []ent.Mixin{ID("NO")} }

// Fields of the Notice.
func (Notice) Fields() []ent.Field {
	return []ent.Field{
		field.String("tenant_id").GoType(pulidID()).Optional().Nillable().Immutable().Annotations(skip()),
		field.Enum("kind").Values("POLICY_CHANGE", "SECURITY", "MAINTENANCE").Immutable().
			Annotations(enumType("NoticeKind")),
		field.String("title").NotEmpty().Immutable().Validate(maxRunes(200)),
		field.Text("body").NotEmpty().Immutable().Validate(maxRunes(10000)),
		field.Time("published_at").Immutable(),
		// expires_at ends the notice's display; withdrawing a notice moves
		// it to the time of the withdrawal.
		field.Time("expires_at"),
		field.Time("created_at").Immutable().Default(timeNow).Annotations(skip()),
	}
}

// Indexes of the Notice: members read by tenant (or none) and expiry.
func (Notice) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "expires_at"), index.Fields("expires_at")}
}

// Interceptors of the Notice: a member sees the global notices and their
// own tenant's, never another tenant's.
func (Notice) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{intercept.TraverseFunc(func(ctx context.Context, q intercept.Query) error {
		if viewer.IsSystem(ctx) {
			return nil
		}
		v, ok := viewer.FromContext(ctx)
		if !ok {
			return privacy.Denyf("notices read without a viewer")
		}
		q.WhereP(sql.OrPredicates(sql.FieldIsNull("tenant_id"), sql.FieldEQ("tenant_id", v.TenantID)))
		return nil
	})}
}

// Hooks of the Notice: only the operator's commands publish and withdraw
// notices, so no client request can write one.
func (Notice) Hooks() []ent.Hook {
	return []ent.Hook{func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			if !viewer.IsSystem(ctx) {
				return nil, privacy.Denyf("notices are written by the operator only")
			}
			return next.Mutate(ctx, m)
		})
	}}
}

// maxRunes is a validator of at most n characters; ent's MaxLen counts
// bytes, which would give non-Latin scripts a shorter limit.
func maxRunes(n int) func(string) error {
	return func(s string) error {
		if c := utf8.RuneCountInString(s); c > n {
			return fmt.Errorf("%d characters, at most %d allowed", c, n)
		}
		return nil
	}
}
