package auth

import (
	"context"

	"switchboard/ent"
	"switchboard/ent/user"
	"switchboard/internal/apperr"
	"switchboard/internal/audit"
	"switchboard/internal/viewer"
)

// MemberInput is what addMember takes.
type MemberInput struct {
	Email, Name, Password string
	Role                  user.Role
}

// AddMember creates a member of the caller's tenant, with c (the request's
// transaction). Only an owner may create another owner, so an admin cannot
// raise anyone above themselves. Emails are unique across tenants because
// sign-in takes only an email; the unique index decides, not a lookup.
//
// A member added this way never sees a sign-up form, so the one adding
// them attests for them: the tenant's owner accepted the terms for the
// business at signUp, and whoever adds a member vouches that they are 18
// or over. The member's terms and adult times are the time of the
// addition, and the member.add audit entry names who added them.
func (s *Service) AddMember(ctx context.Context, c *ent.Client, v viewer.Viewer, in MemberInput) (*ent.User, error) {
	if err := user.RoleValidator(in.Role); err != nil {
		return nil, apperr.Input("role", "role must be OWNER, ADMIN or AGENT")
	}
	if in.Role == user.RoleOWNER && v.Role != viewer.RoleOwner {
		return nil, ErrOwnerOnly
	}
	email, err := validEmail(in.Email)
	if err != nil {
		return nil, err
	}
	name, err := validName("name", in.Name, maxNameLen)
	if err != nil {
		return nil, err
	}
	if err := validPassword(in.Password, email); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	// The member is attested by whoever adds them (see AddMember).
	u, err := createUser(ctx, c, v.TenantID, email, name, in.Role, hash, s.attestationNow())
	if err != nil {
		return nil, err
	}
	err = audit.Record(ctx, c, audit.Entry{Action: audit.MemberAdd, TargetType: audit.TargetUser, TargetID: u.ID,
		Metadata: map[string]any{"role": string(u.Role)}})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// Members lists the caller's tenant's members, oldest first; the tenant
// filter is the User type's interceptor.
func (s *Service) Members(ctx context.Context, c *ent.Client) ([]*ent.User, error) {
	return c.User.Query().Order(ent.Asc(user.FieldCreatedAt), ent.Asc(user.FieldID)).All(ctx)
}
