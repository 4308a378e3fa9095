package channels

import (
	"context"
	"time"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/internal/audit"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Revoked is what RevokeMetaUser did.
type Revoked struct {
	Channels int // channels revoked (those already revoked are not counted)
	Tenants  int // tenants they belonged to
}

// RevokeMetaUser carries out a Meta user's removal of our app (the
// deauthorize and data-deletion callbacks): every channel that user
// connected, in any tenant, is REVOKED with its access token erased, and
// the link to the user (meta_user_id) is erased from all of them, revoked
// ones included. Each tenant's audit log records the revocation, with the
// reason. It runs with c in the caller's transaction, across tenants, so
// it is server-side code only (system context).
func RevokeMetaUser(ctx context.Context, c *ent.Client, metaUserID, reason string) (Revoked, error) {
	ctx = viewer.System(ctx)
	chs, err := c.Channel.Query().Where(channel.MetaUserID(metaUserID)).
		Order(ent.Asc(channel.FieldID)).All(ctx)
	if err != nil || len(chs) == 0 {
		return Revoked{}, err
	}
	var r Revoked
	tenants := map[pulid.ID]bool{}
	now := time.Now()
	for _, ch := range chs {
		upd := c.Channel.UpdateOne(ch).ClearMetaUserID()
		if ch.Status != channel.StatusREVOKED {
			upd.SetStatus(channel.StatusREVOKED).SetRevokedAt(now).ClearAccessTokenCiphertext().ClearAccessTokenKeyID()
			r.Channels++
			tenants[ch.TenantID] = true
		}
		if err := upd.Exec(ctx); err != nil {
			return Revoked{}, err
		}
		if ch.Status != channel.StatusREVOKED {
			err := audit.Record(ctx, c, audit.Entry{Action: audit.ChannelRevoke, TargetType: audit.TargetChannel,
				TargetID: ch.ID, Tenant: ch.TenantID, Metadata: map[string]any{"reason": reason}})
			if err != nil {
				return Revoked{}, err
			}
		}
	}
	r.Tenants = len(tenants)
	return r, nil
}
