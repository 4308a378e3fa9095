package auth

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"

	"golang.org/x/crypto/bcrypt"

	"switchboard/ent"
	"switchboard/ent/session"
	"switchboard/ent/tenant"
	"switchboard/ent/user"
	"switchboard/internal/apperr"
	"switchboard/internal/audit"
	"switchboard/internal/reqctx"
	"switchboard/internal/viewer"
)

// LogInInput is what logIn takes.
type LogInInput struct {
	Email, Password string
}

// errBadCredentials is the one answer for an unknown email and a wrong
// password, so sign-in does not tell which accounts exist.
var errBadCredentials = &apperr.Error{Code: apperr.Unauthenticated, Message: "wrong email or password"}

// LogIn checks an email and password and starts a session, with c (the
// request's transaction). Unknown emails cost the same bcrypt comparison as
// known ones, and failures are throttled per email and per client IP.
func (s *Service) LogIn(ctx context.Context, c *ent.Client, in LogInInput) (*Session, error) {
	email := normalizeEmail(in.Email)
	keys := []string{emailKey(email), ipKey(reqctx.From(ctx).IP)}
	if wait, blocked := s.throttle.blocked(s.now(), keys...); blocked {
		minutes := int(math.Ceil(wait.Minutes()))
		return nil, apperr.New(apperr.RateLimited, "too many failed sign-in attempts; try again in %d minute(s)", minutes)
	}
	sys := viewer.System(ctx)
	u, err := c.User.Query().Where(user.Email(email)).WithTenant().Only(sys)
	if err != nil && !ent.IsNotFound(err) {
		return nil, fmt.Errorf("auth: user lookup: %w", err)
	}
	hash := s.dummy()
	if u != nil {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(in.Password)) != nil || u == nil {
		s.throttle.fail(s.now(), keys...)
		return nil, errBadCredentials
	}
	// The password is right, so saying why sign-in is refused leaks nothing.
	if u.Disabled {
		return nil, apperr.New(apperr.Unauthenticated, "this member has been disabled; ask an admin of your business")
	}
	if u.Edges.Tenant == nil || u.Edges.Tenant.Status != tenant.StatusACTIVE {
		return nil, apperr.New(apperr.Unauthenticated, "this account is being deleted")
	}
	s.throttle.reset(keys[0])
	token, err := s.startSession(ctx, c, u)
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Entry{Action: audit.SignIn, TargetType: "User", TargetID: u.ID, Tenant: u.TenantID, Actor: u.ID}); err != nil {
		return nil, err
	}
	return &Session{Token: token, User: u, Tenant: u.Edges.Tenant}, nil
}

// dummy is a bcrypt hash of a random password at the cost real hashes use,
// compared against when the email is unknown so the answer takes as long.
func (s *Service) dummy() []byte {
	s.dummyOnce.Do(func() {
		pw := make([]byte, 32)
		_, _ = rand.Read(pw)
		h, err := bcrypt.GenerateFromPassword(pw[:24], bcrypt.DefaultCost)
		if err != nil {
			panic("auth: dummy hash: " + err.Error())
		}
		s.dummyHash = h
	})
	return s.dummyHash
}

// ErrNoSession is returned by LogOut for a caller without a session (an API
// key): a key is ended with revokeApiKey, not by signing out.
var ErrNoSession = apperr.New(apperr.BadUserInput, "this request is authenticated by an API key, which has no session to end; use revokeApiKey to stop the key")

// LogOut revokes the caller's session, with c (the request's transaction).
// The token stops authenticating as soon as the transaction commits.
func (s *Service) LogOut(ctx context.Context, c *ent.Client, v viewer.Viewer) error {
	if v.SessionID == "" {
		return ErrNoSession
	}
	n, err := c.Session.Update().
		Where(session.ID(v.SessionID), session.RevokedAtIsNil()).
		SetRevokedAt(s.now()).Save(ctx)
	if err != nil {
		return fmt.Errorf("auth: revoke session: %w", err)
	}
	if n == 0 {
		return apperr.New(apperr.Unauthenticated, "this session has already ended")
	}
	return audit.Record(ctx, c, audit.Entry{Action: audit.SignOut, TargetType: "User", TargetID: v.UserID})
}
