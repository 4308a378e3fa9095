package graph

import (
	"context"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/graph/model"
	"switchboard/internal/channels"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

func (r *Resolver) connectWhatsApp(ctx context.Context, in model.ConnectWhatsAppInput) (*ent.Channel, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	ci := channels.ConnectInput{
		Name: in.Name, WabaID: in.WabaID, PhoneNumberID: in.PhoneNumberID,
		DisplayPhoneNumber: in.DisplayPhoneNumber, AccessToken: in.AccessToken,
	}
	if in.MetaUserID != nil {
		ci.MetaUserID = *in.MetaUserID
	}
	return r.Channels.ConnectWhatsApp(ctx, r.client(ctx), ci)
}

func (r *Resolver) disconnectChannel(ctx context.Context, id pulid.ID) (*ent.Channel, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	return r.Channels.Disconnect(ctx, r.client(ctx), id)
}

func (r *Resolver) channels(ctx context.Context) ([]*ent.Channel, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	return r.client(ctx).Channel.Query().Order(ent.Asc(channel.FieldCreatedAt), ent.Asc(channel.FieldID)).All(ctx)
}

func (r *Resolver) updateChannel(ctx context.Context, id pulid.ID, in model.UpdateChannelInput) (*ent.Channel, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	ch, err := r.Channels.Update(ctx, r.client(ctx), id, channels.UpdateInput{
		Name: in.Name, AccessToken: in.AccessToken, SendRatePerSecond: in.SendRatePerSecond,
		MessagingLimit: in.MessagingLimit, ClearMessagingLimit: in.ClearMessagingLimit != nil && *in.ClearMessagingLimit,
	})
	if err == nil && in.AccessToken != nil && r.Outbox != nil {
		r.Outbox.Notify() // its waiting sends go (the sweep finds them within its poll otherwise)
	}
	return ch, err
}
