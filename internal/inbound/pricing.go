package inbound

import (
	"time"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/internal/analytics"
	"switchboard/internal/whatsapp"
)

// price records how Meta prices msg, once per message: Meta puts pricing
// on "sent" and on one of delivered/read, and any of them may be redelivered,
// arrive in any order or be processed twice. The conditional update (only a
// message not priced yet) is the guard: only the status whose update
// changes the row counts the message in its day's usage, in the same
// transaction, so a replay finds the message priced and counts nothing.
// What counts as charged is Meta's say (type "regular"), not ours.
func (b *batch) price(msg *ent.Message, s whatsapp.Status, ts time.Time) error {
	p := s.Pricing
	if p == nil || p.Type == "" || msg.Direction != message.DirectionOUTBOUND {
		return nil
	}
	typ, cat := clip(p.Type), clip(p.Category)
	n, err := b.tx.Message.Update().Where(message.ID(msg.ID), message.PricingTypeIsNil()).
		SetPricingType(typ).SetPricingCategory(cat).Save(b.ctx)
	if err != nil || n == 0 {
		return err
	}
	return analytics.CountUsage(b.ctx, b.tx.Client(), analytics.Priced{TenantID: msg.TenantID, ChannelID: msg.ChannelID,
		Day: ts, Type: typ, Category: cat})
}

// clip keeps a pricing string storable and within its column (64 bytes);
// Meta's values are short words.
func clip(s string) string { return whatsapp.CleanText(s, 64) }
