package analytics

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/usagedaily"
	"switchboard/internal/pulid"
)

// Priced is one message's price as Meta's status webhook states it.
type Priced struct {
	TenantID, ChannelID pulid.ID
	Day                 time.Time // any time of the day it was priced; counted under its UTC day
	Type, Category      string    // Meta's pricing.type and pricing.category, as sent
	Count               int64     // messages to add; 0 means 1
}

// CountUsage adds one message to its day's usage row, creating the row if
// needed, in one statement (INSERT … ON CONFLICT DO UPDATE count = count +
// 1), so concurrent writers never lose a count. It does not know whether
// this message was counted before: its caller holds that guard (inbound
// counts only when its conditional update of the message's pricing
// changed a row, in the same transaction).
func CountUsage(ctx context.Context, c *ent.Client, p Priced) error {
	err := c.UsageDaily.Create().SetTenantID(p.TenantID).SetChannelID(p.ChannelID).SetDay(DayOf(p.Day)).
		SetPricingType(p.Type).SetPricingCategory(p.Category).SetCount(max(p.Count, 1)).
		OnConflict(sql.ConflictColumns(usagedaily.FieldTenantID, usagedaily.FieldChannelID, usagedaily.FieldDay,
			usagedaily.FieldPricingType, usagedaily.FieldPricingCategory)).
		AddCount(max(p.Count, 1)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("analytics: count usage: %w", err)
	}
	return nil
}

// UsageRow is one day's count of one channel's messages of one pricing
// type and category.
type UsageRow struct {
	Day             string // YYYY-MM-DD, UTC
	ChannelID       pulid.ID
	PricingType     string
	PricingCategory string
	Count           int
}

// Usage lists the usage rows of the days that overlap [from, to) (a day
// starting before from is included when from falls inside it), optionally
// of one channel, by day, channel, type and category. c's context decides
// the tenant: the ent interceptors filter usage_dailies by the caller's.
// A channel id that is not the caller's matches nothing.
func Usage(ctx context.Context, c *ent.Client, from, to time.Time, channelID *pulid.ID) ([]UsageRow, error) {
	if err := CheckRange(from, to); err != nil {
		return nil, err
	}
	q := c.UsageDaily.Query().Where(usagedaily.DayGTE(DayOf(from)), usagedaily.DayLT(to.UTC()))
	if channelID != nil {
		q.Where(usagedaily.ChannelID(*channelID))
	}
	rows, err := q.Order(ent.Asc(usagedaily.FieldDay), ent.Asc(usagedaily.FieldChannelID),
		ent.Asc(usagedaily.FieldPricingType), ent.Asc(usagedaily.FieldPricingCategory)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("analytics: usage: %w", err)
	}
	out := make([]UsageRow, len(rows))
	for i, r := range rows {
		out[i] = UsageRow{Day: r.Day.UTC().Format(dayLayout), ChannelID: r.ChannelID,
			PricingType: r.PricingType, PricingCategory: r.PricingCategory, Count: int(r.Count)}
	}
	return out, nil
}
