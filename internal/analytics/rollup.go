package analytics

import (
	"context"
	stdsql "database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/ent/messagedaily"
	"switchboard/ent/rollupmark"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// The messageStats rollup: message_dailies holds, for every UTC day before
// the mark's rolled_until, each channel's messages by direction and current
// status, as they were when the rollup last counted that day. A message
// that changes afterwards (a late status, a retried send, a webhook with an
// old timestamp) has a newer updated_at: every run recounts the days of the
// messages changed since the mark's changes_until, and messageStats counts
// those days from the rows until then (dirtyDays). So the answer is always
// the rows' answer, read from O(days) rollup rows plus the rows written
// since the last run, never the whole range.
//
// Hand-written because no library keeps a rollup of ent rows; the rows it
// reads are found through the (tenant_id, timestamp) and (tenant_id,
// updated_at) indexes, one tenant at a time.

const (
	markID = "message_stats"
	// skew is how far replicas' clocks (which stamp updated_at) may be
	// behind the rollup's: changes are looked for from changes_until −
	// skew.
	skew = time.Minute
	// rollChunk bounds the days one recount transaction covers.
	rollChunk = 31
)

// Rollup keeps message_dailies up to date. Run it on every replica: a
// lease on the mark lets one at a time do the work.
type Rollup struct {
	Client *ent.Client
	Owner  string // names this replica in the lease
	Every  time.Duration
	Lease  time.Duration
	Log    *slog.Logger
	Now    func() time.Time
}

func (r *Rollup) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Run steps every r.Every (default one minute) until ctx ends.
func (r *Rollup) Run(ctx context.Context) {
	every := r.Every
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := r.Step(ctx); err != nil && ctx.Err() == nil && r.Log != nil {
			r.Log.Error("analytics: message stats rollup", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Step rolls up the days that ended since the last run and recounts the
// days whose messages changed since then. It does nothing while another
// replica holds the lease.
func (r *Rollup) Step(ctx context.Context) error {
	ctx = viewer.System(ctx)
	now := r.now()
	lease := r.Lease
	if lease <= 0 {
		lease = 10 * time.Minute
	}
	err := r.Client.RollupMark.Create().SetID(markID).OnConflictColumns(rollupmark.FieldID).DoNothing().Exec(ctx)
	if err != nil && !isNoRows(err) {
		return err
	}
	n, err := r.Client.RollupMark.Update().
		Where(rollupmark.ID(markID), rollupmark.Or(rollupmark.LeaseUntilIsNil(), rollupmark.LeaseUntilLT(now),
			rollupmark.LeaseOwner(r.Owner))).
		SetLeaseOwner(r.Owner).SetLeaseUntil(now.Add(lease)).Save(ctx)
	if err != nil || n == 0 {
		return err
	}
	defer func() {
		_ = r.Client.RollupMark.Update().Where(rollupmark.ID(markID), rollupmark.LeaseOwner(r.Owner)).
			ClearLeaseUntil().Exec(context.WithoutCancel(ctx))
	}()
	mark, err := r.Client.RollupMark.Get(ctx, markID)
	if err != nil {
		return err
	}
	today := DayOf(now)
	tenants, err := r.Client.Tenant.Query().IDs(ctx)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		if err := r.tenant(ctx, t, mark, today); err != nil {
			return fmt.Errorf("tenant %s: %w", t, err)
		}
	}
	// changes_until is when this run started looking: whatever changed
	// later is looked for next time.
	return r.Client.RollupMark.UpdateOneID(markID).Where(rollupmark.LeaseOwner(r.Owner)).
		SetRolledUntil(today).SetChangesUntil(now).Exec(ctx)
}

// tenant brings one tenant's rollup up to today: the days it changed since
// the mark, and the days that ended since the mark (all days before today
// on a first run).
func (r *Rollup) tenant(ctx context.Context, t pulid.ID, mark *ent.RollupMark, today time.Time) error {
	var days []time.Time
	if mark.RolledUntil != nil && mark.ChangesUntil != nil {
		dirty, err := dirtyDays(ctx, r.Client, t, *mark.ChangesUntil, time.Time{}, *mark.RolledUntil, nil)
		if err != nil {
			return err
		}
		days = dirty
	}
	from := time.Time{}
	if mark.RolledUntil != nil {
		from = *mark.RolledUntil
	} else {
		first, err := r.Client.Message.Query().Where(message.TenantID(t)).
			Order(ent.Asc(message.FieldTimestamp)).Select(message.FieldTimestamp).First(ctx)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		from = DayOf(first.Timestamp)
	}
	// Whole ranges of new days are recounted a chunk at a time; single
	// changed days one by one.
	for start := from; start.Before(today); {
		end := start.AddDate(0, 0, rollChunk)
		if end.After(today) {
			end = today
		}
		if err := r.recount(ctx, t, start, end); err != nil {
			return err
		}
		start = end
	}
	for _, d := range days {
		if !d.Before(from) {
			continue // recounted above
		}
		if err := r.recount(ctx, t, d, d.AddDate(0, 0, 1)); err != nil {
			return err
		}
	}
	return nil
}

// recount replaces the tenant's rollup rows of the days in [from, to)
// with the rows' counts, in one transaction.
func (r *Rollup) recount(ctx context.Context, t pulid.ID, from, to time.Time) error {
	rows, err := groupedCounts(ctx, r.Client.Message.Query().Where(message.TenantID(t),
		message.TimestampGTE(from), message.TimestampLT(to)), true)
	if err != nil {
		return err
	}
	tx, err := r.Client.Tx(ctx)
	if err != nil {
		return err
	}
	if _, err := tx.MessageDaily.Delete().Where(messagedaily.TenantID(t), messagedaily.DayGTE(from),
		messagedaily.DayLT(to)).Exec(ctx); err != nil {
		return rollback(tx, err)
	}
	creates := make([]*ent.MessageDailyCreate, 0, len(rows))
	for _, g := range rows {
		day, err := time.ParseInLocation(dayLayout, g.Day, time.UTC)
		if err != nil {
			return rollback(tx, err)
		}
		creates = append(creates, tx.MessageDaily.Create().SetTenantID(t).SetChannelID(g.Channel).SetDay(day).
			SetDirection(string(g.Direction)).SetStatus(string(g.Status)).SetCount(int64(g.N)))
	}
	for part := range slices.Chunk(creates, 500) {
		if err := tx.MessageDaily.CreateBulk(part...).Exec(ctx); err != nil {
			return rollback(tx, err)
		}
	}
	return tx.Commit()
}

// group is one (day, channel, direction, status) → count.
type group struct {
	Day       string            `json:"day"`
	Channel   pulid.ID          `json:"channel_id"`
	Direction message.Direction `json:"direction"`
	Status    message.Status    `json:"status"`
	N         int               `json:"n"`
}

// groupedCounts counts q's messages by UTC day, direction and status, and
// by channel too when byChannel.
func groupedCounts(ctx context.Context, q *ent.MessageQuery, byChannel bool) ([]group, error) {
	var rows []group
	err := q.Modify(func(s *sql.Selector) {
		grp, day := dayOf(s.Dialect(), s.C(message.FieldTimestamp))
		cols := []string{sql.As(day, "day"), s.C(message.FieldDirection), s.C(message.FieldStatus), sql.As(sql.Count("*"), "n")}
		by := []string{grp, s.C(message.FieldDirection), s.C(message.FieldStatus)}
		if byChannel {
			cols = append(cols, s.C(message.FieldChannelID))
			by = append(by, s.C(message.FieldChannelID))
		}
		s.Select(cols...).GroupBy(by...)
	}).Scan(ctx, &rows)
	return rows, err
}

// dirtyDays are the UTC days in [from, to) (from zero: all before to) of
// the tenant's messages (of one channel, if given) changed since
// changesUntil − skew: days whose rollup rows may be behind the rows.
func dirtyDays(ctx context.Context, c *ent.Client, t pulid.ID, changesUntil, from, to time.Time, channelID *pulid.ID) ([]time.Time, error) {
	// Only the (tenant_id, updated_at) range in SQL, so that the planner
	// has one index to take (SQLite, without statistics, took the
	// timestamp's); the days are kept to [from, to) below.
	q := c.Message.Query().Where(message.TenantID(t), message.UpdatedAtGTE(changesUntil.Add(-skew)))
	if channelID != nil {
		q.Where(message.ChannelID(*channelID))
	}
	var rows []struct {
		Day string `json:"day"`
	}
	err := q.Modify(func(s *sql.Selector) {
		grp, day := dayOf(s.Dialect(), s.C(message.FieldTimestamp))
		s.Select(sql.As(day, "day")).GroupBy(grp)
	}).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make([]time.Time, 0, len(rows))
	for _, r := range rows {
		d, err := time.ParseInLocation(dayLayout, r.Day, time.UTC)
		if err != nil {
			return nil, err
		}
		if d.Before(to) && (from.IsZero() || !d.Before(from)) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out, nil
}

func rollback(tx *ent.Tx, err error) error {
	_ = tx.Rollback()
	return err
}

func isNoRows(err error) bool { return errors.Is(err, stdsql.ErrNoRows) }
