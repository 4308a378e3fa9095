package graph

import (
	"context"

	"switchboard/ent"
	"switchboard/graph/model"
	"switchboard/internal/auth"
	"switchboard/internal/events"
)

func (r *Resolver) deleteAccount(ctx context.Context, confirm string) (*ent.PrivacyRequest, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	req, err := r.Account.Delete(ctx, r.client(ctx), confirm)
	if err != nil {
		return nil, err
	}
	if tx := ent.TxFromContext(ctx); tx != nil && r.WakeJobs != nil {
		events.AfterCommit(tx, r.WakeJobs)
	}
	return req, nil
}

func (r *Resolver) cancelAccountDeletion(ctx context.Context, in model.CancelAccountDeletionInput) (*model.AuthPayload, error) {
	s, err := r.Auth.ResumeAccount(ctx, auth.LogInInput{Email: in.Email, Password: in.Password},
		func(ctx context.Context, c *ent.Client, u *ent.User) error {
			return r.Account.Cancel(ctx, c, u, in.ConfirmationCode)
		})
	if err != nil {
		return nil, err
	}
	return &model.AuthPayload{Token: s.Token, User: s.User, Tenant: s.Tenant}, nil
}
