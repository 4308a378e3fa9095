package graph

import (
	"context"
	"encoding/json"

	"entgo.io/contrib/entgql"

	"switchboard/ent"
	"switchboard/ent/auditlog"
	"switchboard/ent/schema/schematype"
	"switchboard/graph/model"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// auditLogs lists the tenant's audit log, newest first; admins only.
func (r *Resolver) auditLogs(ctx context.Context, after *entgql.Cursor[pulid.ID], first *int, before *entgql.Cursor[pulid.ID], last *int, f *model.AuditLogFilter) (*ent.AuditLogConnection, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	q := r.client(ctx).AuditLog.Query()
	if f != nil {
		if f.Action != nil {
			q.Where(auditlog.Action(*f.Action))
		}
		if f.ActorID != nil {
			q.Where(auditlog.ActorID(*f.ActorID))
		}
		if f.Since != nil {
			q.Where(auditlog.CreatedAtGTE(*f.Since))
		}
	}
	return q.Paginate(ctx, after, first, before, last,
		ent.WithAuditLogOrder(&ent.AuditLogOrder{Direction: entgql.OrderDirectionDesc, Field: ent.AuditLogOrderFieldCreatedAt}))
}

// auditMetadata is an entry's metadata as the JSON scalar (null when it
// has none).
func auditMetadata(e *ent.AuditLog) (schematype.JSON, error) {
	if len(e.Metadata) == 0 {
		return nil, nil
	}
	return json.Marshal(e.Metadata)
}
