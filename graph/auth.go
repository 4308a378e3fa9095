package graph

import (
	"context"

	"switchboard/ent"
	"switchboard/graph/model"
	"switchboard/internal/apperr"
	"switchboard/internal/auth"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

func (r *Resolver) signUp(ctx context.Context, in model.SignUpInput) (*model.AuthPayload, error) {
	s, err := r.Auth.SignUp(ctx, r.client(ctx), auth.SignUpInput{
		Email: in.Email, Password: in.Password, Name: in.Name, BusinessName: in.BusinessName,
		AcceptTerms: in.AcceptTerms, ConfirmAdult: in.ConfirmAdult,
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

func (r *Resolver) logIn(ctx context.Context, in model.LogInInput) (*model.AuthPayload, error) {
	s, err := r.Auth.LogIn(ctx, auth.LogInInput{Email: in.Email, Password: in.Password})
	if err != nil {
		return nil, err
	}
	return &model.AuthPayload{Token: s.Token, User: s.User, Tenant: s.Tenant}, nil
}

// logOut ends the request's session. An API key has no session: it answers
// BAD_USER_INPUT (auth.ErrNoSession) and the key keeps working.
func (r *Resolver) logOut(ctx context.Context) (bool, error) {
	v, err := member(ctx)
	if err != nil {
		return false, err
	}
	if err := r.Auth.LogOut(ctx, r.client(ctx), v); err != nil {
		return false, err
	}
	return true, nil
}

func (r *Resolver) updateTenantSettings(ctx context.Context, in model.UpdateTenantSettingsInput) (*ent.Tenant, error) {
	v, err := role(ctx, viewer.RoleAdmin)
	if err != nil {
		return nil, err
	}
	return r.Auth.UpdateTenant(ctx, r.client(ctx), v, auth.TenantSettings{
		Name: in.Name, MessageRetentionDays: in.MessageRetentionDays, ReadReceipts: in.ReadReceipts,
	})
}

func (r *Resolver) addMember(ctx context.Context, in model.AddMemberInput) (*ent.User, error) {
	v, err := role(ctx, viewer.RoleAdmin)
	if err != nil {
		return nil, err
	}
	return r.Auth.AddMember(ctx, r.client(ctx), v, auth.MemberInput{
		Email: in.Email, Name: in.Name, Role: in.Role, Password: in.Password,
	})
}

func (r *Resolver) members(ctx context.Context) ([]*ent.User, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	return r.Auth.Members(ctx, r.client(ctx))
}

func (r *Resolver) createAPIKey(ctx context.Context, in model.CreateAPIKeyInput) (*model.CreateAPIKeyPayload, error) {
	v, err := role(ctx, viewer.RoleAdmin)
	if err != nil {
		return nil, err
	}
	k, err := r.Auth.CreateAPIKey(ctx, r.client(ctx), v, in.Name)
	if err != nil {
		return nil, err
	}
	return &model.CreateAPIKeyPayload{APIKey: k.Key, Secret: k.Secret}, nil
}

func (r *Resolver) revokeAPIKey(ctx context.Context, id pulid.ID) (bool, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return false, err
	}
	if err := r.Auth.RevokeAPIKey(ctx, r.client(ctx), id); err != nil {
		return false, err
	}
	return true, nil
}

func (r *Resolver) apiKeys(ctx context.Context) ([]*ent.APIKey, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	return r.Auth.APIKeys(ctx, r.client(ctx))
}
