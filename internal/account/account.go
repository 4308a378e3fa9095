// Package account deletes a tenant's account: at once, sign-in stops, every
// session and API key ends and every channel is revoked with its token
// erased; after a grace period (ACCOUNT_DELETION_GRACE, at most 30 days)
// during which the owner may cancel, the account.erase job erases all of
// the tenant's data. What stays is what the law asks to keep and holds no
// personal data: the billing usage aggregates (usage_dailies, 7 years),
// the tenant row they refer to (nameless), and the deletion's privacy
// request with its confirmation code, so its status page keeps answering.
package account

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"switchboard/ent"
	"switchboard/ent/apikey"
	"switchboard/ent/channel"
	"switchboard/ent/privacyrequest"
	"switchboard/ent/session"
	"switchboard/ent/tenant"
	"switchboard/ent/user"
	"switchboard/internal/apperr"
	"switchboard/internal/audit"
	"switchboard/internal/jobs"
	"switchboard/internal/media"
	"switchboard/internal/privacy"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// EraseJob erases a deleted account's data once its grace period is over;
// its payload is the tenant's id. It erases in bounded steps, queueing
// itself again until nothing is left.
var EraseJob = jobs.IDKind("account.erase", "TN")

// Service deletes accounts.
type Service struct {
	Media *media.Store
	// Grace is how long the owner may cancel before the data is erased.
	Grace time.Duration
	// Checkpoint, when set, runs after the erasure's last step commits, so
	// erased data leaves the database files too (store.DB.Checkpoint).
	Checkpoint func(context.Context) error
	Log        *slog.Logger
	now        func() time.Time
}

// New returns a Service.
func New(store *media.Store, grace time.Duration, checkpoint func(context.Context) error, log *slog.Logger) *Service {
	return &Service{Media: store, Grace: grace, Checkpoint: checkpoint, Log: log, now: time.Now}
}

// Delete starts the deletion of the caller's account, with c (the
// mutation's transaction). Only the OWNER may, naming the tenant exactly
// (confirm), so no one deletes an account by a slip.
func (s *Service) Delete(ctx context.Context, c *ent.Client, confirm string) (*ent.PrivacyRequest, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return nil, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	if v.Role != viewer.RoleOwner {
		return nil, apperr.New(apperr.Forbidden, "only the account's owner can delete it")
	}
	t, err := c.Tenant.Get(ctx, v.TenantID)
	if err != nil {
		return nil, err
	}
	if confirm != t.Name {
		return nil, apperr.Input("confirm", "type the account's name exactly to confirm the deletion")
	}
	now := s.now()
	sys := viewer.System(ctx)
	// The tenant's status is what Authenticate and LogIn check: from the
	// commit on, no token of the tenant works and no one signs in.
	if err := c.Tenant.UpdateOneID(t.ID).SetStatus(tenant.StatusDELETING).SetDeletionRequestedAt(now).Exec(sys); err != nil {
		return nil, err
	}
	if err := endAccess(sys, c, t.ID, now); err != nil {
		return nil, err
	}
	code, err := privacy.NewConfirmationCode()
	if err != nil {
		return nil, err
	}
	source := privacyrequest.SourceDASHBOARD
	if v.APIKeyID != "" {
		source = privacyrequest.SourceAPI
	}
	eraseAt := now.Add(s.Grace)
	req, err := c.PrivacyRequest.Create().SetTenantID(t.ID).SetKind(privacyrequest.KindACCOUNT_DELETION).
		SetSource(source).SetConfirmationCode(code).SetDueAt(eraseAt).SetNillableRequestedByID(nonEmpty(v.UserID)).
		SetOutcome(fmt.Sprintf("Sign-in, sessions, API keys and channels ended at once; all data will be erased on %s unless the owner cancels.",
			eraseAt.UTC().Format(time.RFC3339))).
		Save(sys)
	if err != nil {
		return nil, err
	}
	job, err := EraseJob.Enqueue(sys, c, t.ID, t.ID)
	if err != nil {
		return nil, err
	}
	if err := c.Job.UpdateOne(job).SetRunAt(eraseAt).Exec(sys); err != nil {
		return nil, err
	}
	return req, audit.Record(ctx, c, audit.Entry{Action: audit.AccountDelete, TargetType: audit.TargetTenant, TargetID: t.ID,
		Metadata: map[string]any{"eraseAt": eraseAt.UTC().Format(time.RFC3339), "privacyRequest": string(req.ID)}})
}

// endAccess ends every session and API key of the tenant and revokes its
// channels with their tokens erased.
func endAccess(sys context.Context, c *ent.Client, t pulid.ID, now time.Time) error {
	members, err := c.User.Query().Where(user.TenantID(t)).IDs(sys)
	if err != nil {
		return err
	}
	if len(members) > 0 {
		if err := c.Session.Update().Where(session.UserIDIn(members...), session.RevokedAtIsNil()).SetRevokedAt(now).Exec(sys); err != nil {
			return err
		}
	}
	if err := c.APIKey.Update().Where(apikey.TenantID(t), apikey.RevokedAtIsNil()).SetRevokedAt(now).Exec(sys); err != nil {
		return err
	}
	return c.Channel.Update().Where(channel.TenantID(t), channel.StatusNEQ(channel.StatusREVOKED)).
		SetStatus(channel.StatusREVOKED).SetRevokedAt(now).ClearAccessTokenCiphertext().ClearAccessTokenKeyID().Exec(sys)
}

// Cancel undoes a deletion in its grace period: the owner proved who they
// are (auth.ResumeAccount checks the password) and names the deletion by
// its confirmation code. The account is ACTIVE again; sessions, API keys
// and channels stay ended (new ones are made as usual), and the erase job
// finds nothing to do.
func (s *Service) Cancel(ctx context.Context, c *ent.Client, owner *ent.User, code string) error {
	sys := viewer.System(ctx)
	if owner.Role != user.RoleOWNER {
		return apperr.New(apperr.Forbidden, "only the account's owner can cancel its deletion")
	}
	req, err := c.PrivacyRequest.Query().Where(privacyrequest.TenantID(owner.TenantID),
		privacyrequest.KindEQ(privacyrequest.KindACCOUNT_DELETION), privacyrequest.StatusEQ(privacyrequest.StatusRECEIVED),
		privacyrequest.ConfirmationCode(code)).Only(sys)
	if ent.IsNotFound(err) {
		return apperr.Input("confirmationCode", "no pending deletion of this account has this confirmation code")
	}
	if err != nil {
		return err
	}
	now := s.now()
	n, err := c.Tenant.Update().Where(tenant.ID(owner.TenantID), tenant.StatusEQ(tenant.StatusDELETING), tenant.ErasedAtIsNil()).
		SetStatus(tenant.StatusACTIVE).ClearDeletionRequestedAt().Save(sys)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.New(apperr.Conflict, "the account's data has already been erased")
	}
	err = c.PrivacyRequest.UpdateOne(req).SetStatus(privacyrequest.StatusREJECTED).SetCompletedAt(now).
		SetOutcome("Cancelled by the owner during the grace period: nothing was erased.").Exec(sys)
	if err != nil {
		return err
	}
	return audit.Record(ctx, c, audit.Entry{Action: audit.AccountDeleteCancel, TargetType: audit.TargetTenant,
		TargetID: owner.TenantID, Tenant: owner.TenantID, Actor: owner.ID})
}

func nonEmpty(id pulid.ID) *pulid.ID {
	if id == "" {
		return nil
	}
	return &id
}
