// Package auth signs members up and in, and turns a bearer token (a
// session token or an API key) into a viewer.Viewer. Passwords are bcrypt
// hashes; tokens and keys are stored only as SHA-256 hashes.
package auth

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"switchboard/ent"
	"switchboard/ent/apikey"
	"switchboard/ent/session"
	"switchboard/ent/tenant"
	"switchboard/ent/user"
	"switchboard/internal/apperr"
	"switchboard/internal/audit"
	"switchboard/internal/pulid"
	"switchboard/internal/reqctx"
	"switchboard/internal/viewer"
)

// SessionTTL is how long a session token stays valid.
const SessionTTL = 30 * 24 * time.Hour

// MinPasswordLength is API.md's minimum.
const MinPasswordLength = 8

// Service is the authentication service. It is safe for concurrent use;
// sign-in throttling lives in the database, shared by every replica (see
// throttle.go).
type Service struct {
	client   *ent.Client
	log      *slog.Logger
	clock    atomic.Pointer[func() time.Time]
	throttle *throttle                // failed sign-ins per email and per IP
	signups  atomic.Pointer[throttle] // sign-ups per IP

	// termsVersion is the version of the terms recorded with each
	// acceptance (TERMS_VERSION); set before serving.
	termsVersion string

	dummyOnce sync.Once
	dummyHash []byte
}

// DefaultTermsVersion is the terms version recorded when none is configured.
const DefaultTermsVersion = "1"

// New returns a Service over client.
func New(client *ent.Client, log *slog.Logger) *Service {
	s := &Service{client: client, log: log, throttle: newThrottle(client, LoginMaxFailures, LoginWindow),
		termsVersion: DefaultTermsVersion}
	s.throttle.log = log
	s.SetSignUpLimit(SignUpMaxPerIP)
	s.SetClock(time.Now)
	return s
}

// SetClock replaces the service's clock. Tests use it to move time past
// the sign-in throttle window without sleeping; it is safe to call while
// requests are being served.
func (s *Service) SetClock(now func() time.Time) { s.clock.Store(&now) }

// SetTermsVersion sets the version of the terms that sign-ups accept from
// now on (TERMS_VERSION), so that each acceptance records which text the
// person agreed to. Call it before serving.
func (s *Service) SetTermsVersion(v string) { s.termsVersion = v }

// SetSignUpLimit replaces how many sign-ups one client IP may make within
// SignUpWindow (default SignUpMaxPerIP). A load generator that signs up
// many tenants from one address raises it; tests lower it. It is safe to
// call while requests are being served.
func (s *Service) SetSignUpLimit(n int) {
	t := newThrottle(s.client, n, SignUpWindow)
	t.log = s.log
	s.signups.Store(t)
}

func (s *Service) signUpThrottle() *throttle { return s.signups.Load() }

// now is the service's current time.
func (s *Service) now() time.Time { return (*s.clock.Load())() }

// Session is the result of signing up or in.
type Session struct {
	Token  string
	User   *ent.User
	Tenant *ent.Tenant
}

// SignUpInput is what signUp takes. AcceptTerms and ConfirmAdult are the
// person's own attestation: both must be true.
type SignUpInput struct {
	Email, Password, Name, BusinessName string
	AcceptTerms, ConfirmAdult           bool
}

// attestation is what a new member is recorded to have agreed to, and when.
type attestation struct {
	at      time.Time
	version string
}

// attested checks the person's own attestation: signing up needs both the
// terms accepted and the person 18 or over, else nothing is created.
func attested(in SignUpInput) error {
	if !in.AcceptTerms {
		return apperr.Input("acceptTerms", "acceptTerms must be true: the terms of service must be accepted to sign up")
	}
	if !in.ConfirmAdult {
		return apperr.Input("confirmAdult", "confirmAdult must be true: only people 18 or over may sign up")
	}
	return nil
}

// SignUp creates a tenant and its OWNER and signs the owner in, with c (the
// request's transaction). Sign-ups are throttled per client IP
// (SignUpMaxPerIP within SignUpWindow): the sign-up is counted in its
// transaction, under the IP's throttle lock, so parallel sign-ups cannot
// exceed the limit and a refused one counts nothing.
//
// Without a request transaction (an operation that also holds logIn runs
// without one) it opens its own, after the password is hashed: a sign-up
// is all or nothing, its throttle count included, and on SQLite the write
// lock is then not held through bcrypt.
func (s *Service) SignUp(ctx context.Context, c *ent.Client, in SignUpInput) (*Session, error) {
	key := signUpKey(reqctx.From(ctx).IP)
	// Within the request's transaction everything runs in c: on SQLite a
	// second connection could wait for the one c holds.
	if wait, blocked, err := s.signUpThrottle().blocked(ctx, c, s.now(), key); err != nil {
		return nil, fmt.Errorf("auth: sign-up throttle: %w", err)
	} else if blocked {
		return nil, signUpLimited(wait)
	}
	if err := attested(in); err != nil {
		return nil, err
	}
	email, err := validEmail(in.Email)
	if err != nil {
		return nil, err
	}
	if err := validPassword(in.Password, email); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return nil, apperr.Input("name", "name is required")
	}
	business := strings.TrimSpace(in.BusinessName)
	if business == "" {
		return nil, apperr.Input("businessName", "businessName is required")
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	if ent.TxFromContext(ctx) != nil {
		return s.createOwner(ctx, c, key, email, name, business, hash)
	}
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: sign-up: %w", err)
	}
	sess, err := s.createOwner(ctx, tx.Client(), key, email, name, business, hash)
	if err != nil {
		return nil, joinRollback(err, tx.Rollback())
	}
	return sess, tx.Commit()
}

// createOwner counts the sign-up against key and stores the validated
// tenant, owner and session, in the transaction c.
func (s *Service) createOwner(ctx context.Context, c *ent.Client, key, email, name, business, hash string) (*Session, error) {
	if _, wait, err := s.signUpThrottle().reserveIn(ctx, c, s.now(), key); err != nil {
		return nil, fmt.Errorf("auth: sign-up throttle: %w", err)
	} else if wait > 0 {
		return nil, signUpLimited(wait)
	}
	sys := viewer.System(ctx)
	t, err := c.Tenant.Create().SetName(business).Save(sys)
	if err != nil {
		return nil, fmt.Errorf("auth: create tenant: %w", err)
	}
	u, err := createUser(sys, c, t.ID, email, name, user.RoleOWNER, hash, s.attestationNow())
	if err != nil {
		return nil, err
	}
	token, err := s.startSession(ctx, c, u)
	if err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Entry{Action: audit.SignUp, TargetType: audit.TargetUser, TargetID: u.ID, Tenant: t.ID, Actor: u.ID}); err != nil {
		return nil, err
	}
	return &Session{Token: token, User: u, Tenant: t}, nil
}

func signUpLimited(wait time.Duration) error {
	return apperr.New(apperr.RateLimited, "too many sign-ups from this address; try again in %d minute(s)", int(math.Ceil(wait.Minutes())))
}

// startSession creates a session for u and returns its token.
func (s *Service) startSession(ctx context.Context, c *ent.Client, u *ent.User) (string, error) {
	token, hash := newToken(sessionPrefix)
	err := c.Session.Create().SetTenantID(u.TenantID).SetUserID(u.ID).SetTokenHash(hash).
		SetExpiresAt(s.now().Add(SessionTTL)).SetIP(reqctx.From(ctx).IP).
		Exec(viewer.System(ctx))
	if err != nil {
		return "", fmt.Errorf("auth: create session: %w", err)
	}
	return token, nil
}

// Authenticate resolves a bearer token to its caller. Unknown, expired or
// revoked tokens, disabled members and tenants being deleted are all
// UNAUTHENTICATED.
func (s *Service) Authenticate(ctx context.Context, token string) (viewer.Viewer, error) {
	sys := viewer.System(ctx)
	unauth := ErrInvalidToken
	now := s.now()
	switch {
	case strings.HasPrefix(token, sessionPrefix):
		se, err := s.client.Session.Query().
			Where(session.TokenHash(hashToken(token)), session.RevokedAtIsNil(), session.ExpiresAtGT(now)).
			Only(sys)
		if ent.IsNotFound(err) {
			return viewer.Viewer{}, unauth
		}
		if err != nil {
			return viewer.Viewer{}, fmt.Errorf("auth: session lookup: %w", err)
		}
		u, err := s.client.User.Query().
			Where(user.ID(se.UserID), user.Disabled(false), user.HasTenantWith(tenant.StatusEQ(tenant.StatusACTIVE))).
			Only(sys)
		if ent.IsNotFound(err) {
			return viewer.Viewer{}, unauth
		}
		if err != nil {
			return viewer.Viewer{}, fmt.Errorf("auth: user lookup: %w", err)
		}
		return viewer.Viewer{TenantID: u.TenantID, UserID: u.ID, SessionID: se.ID, Role: viewer.Role(u.Role)}, nil
	case strings.HasPrefix(token, apiKeyPrefix):
		k, err := s.client.APIKey.Query().
			Where(apikey.SecretHash(hashToken(token)), apikey.RevokedAtIsNil(),
				apikey.HasTenantWith(tenant.StatusEQ(tenant.StatusACTIVE))).
			Only(sys)
		if ent.IsNotFound(err) {
			return viewer.Viewer{}, unauth
		}
		if err != nil {
			return viewer.Viewer{}, fmt.Errorf("auth: api key lookup: %w", err)
		}
		s.touchKey(ctx, k)
		return viewer.Viewer{TenantID: k.TenantID, APIKeyID: k.ID, Role: viewer.Role(k.Role)}, nil
	}
	return viewer.Viewer{}, unauth
}

// touchKey records last use at most once a minute per key, so a busy
// integration does not write on every request.
func (s *Service) touchKey(ctx context.Context, k *ent.APIKey) {
	now := s.now()
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < time.Minute {
		return
	}
	if err := s.client.APIKey.UpdateOneID(k.ID).SetLastUsedAt(now).Exec(viewer.System(ctx)); err != nil {
		s.log.WarnContext(ctx, "api key last-use update failed", "err", err)
	}
}

// HashPassword returns the bcrypt hash of a password.
func HashPassword(pw string) (string, error) {
	if len(pw) > 72 {
		return "", apperr.Input("password", "password must be at most 72 bytes")
	}
	b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(b), nil
}

func validEmail(s string) (string, error) {
	e := normalizeEmail(s)
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return "", apperr.Input("email", "email is not a valid address")
	}
	return e, nil
}

// attestationNow is an attestation made now to the configured terms.
func (s *Service) attestationNow() attestation {
	return attestation{at: s.now(), version: s.termsVersion}
}

// createUser stores a member with the attestation made for them; an email
// taken anywhere is CONFLICT on email, decided by the unique index.
func createUser(ctx context.Context, c *ent.Client, tenant pulid.ID, email, name string, role user.Role, hash string, a attestation) (*ent.User, error) {
	u, err := c.User.Create().SetTenantID(tenant).SetEmail(email).SetName(name).
		SetRole(role).SetPasswordHash(hash).
		SetTermsAcceptedAt(a.at).SetTermsVersion(a.version).SetAdultConfirmedAt(a.at).Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, ErrEmailTaken
	}
	if err != nil {
		return nil, fmt.Errorf("auth: create user: %w", err)
	}
	return u, nil
}
