package inbound

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"switchboard/ent/message"
	"switchboard/internal/analytics"
	"switchboard/internal/whatsapp"
)

// price records how Meta prices m, once per message: Meta puts pricing on
// "sent" and on one of delivered/read, and any of them may be redelivered,
// arrive in any order or be processed twice. Only the first status with
// pricing that finds the message unpriced counts it in its day's usage,
// in the same transaction as the message's pricing, so a replay finds the
// message priced and counts nothing. What counts as charged is Meta's say
// (type "regular"), not ours.
func (b *batch) price(m *tracked, s whatsapp.Status, ts time.Time) {
	p := s.Pricing
	if p == nil || m.Direction != message.DirectionOUTBOUND || m.PricingType != "" {
		return
	}
	typ, cat := clip(p.Type), clip(p.Category)
	if typ == "" {
		return
	}
	m.PricingType, m.PricingCategory = typ, cat
	k := analytics.Priced{TenantID: m.TenantID, ChannelID: m.ChannelID, Day: analytics.DayOf(ts), Type: typ, Category: cat}
	if b.usage == nil {
		b.usage = map[analytics.Priced]int64{}
	}
	b.usage[k]++
}

// countUsage writes the batch's usage counts, one statement per row in key
// order and after every message and conversation update of the batch (just
// before the tenants' event logs), so that concurrent batches take usage
// rows in one order, after the rows they lock before (PostgreSQL).
func (b *batch) countUsage() error {
	keys := slices.SortedFunc(maps.Keys(b.usage), func(x, y analytics.Priced) int {
		return cmp.Or(cmp.Compare(x.TenantID, y.TenantID), cmp.Compare(x.ChannelID, y.ChannelID), x.Day.Compare(y.Day),
			cmp.Compare(x.Type, y.Type), cmp.Compare(x.Category, y.Category))
	})
	for _, k := range keys {
		k.Count = b.usage[k]
		if err := analytics.CountUsage(b.ctx, b.tx.Client(), k); err != nil {
			return err
		}
	}
	clear(b.usage)
	return nil
}

// clip keeps a pricing string storable and within its column (64 bytes);
// Meta's values are short words.
func clip(s string) string { return whatsapp.CleanText(s, 64) }
