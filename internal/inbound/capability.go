package inbound

import (
	"log/slog"
	"strings"

	"switchboard/ent/channel"
	"switchboard/internal/whatsapp"
)

// limitItem says whether an item sets channels' messaging limit.
func limitItem(it *whatsapp.Item) bool {
	return it.Kind == whatsapp.ItemBusinessCapability ||
		(it.Kind == whatsapp.ItemPhoneQuality && it.PhoneQuality != nil && it.PhoneQuality.CurrentLimit != "")
}

// messagingLimit applies a new messaging limit (unique customers outside a
// service window per 24 hours) to the channels it covers: every channel of
// the WABA for business_capability_update (since October 2025 the limit is
// the business portfolio's), the number it names for
// phone_number_quality_update. Campaigns read it before each claim
// (internal/outbox); a campaign the old limit paused resumes when the new
// one allows (campaigns.Run).
func (b *batch) messagingLimit(it *whatsapp.Item) error {
	var l whatsapp.MessagingLimit
	upd := b.tx.Channel.Update().Where(channel.WabaID(it.WABAID), channel.StatusNEQ(channel.StatusREVOKED))
	switch {
	case it.Capability != nil:
		if p := it.Capability.Limit(); p != nil {
			l = *p
		}
	case it.PhoneQuality != nil:
		l = whatsapp.ParseTier(it.PhoneQuality.CurrentLimit)
		digits := digitsOf(it.PhoneQuality.DisplayPhoneNumber)
		chans, err := b.tx.Channel.Query().Where(channel.WabaID(it.WABAID), channel.StatusNEQ(channel.StatusREVOKED)).All(b.ctx)
		if err != nil {
			return err
		}
		var ids []string
		for _, ch := range chans {
			if digits != "" && digitsOf(ch.DisplayPhoneNumber) == digits {
				ids = append(ids, string(ch.ID))
			}
		}
		if len(ids) == 0 {
			return nil
		}
		upd.Where(channel.IDIn(toIDs(ids)...))
	}
	if !l.Known {
		slog.DebugContext(b.ctx, "messaging limit not understood", "field", it.Field, "waba_id", it.WABAID)
		return nil
	}
	if l.Unlimited {
		upd.ClearMessagingLimit()
	} else {
		upd.SetMessagingLimit(int(min(l.N, 1<<31-1)))
	}
	return upd.Exec(b.ctx)
}

// digitsOf keeps a phone number's digits ("+1 555 0100" and "15550100"
// are the same number).
func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
