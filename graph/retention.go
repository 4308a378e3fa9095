package graph

import (
	"context"
	"strings"

	"switchboard/graph/model"
	"switchboard/internal/retention"
	"switchboard/internal/viewer"
)

// retentionStatus is how the retention purge last ran and what it removed
// of the caller's tenant's data; admins only, like the audit log.
func (r *Resolver) retentionStatus(ctx context.Context) (*model.RetentionStatus, error) {
	v, err := role(ctx, viewer.RoleAdmin)
	if err != nil {
		return nil, err
	}
	t, err := r.client(ctx).Tenant.Get(ctx, v.TenantID)
	if err != nil {
		return nil, err
	}
	st, err := retention.ReadStatus(ctx, r.Client, v.TenantID)
	if err != nil {
		return nil, err
	}
	out := &model.RetentionStatus{
		LastRunAt: st.LastRunAt, LastSuccessAt: st.LastSuccessAt, LastFinishedAt: st.LastFinishedAt,
		MessageRetentionDays: t.MessageRetentionDays,
		WebhookRetentionDays: r.Retention.WebhookDays,
		AuditRetentionDays:   r.Retention.AuditDays,
		TenantRunAt:          st.TenantRunAt,
	}
	if st.LastError != "" {
		out.LastError = &st.LastError
	}
	for _, c := range st.Purged {
		out.Purged = append(out.Purged, &model.RetentionCount{Kind: model.RetentionKind(strings.ToUpper(string(c.Kind))),
			Count: int(c.Count)})
	}
	return out, nil
}
