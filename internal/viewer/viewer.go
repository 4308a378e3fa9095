// Package viewer carries who is asking through a context.Context. Every
// tenant-owned ent query and mutation reads it (see ent/schema/mixin.go), so
// isolation holds below the resolvers: code that forgets to filter by tenant
// still cannot see another tenant's rows.
package viewer

import (
	"context"

	"switchboard/internal/pulid"
)

// Role is a member's role within a tenant.
type Role string

// The roles, from most to least privileged.
const (
	RoleOwner Role = "OWNER"
	RoleAdmin Role = "ADMIN"
	RoleAgent Role = "AGENT"
)

// AtLeast reports whether r grants at least the rights of min.
func (r Role) AtLeast(min Role) bool { return rank(r) >= rank(min) }

func rank(r Role) int {
	switch r {
	case RoleOwner:
		return 3
	case RoleAdmin:
		return 2
	case RoleAgent:
		return 1
	}
	return 0
}

// Viewer is an authenticated caller: a member's session or an API key.
type Viewer struct {
	TenantID  pulid.ID
	UserID    pulid.ID // empty for API keys
	APIKeyID  pulid.ID // empty for sessions
	SessionID pulid.ID // empty for API keys
	Role      Role
}

type viewerKey struct{}
type systemKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the caller, if any.
func FromContext(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok && v.TenantID != ""
}

// System returns a context for trusted background work (sign-up, sign-in,
// webhook processing, jobs) that must cross tenants or act before anyone is
// signed in. Only server-side code calls it; nothing a client sends does.
func System(ctx context.Context) context.Context {
	return context.WithValue(ctx, systemKey{}, true)
}

// IsSystem reports whether ctx was made by System.
func IsSystem(ctx context.Context) bool {
	b, _ := ctx.Value(systemKey{}).(bool)
	return b
}
