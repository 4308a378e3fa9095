package analytics

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/ent/messagedaily"
	"switchboard/ent/predicate"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Counts are messages by what happened to them. Sent counts outbound
// messages that reached Meta at least (SENT, DELIVERED or READ now),
// Delivered those that reached the phone (DELIVERED or READ), Read those
// read, Failed those FAILED. Queued messages are in none of them.
type Counts struct {
	Inbound, Sent, Delivered, Read, Failed int
}

// DayCounts are one UTC day's counts.
type DayCounts struct {
	Day string // YYYY-MM-DD
	Counts
}

// Stats are the messages of a period: totals, rates and every UTC day that
// overlaps the period, in order, days without messages included (zeros),
// so a chart needs no gap filling.
type Stats struct {
	Counts
	DeliveryRate float64 // Delivered / Sent, 0 without sends
	ReadRate     float64 // Read / Delivered, 0 without deliveries
	ByDay        []DayCounts
}

// MessageStats counts the messages whose timestamp is in [from, to),
// inbound ones and outbound ones by their current status, optionally of
// one channel. Whole days before the rollup's mark come from
// message_dailies (rollup.go), except days with messages changed since the
// rollup last ran; those, partial days and days after the mark are
// counted from the rows, grouped in the database over the (tenant_id,
// timestamp) index range. The answer is the rows' answer either way. c's
// context decides the tenant; a channel id that is not the caller's
// matches nothing.
func MessageStats(ctx context.Context, c *ent.Client, from, to time.Time, channelID *pulid.ID) (Stats, error) {
	var st Stats
	if err := CheckRange(from, to); err != nil {
		return st, err
	}
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return st, fmt.Errorf("analytics: message stats without a tenant")
	}
	from, to = from.UTC(), to.UTC()
	days := map[string]*Counts{}
	for d := DayOf(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		st.ByDay = append(st.ByDay, DayCounts{Day: d.Format(dayLayout)})
	}
	for i := range st.ByDay {
		days[st.ByDay[i].Day] = &st.ByDay[i].Counts
	}
	add := func(day string, dir message.Direction, s message.Status, n int) error {
		dc := days[day]
		if dc == nil { // cannot happen: every timestamp in range has its day listed
			return fmt.Errorf("analytics: message stats: day %q outside the range", day)
		}
		st.Counts.add(dir, s, n)
		dc.add(dir, s, n)
		return nil
	}

	rolled, live, err := split(ctx, c, v.TenantID, from, to, channelID)
	if err != nil {
		return st, fmt.Errorf("analytics: message stats: %w", err)
	}
	for _, span := range rolled {
		q := c.MessageDaily.Query().Where(messagedaily.DayGTE(span[0]), messagedaily.DayLT(span[1]))
		if channelID != nil {
			q.Where(messagedaily.ChannelID(*channelID))
		}
		rows, err := q.All(ctx)
		if err != nil {
			return st, fmt.Errorf("analytics: message stats: %w", err)
		}
		for _, r := range rows {
			if err := add(r.Day.UTC().Format(dayLayout), message.Direction(r.Direction), message.Status(r.Status), int(r.Count)); err != nil {
				return st, err
			}
		}
	}
	if len(live) > 0 {
		spans := make([]predicate.Message, len(live))
		for i, span := range live {
			spans[i] = message.And(message.TimestampGTE(span[0]), message.TimestampLT(span[1]))
		}
		q := c.Message.Query().Where(message.Or(spans...))
		if channelID != nil {
			q.Where(message.ChannelID(*channelID))
		}
		rows, err := groupedCounts(ctx, q, false)
		if err != nil {
			return st, fmt.Errorf("analytics: message stats: %w", err)
		}
		for _, r := range rows {
			if err := add(r.Day, r.Direction, r.Status, r.N); err != nil {
				return st, err
			}
		}
	}
	if st.Sent > 0 {
		st.DeliveryRate = float64(st.Delivered) / float64(st.Sent)
	}
	if st.Delivered > 0 {
		st.ReadRate = float64(st.Read) / float64(st.Delivered)
	}
	return st, nil
}

// split divides [from, to) into spans read from the rollup (whole days
// before its mark whose messages did not change since it ran) and spans
// counted from the rows (the rest), each [start, end).
func split(ctx context.Context, c *ent.Client, tenant pulid.ID, from, to time.Time, channelID *pulid.ID) (rolled, live [][2]time.Time, err error) {
	mark, err := c.RollupMark.Get(viewer.System(ctx), markID)
	if ent.IsNotFound(err) || (err == nil && (mark.RolledUntil == nil || mark.ChangesUntil == nil)) {
		return nil, [][2]time.Time{{from, to}}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	// Whole days in [from, to) before the mark.
	first := DayOf(from)
	if first.Before(from) {
		first = first.AddDate(0, 0, 1)
	}
	last := DayOf(to)
	if last.After(*mark.RolledUntil) {
		last = *mark.RolledUntil
	}
	if !first.Before(last) {
		return nil, [][2]time.Time{{from, to}}, nil
	}
	dirty, err := dirtyDays(ctx, c, tenant, *mark.ChangesUntil, first, last, channelID)
	if err != nil {
		return nil, nil, err
	}
	if from.Before(first) {
		live = append(live, [2]time.Time{from, first})
	}
	start := first
	for _, d := range dirty {
		if start.Before(d) {
			rolled = append(rolled, [2]time.Time{start, d})
		}
		live = append(live, [2]time.Time{d, d.AddDate(0, 0, 1)})
		start = d.AddDate(0, 0, 1)
	}
	if start.Before(last) {
		rolled = append(rolled, [2]time.Time{start, last})
	}
	if last.Before(to) {
		live = append(live, [2]time.Time{last, to})
	}
	return rolled, live, nil
}

func (c *Counts) add(dir message.Direction, s message.Status, n int) {
	if dir == message.DirectionINBOUND {
		c.Inbound += n
		return
	}
	switch s {
	case message.StatusREAD:
		c.Read += n
		fallthrough
	case message.StatusDELIVERED:
		c.Delivered += n
		fallthrough
	case message.StatusSENT:
		c.Sent += n
	case message.StatusFAILED:
		c.Failed += n
	}
}

// dayOf is the SQL that groups column by UTC day, and the SQL of that
// day as YYYY-MM-DD. The grouping is the per-row cost of the query, so it
// is the cheapest each database offers. PostgreSQL groups by the UTC date
// and formats the date once per group (a third faster than to_char on every
// row). SQLite keeps times as text with their offset
// ("2006-01-02 15:04:05.999999999-07:00", see internal/store): a UTC time's
// day is its first ten characters; strftime, which converts other offsets
// to UTC, costs several times more and is kept for those.
func dayOf(dia, column string) (group, day string) {
	if dia == dialect.Postgres {
		group = "((" + column + " AT TIME ZONE 'UTC')::date)"
		return group, "to_char(" + group + ", 'YYYY-MM-DD')"
	}
	group = "(CASE WHEN substr(" + column + ", -6) = '+00:00' THEN substr(" + column + ", 1, 10) ELSE strftime('%Y-%m-%d', " + column + ") END)"
	return group, group
}
