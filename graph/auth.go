package graph

import (
	"context"

	"switchboard/ent"
	"switchboard/graph/model"
	"switchboard/internal/apperr"
	"switchboard/internal/auth"
	"switchboard/internal/pulid"
)

func (r *Resolver) signUp(ctx context.Context, in model.SignUpInput) (*model.AuthPayload, error) {
	s, err := r.Auth.SignUp(ctx, r.client(ctx), auth.SignUpInput{
		Email: in.Email, Password: in.Password, Name: in.Name, BusinessName: in.BusinessName,
	})
	if err != nil {
		return nil, err
	}
	return &model.AuthPayload{Token: s.Token, User: s.User, Tenant: s.Tenant}, nil
}

func (r *Resolver) me(ctx context.Context) (*ent.User, error) {
	v, err := member(ctx)
	if err != nil {
		return nil, err
	}
	if v.UserID == "" {
		return nil, apperr.NotFoundf("an API key is not a member")
	}
	return r.client(ctx).User.Get(ctx, v.UserID)
}

func (r *Resolver) tenant(ctx context.Context) (*ent.Tenant, error) {
	v, err := member(ctx)
	if err != nil {
		return nil, err
	}
	return r.client(ctx).Tenant.Get(ctx, v.TenantID)
}

var errTODO = apperr.New(apperr.Internal, "not implemented yet")

func (r *Resolver) logIn(ctx context.Context, in model.LogInInput) (*model.AuthPayload, error) {
	return nil, errTODO
}

func (r *Resolver) logOut(ctx context.Context) (bool, error) { return false, errTODO }

func (r *Resolver) updateTenantSettings(ctx context.Context, in model.UpdateTenantSettingsInput) (*ent.Tenant, error) {
	return nil, errTODO
}

func (r *Resolver) addMember(ctx context.Context, in model.AddMemberInput) (*ent.User, error) {
	return nil, errTODO
}

func (r *Resolver) members(ctx context.Context) ([]*ent.User, error) { return nil, errTODO }

func (r *Resolver) createAPIKey(ctx context.Context, in model.CreateAPIKeyInput) (*model.CreateAPIKeyPayload, error) {
	return nil, errTODO
}

func (r *Resolver) revokeAPIKey(ctx context.Context, id pulid.ID) (bool, error) {
	return false, errTODO
}

func (r *Resolver) apiKeys(ctx context.Context) ([]*ent.APIKey, error) { return nil, errTODO }
