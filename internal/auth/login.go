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

// LogIn checks an email and password and starts a session. Unknown
// emails cost the same bcrypt comparison as known ones, and failures are
// throttled per email and per client IP (throttle.go): each attempt is
// reserved against both before its password is compared, so at most
// LoginMaxFailures are ever compared per window, however many arrive at
// once.
//
// It manages its own transactions, so callers must not run it inside one
// (the GraphQL handler skips its per-mutation transaction for logIn): a
// failure must be recorded even though the sign-in fails, and on SQLite a
// write outside a running transaction would wait for that transaction.
func (s *Service) LogIn(ctx context.Context, in LogInInput) (*Session, error) {
	u, err := s.credentials(ctx, in)
	if err != nil {
		return nil, err
	}
	if u.Edges.Tenant == nil || u.Edges.Tenant.Status != tenant.StatusACTIVE {
		return nil, ErrAccountDeleting
	}
	return s.inTx(ctx, func(c *ent.Client) (*Session, error) { return s.signIn(ctx, c, u) })
}

// ResumeAccount is the sign-in of an owner who cancels their account's
// deletion in its grace period: the same credentials check as LogIn, then
// resume (the account service's Cancel, which checks the deletion's
// confirmation code and makes the tenant ACTIVE) and a new session, in one
// transaction.
func (s *Service) ResumeAccount(ctx context.Context, in LogInInput, resume func(context.Context, *ent.Client, *ent.User) error) (*Session, error) {
	u, err := s.credentials(ctx, in)
	if err != nil {
		return nil, err
	}
	return s.inTx(ctx, func(c *ent.Client) (*Session, error) {
		if err := resume(ctx, c, u); err != nil {
			return nil, err
		}
		u.Edges.Tenant.Status = tenant.StatusACTIVE
		return s.signIn(ctx, c, u)
	})
}

// credentials returns the member an email and password name, counting the
// attempt against the throttles first; a disabled member is refused.
func (s *Service) credentials(ctx context.Context, in LogInInput) (*ent.User, error) {
	c := s.client
	email := normalizeEmail(in.Email)
	keys := []string{emailKey(email), ipKey(reqctx.From(ctx).IP)}
	// The attempt is counted before the password is compared, atomically,
	// so parallel guesses cannot all slip under the limit; it is uncounted
	// below if the password turns out right.
	res, wait, err := s.throttle.reserve(ctx, s.now(), keys...)
	if err != nil {
		return nil, fmt.Errorf("auth: sign-in throttle: %w", err)
	}
	if wait > 0 {
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
		return nil, ErrBadCredentials // the reserved attempt stays, as the failure
	}
	// Not being able to uncount the attempt must not refuse the right
	// password: it then counts as a failure until it leaves the window.
	if err := s.throttle.release(ctx, res); err != nil {
		s.log.WarnContext(ctx, "sign-in throttle: releasing a successful attempt failed", "err", err)
	}
	// The password is right, so saying why sign-in is refused leaks nothing.
	if u.Disabled {
		return nil, ErrMemberDisabled
	}
	if u.Edges.Tenant == nil {
		return nil, ErrAccountDeleting
	}
	if err := s.throttle.reset(ctx, keys[0]); err != nil {
		s.log.WarnContext(ctx, "sign-in throttle: forgetting the email's failures failed", "err", err)
	}
	return u, nil
}

// inTx runs fn in a transaction of its own.
func (s *Service) inTx(ctx context.Context, fn func(*ent.Client) (*Session, error)) (*Session, error) {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return nil, err
	}
	sess, err := fn(tx.Client())
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return sess, tx.Commit()
}

// signIn starts the session of a member whose password matched, and
// audits it, with c.
func (s *Service) signIn(ctx context.Context, c *ent.Client, u *ent.User) (*Session, error) {
	token, err := s.startSession(ctx, c, u)
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Entry{Action: audit.SignIn, TargetType: audit.TargetUser, TargetID: u.ID, Tenant: u.TenantID, Actor: u.ID}); err != nil {
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
		return ErrSessionEnded
	}
	return audit.Record(ctx, c, audit.Entry{Action: audit.SignOut, TargetType: audit.TargetUser, TargetID: v.UserID})
}
