package analytics

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/internal/pulid"
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
// one channel, in one grouped query: (UTC day, direction, status) → count
// over the (tenant_id, timestamp) index range. c's context decides the
// tenant; a channel id that is not the caller's matches nothing.
func MessageStats(ctx context.Context, c *ent.Client, from, to time.Time, channelID *pulid.ID) (Stats, error) {
	var st Stats
	if err := CheckRange(from, to); err != nil {
		return st, err
	}
	q := c.Message.Query().Where(message.TimestampGTE(from.UTC()), message.TimestampLT(to.UTC()))
	if channelID != nil {
		q.Where(message.ChannelID(*channelID))
	}
	var rows []struct {
		Day       string            `json:"day"`
		Direction message.Direction `json:"direction"`
		Status    message.Status    `json:"status"`
		N         int               `json:"n"`
	}
	err := q.Modify(func(s *sql.Selector) {
		group, day := dayOf(s.Dialect(), s.C(message.FieldTimestamp))
		s.Select(sql.As(day, "day"), s.C(message.FieldDirection), s.C(message.FieldStatus), sql.As(sql.Count("*"), "n")).
			GroupBy(group, s.C(message.FieldDirection), s.C(message.FieldStatus))
	}).Scan(ctx, &rows)
	if err != nil {
		return st, fmt.Errorf("analytics: message stats: %w", err)
	}
	days := map[string]*Counts{}
	for d := DayOf(from); d.Before(to); d = d.AddDate(0, 0, 1) {
		st.ByDay = append(st.ByDay, DayCounts{Day: d.Format(dayLayout)})
	}
	for i := range st.ByDay {
		days[st.ByDay[i].Day] = &st.ByDay[i].Counts
	}
	for _, r := range rows {
		day := days[r.Day]
		if day == nil { // cannot happen: every timestamp in range has its day listed
			return st, fmt.Errorf("analytics: message stats: day %q outside the range", r.Day)
		}
		for _, cn := range []*Counts{&st.Counts, day} {
			cn.add(r.Direction, r.Status, r.N)
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
