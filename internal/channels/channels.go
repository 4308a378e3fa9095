// Package channels connects and disconnects messaging accounts. A
// channel's Meta access token is sealed (internal/crypto) before it touches
// the database and is readable only through AccessToken, by server code.
package channels

import (
	"context"
	"fmt"
	"strings"
	"time"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/internal/apperr"
	"switchboard/internal/audit"
	"switchboard/internal/crypto"
	"switchboard/internal/inbound"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Service is the channels service.
type Service struct {
	sealer *crypto.Sealer
}

// New returns a Service sealing tokens with sealer.
func New(sealer *crypto.Sealer) *Service { return &Service{sealer: sealer} }

// ConnectInput is what connectWhatsApp takes.
type ConnectInput struct {
	Name, WabaID, PhoneNumberID, DisplayPhoneNumber, AccessToken, MetaUserID string
}

// ConnectWhatsApp stores a WhatsApp Business phone number with its sealed
// access token, and enqueues the replay of the number's unrouted webhooks
// of the last 7 days (inbound.ReplayHorizon). c must be the request's
// transaction client. A number already connected anywhere is CONFLICT.
func (s *Service) ConnectWhatsApp(ctx context.Context, c *ent.Client, in ConnectInput) (*ent.Channel, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 200 {
		return nil, apperr.Input("name", "name must be 1 to 200 characters")
	}
	if !digits(in.WabaID) {
		return nil, apperr.Input("wabaId", "wabaId must be Meta's numeric WhatsApp Business Account id")
	}
	if !digits(in.PhoneNumberID) {
		return nil, apperr.Input("phoneNumberId", "phoneNumberId must be Meta's numeric phone number id")
	}
	display := strings.TrimSpace(in.DisplayPhoneNumber)
	if display == "" || len(display) > 32 {
		return nil, apperr.Input("displayPhoneNumber", "displayPhoneNumber must be 1 to 32 characters")
	}
	token := strings.TrimSpace(in.AccessToken)
	if !validToken(token) {
		return nil, apperr.Input("accessToken", "accessToken must be a non-empty token without spaces")
	}
	if in.MetaUserID != "" && !digits(in.MetaUserID) {
		return nil, apperr.Input("metaUserId", "metaUserId must be numeric")
	}
	id := pulid.New("CH")
	sealed, keyID, err := s.sealer.Seal([]byte(token), []byte(id))
	if err != nil {
		return nil, fmt.Errorf("channels: seal token: %w", err)
	}
	ch, err := c.Channel.Create().SetID(id).
		SetKind(channel.KindWHATSAPP).SetName(name).
		SetWabaID(in.WabaID).SetPhoneNumberID(in.PhoneNumberID).SetDisplayPhoneNumber(display).
		SetAccessTokenCiphertext(sealed).SetAccessTokenKeyID(keyID).
		SetMetaUserID(in.MetaUserID).
		SetConnectedByID(actor(ctx)).
		Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, ErrNumberTaken
	}
	if err != nil {
		return nil, err
	}
	// Webhooks Meta sent for the number before it was connected were kept
	// as unrouted; they are applied to the channel in the background.
	if err := inbound.EnqueueReplay(ctx, c, ch, time.Now()); err != nil {
		return nil, err
	}
	err = audit.Record(ctx, c, audit.Entry{Action: audit.ChannelConnect, TargetType: audit.TargetChannel, TargetID: ch.ID,
		Metadata: map[string]any{"phoneNumberId": in.PhoneNumberID, "wabaId": in.WabaID}})
	return ch, err
}

// Disconnect revokes a channel and erases its token. Disconnecting a
// revoked channel changes nothing and answers the channel.
func (s *Service) Disconnect(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.Channel, error) {
	ch, err := c.Channel.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if ch.Status == channel.StatusREVOKED {
		return ch, nil
	}
	ch, err = c.Channel.UpdateOne(ch).SetStatus(channel.StatusREVOKED).SetRevokedAt(time.Now()).
		ClearAccessTokenCiphertext().ClearAccessTokenKeyID().Save(ctx)
	if err != nil {
		return nil, err
	}
	err = audit.Record(ctx, c, audit.Entry{Action: audit.ChannelRevoke, TargetType: audit.TargetChannel, TargetID: ch.ID})
	return ch, err
}

// UpdateInput is what updateChannel changes; nil fields stay.
type UpdateInput struct {
	Name                *string
	AccessToken         *string
	SendRatePerSecond   *int
	MessagingLimit      *int
	ClearMessagingLimit bool
}

// Update renames a channel, replaces its access token, or changes its send
// rate or messaging limit. A new token makes a NEEDS_REAUTH channel
// CONNECTED again, and its waiting sends go. A revoked channel is not
// reconnected by a token: connectWhatsApp does that. c must be the
// request's transaction client.
func (s *Service) Update(ctx context.Context, c *ent.Client, id pulid.ID, in UpdateInput) (*ent.Channel, error) {
	ch, err := c.Channel.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	upd := c.Channel.UpdateOne(ch)
	var changed []string
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || len(name) > 200 {
			return nil, apperr.Input("input.name", "name must be 1 to 200 characters")
		}
		upd.SetName(name)
		changed = append(changed, "name")
	}
	if in.SendRatePerSecond != nil {
		if r := *in.SendRatePerSecond; r < 1 || r > 1000 {
			return nil, apperr.Input("input.sendRatePerSecond", "sendRatePerSecond must be 1 to 1000 (Meta's default is 80)")
		}
		upd.SetSendRatePerSecond(*in.SendRatePerSecond)
		changed = append(changed, "sendRatePerSecond")
	}
	switch {
	case in.ClearMessagingLimit && in.MessagingLimit != nil:
		return nil, apperr.Input("input.messagingLimit", "give messagingLimit or clearMessagingLimit, not both")
	case in.ClearMessagingLimit:
		upd.ClearMessagingLimit()
		changed = append(changed, "messagingLimit")
	case in.MessagingLimit != nil:
		if *in.MessagingLimit < 1 {
			return nil, apperr.Input("input.messagingLimit", "messagingLimit must be positive")
		}
		upd.SetMessagingLimit(*in.MessagingLimit)
		changed = append(changed, "messagingLimit")
	}
	if in.AccessToken != nil {
		if ch.Status == channel.StatusREVOKED {
			return nil, apperr.Input("input.accessToken", "the channel is disconnected: connect the number again with connectWhatsApp")
		}
		token := strings.TrimSpace(*in.AccessToken)
		if !validToken(token) {
			return nil, apperr.Input("input.accessToken", "accessToken must be a non-empty token without spaces")
		}
		sealed, keyID, err := s.sealer.Seal([]byte(token), []byte(ch.ID))
		if err != nil {
			return nil, fmt.Errorf("channels: seal token: %w", err)
		}
		upd.SetAccessTokenCiphertext(sealed).SetAccessTokenKeyID(keyID).SetStatus(channel.StatusCONNECTED)
		changed = append(changed, "accessToken")
	}
	if ch, err = upd.Save(ctx); err != nil {
		return nil, err
	}
	err = audit.Record(ctx, c, audit.Entry{Action: audit.ChannelUpdate, TargetType: audit.TargetChannel, TargetID: ch.ID,
		Metadata: map[string]any{"changed": changed}})
	return ch, err
}

// AccessToken opens a channel's sealed token for a call to Meta.
func (s *Service) AccessToken(ch *ent.Channel) (string, error) {
	if ch.Status != channel.StatusCONNECTED || len(ch.AccessTokenCiphertext) == 0 {
		return "", fmt.Errorf("channels: channel %s: %w", ch.ID, ErrNotConnected)
	}
	b, err := s.sealer.Open(ch.AccessTokenCiphertext, ch.AccessTokenKeyID, []byte(ch.ID))
	if err != nil {
		return "", fmt.Errorf("channels: open token of %s: %w", ch.ID, err)
	}
	return string(b), nil
}

// validToken: Meta's access tokens are one word, at most a few hundred
// characters (4 KiB allowed).
func validToken(s string) bool {
	return s != "" && len(s) <= 4096 && !strings.ContainsAny(s, " \t\r\n")
}

func digits(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// actor is the signed-in member, or "" for an API key.
func actor(ctx context.Context) pulid.ID {
	v, _ := viewer.FromContext(ctx)
	return v.UserID
}
