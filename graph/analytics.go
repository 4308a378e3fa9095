package graph

import (
	"context"
	"time"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/graph/model"
	"switchboard/internal/analytics"
	"switchboard/internal/pulid"
)

func (r *Resolver) messageStats(ctx context.Context, from, to time.Time, channelID *pulid.ID) (*model.MessageStats, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	st, err := analytics.MessageStats(ctx, r.client(ctx), from, to, channelID)
	if err != nil {
		return nil, err
	}
	out := &model.MessageStats{Inbound: st.Inbound, Sent: st.Sent, Delivered: st.Delivered, Read: st.Read,
		Failed: st.Failed, DeliveryRate: st.DeliveryRate, ReadRate: st.ReadRate, ByDay: make([]*model.DayStats, len(st.ByDay))}
	for i, d := range st.ByDay {
		out.ByDay[i] = &model.DayStats{Day: d.Day, Inbound: d.Inbound, Sent: d.Sent, Delivered: d.Delivered,
			Read: d.Read, Failed: d.Failed}
	}
	return out, nil
}

// billableUsage loads the rows' channels in one query.
func (r *Resolver) billableUsage(ctx context.Context, from, to time.Time, channelID *pulid.ID) ([]*model.UsageRow, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	c := r.client(ctx)
	rows, err := analytics.Usage(ctx, c, from, to, channelID)
	if err != nil || len(rows) == 0 {
		return []*model.UsageRow{}, err
	}
	seen := map[pulid.ID]bool{}
	var ids []pulid.ID
	for _, u := range rows {
		if !seen[u.ChannelID] {
			seen[u.ChannelID] = true
			ids = append(ids, u.ChannelID)
		}
	}
	chs, err := c.Channel.Query().Where(channel.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[pulid.ID]*ent.Channel, len(chs))
	for _, ch := range chs {
		byID[ch.ID] = ch
	}
	out := make([]*model.UsageRow, 0, len(rows))
	for _, u := range rows {
		ch := byID[u.ChannelID]
		if ch == nil {
			continue // a channel deleted since: its rows have no channel to show
		}
		out = append(out, &model.UsageRow{Day: u.Day, Channel: ch, PricingType: u.PricingType,
			PricingCategory: u.PricingCategory, Count: u.Count})
	}
	return out, nil
}
