package auth

import "switchboard/internal/apperr"

// The errors of this package, in one place. All are *apperr.Error, so the
// GraphQL presenter shows them as they are, and callers match them with
// errors.Is (the same value is returned every time). Errors about one input
// field, and rate limits that say when to come back, are built where they
// arise (apperr.Input, apperr.New(apperr.RateLimited, …)).
var (
	// ErrBadCredentials is the one answer for an unknown email and a
	// wrong password, so sign-in does not tell which accounts exist.
	ErrBadCredentials = apperr.New(apperr.Unauthenticated, "wrong email or password")
	// ErrInvalidToken answers a bearer token that is unknown, expired or
	// revoked, or whose member is disabled or tenant being deleted: the
	// caller learns nothing about which.
	ErrInvalidToken = apperr.New(apperr.Unauthenticated, "invalid or expired token")
	// ErrMemberDisabled refuses sign-in to a disabled member, once the
	// password proved who is asking (so it leaks nothing).
	ErrMemberDisabled = apperr.New(apperr.Unauthenticated, "this member has been disabled; ask an admin of your business")
	// ErrAccountDeleting refuses sign-in to a tenant being erased, once
	// the password proved who is asking.
	ErrAccountDeleting = apperr.New(apperr.Unauthenticated, "this account is being deleted")
	// ErrNoSession is returned by LogOut for a caller without a session
	// (an API key): a key is ended with revokeApiKey, not by signing out.
	ErrNoSession = apperr.New(apperr.BadUserInput, "this request is authenticated by an API key, which has no session to end; use revokeApiKey to stop the key")
	// ErrSessionEnded is LogOut of a session that another request ended
	// first.
	ErrSessionEnded = apperr.New(apperr.Unauthenticated, "this session has already ended")
	// ErrEmailTaken is the unique index on users' email speaking: an email
	// belongs to one account, whatever its tenant.
	ErrEmailTaken = &apperr.Error{Code: apperr.Conflict, Field: "email", Message: "an account with this email already exists"}
	// ErrOwnerOnly refuses an ADMIN adding an OWNER: only an owner makes
	// another.
	ErrOwnerOnly = apperr.New(apperr.Forbidden, "only an owner can add another owner")
	// ErrKeyNotFound answers an unknown API key and another tenant's
	// alike.
	ErrKeyNotFound = apperr.NotFoundf("API key not found")
)
