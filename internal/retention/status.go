package retention

import (
	"context"
	"time"

	"switchboard/ent"
	"switchboard/ent/retentiontally"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Status is how the purge last ran, as one tenant's admins see it: the
// deployment's last run (its times and error) and what the last run that
// reached the tenant removed of the tenant's data. Other tenants' counts
// are not shown.
type Status struct {
	LastRunAt, LastSuccessAt, LastFinishedAt *time.Time
	LastError                                string
	// TenantRunAt is when the last run that reached the tenant started;
	// Purged lists TenantKinds in order, zeros included.
	TenantRunAt *time.Time
	Purged      []KindCount
}

// KindCount is one row of Status.Purged.
type KindCount struct {
	Kind  Kind
	Count int64
}

// ReadStatus reads the tenant's Status. Before the first run every time
// is nil and every count zero.
func ReadStatus(ctx context.Context, c *ent.Client, t pulid.ID) (*Status, error) {
	sys := viewer.System(ctx)
	st := &Status{}
	mark, err := c.RetentionMark.Get(sys, MarkID)
	switch {
	case ent.IsNotFound(err):
	case err != nil:
		return nil, err
	default:
		st.LastRunAt, st.LastSuccessAt, st.LastFinishedAt = mark.LastRunAt, mark.LastSuccessAt, mark.LastFinishedAt
		st.LastError = mark.LastError
	}
	tally, err := c.RetentionTally.Query().Where(retentiontally.TenantID(t)).Only(sys)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	var counts map[string]int64
	if tally != nil {
		st.TenantRunAt, counts = &tally.RunAt, tally.Purged
	}
	for _, k := range TenantKinds {
		st.Purged = append(st.Purged, KindCount{Kind: k, Count: counts[string(k)]})
	}
	return st, nil
}
