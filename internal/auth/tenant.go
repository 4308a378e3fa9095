package auth

import (
	"context"
	"fmt"
	"strings"

	"switchboard/ent"
	"switchboard/internal/apperr"
	"switchboard/internal/audit"
	"switchboard/internal/viewer"
)

// Retention bounds of API.md, in days.
const (
	MinRetentionDays = 1
	MaxRetentionDays = 3650
)

// maxNameLen is the storage limit of tenant and member names (bytes).
const maxNameLen = 200

// TenantSettings is what updateTenantSettings takes; nil leaves a setting
// as it is.
type TenantSettings struct {
	Name                 *string
	MessageRetentionDays *int
	ReadReceipts         *bool
}

// UpdateTenant changes the caller's tenant settings, with c (the request's
// transaction), and audits the names of the settings that changed. The
// caller's role is checked by the resolver and again by the Tenant policy.
func (s *Service) UpdateTenant(ctx context.Context, c *ent.Client, v viewer.Viewer, in TenantSettings) (*ent.Tenant, error) {
	var name string
	if in.Name != nil {
		var err error
		if name, err = validName("name", *in.Name, maxNameLen); err != nil {
			return nil, err
		}
	}
	if d := in.MessageRetentionDays; d != nil && (*d < MinRetentionDays || *d > MaxRetentionDays) {
		return nil, apperr.Input("messageRetentionDays", "messageRetentionDays must be between %d and %d", MinRetentionDays, MaxRetentionDays)
	}
	t, err := c.Tenant.Get(ctx, v.TenantID)
	if err != nil {
		return nil, fmt.Errorf("auth: load tenant: %w", err)
	}
	upd := c.Tenant.UpdateOne(t)
	var changed []string
	if in.Name != nil && name != t.Name {
		upd.SetName(name)
		changed = append(changed, "name")
	}
	if d := in.MessageRetentionDays; d != nil && *d != t.MessageRetentionDays {
		upd.SetMessageRetentionDays(*d)
		changed = append(changed, "messageRetentionDays")
	}
	if r := in.ReadReceipts; r != nil && *r != t.ReadReceipts {
		upd.SetReadReceipts(*r)
		changed = append(changed, "readReceipts")
	}
	if len(changed) == 0 {
		return t, nil
	}
	t, err = upd.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: update tenant: %w", err)
	}
	err = audit.Record(ctx, c, audit.Entry{Action: audit.TenantUpdate, TargetType: audit.TargetTenant, TargetID: t.ID,
		Metadata: map[string]any{"fields": changed}})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// validName trims a display name and checks it fits its column.
func validName(field, s string, max int) (string, error) {
	n := strings.TrimSpace(s)
	if n == "" {
		return "", apperr.Input(field, "%s is required", field)
	}
	if len(n) > max {
		return "", apperr.Input(field, "%s must be at most %d bytes", field, max)
	}
	return n, nil
}
