// Package apperr names the errors clients see. Every package returns (or
// wraps with %w) one of these; the GraphQL error presenter turns them into
// extensions.code. Anything else is INTERNAL: logged, never shown.
package apperr

import (
	"errors"
	"fmt"
)

// Code is a value of extensions.code (API.md).
type Code string

// The codes of API.md.
const (
	Unauthenticated      Code = "UNAUTHENTICATED"
	Forbidden            Code = "FORBIDDEN"
	NotFound             Code = "NOT_FOUND"
	BadUserInput         Code = "BAD_USER_INPUT"
	Conflict             Code = "CONFLICT"
	RateLimited          Code = "RATE_LIMITED"
	OutsideServiceWindow Code = "OUTSIDE_SERVICE_WINDOW"
	ConsentRequired      Code = "CONSENT_REQUIRED"
	UpstreamError        Code = "UPSTREAM_ERROR"
	Internal             Code = "INTERNAL"
)

// Error is an error a client may see in full.
type Error struct {
	Code     Code
	Message  string
	Field    string // the input field at fault, for BAD_USER_INPUT
	MetaCode int    // Meta's error code, for UPSTREAM_ERROR
}

func (e *Error) Error() string { return e.Message }

// Is makes errors.Is(err, apperr.ErrNotFound) match any error of that code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// Sentinels for errors.Is; their empty message matches any error of the code.
var (
	ErrUnauthenticated = &Error{Code: Unauthenticated}
	ErrForbidden       = &Error{Code: Forbidden}
	ErrNotFound        = &Error{Code: NotFound}
	ErrBadInput        = &Error{Code: BadUserInput}
	ErrConflict        = &Error{Code: Conflict}
	ErrRateLimited     = &Error{Code: RateLimited}
)

// New returns an error with the code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Input is a BAD_USER_INPUT error on the named input field.
func Input(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf is a NOT_FOUND error. Callers use the same message for a
// missing object and another tenant's object.
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// As returns the *Error in err's chain, if any. A bare sentinel (ErrNotFound
// returned as is, or wrapped) answers its code with the code's default
// message: it is an error the caller chose to show, not an INTERNAL one.
func As(err error) (*Error, bool) {
	var e *Error
	if !errors.As(err, &e) || e == nil || e.Code == "" {
		return nil, false
	}
	if e.Message == "" {
		c := *e // never write to the shared sentinel
		c.Message = defaultMessage(e.Code)
		return &c, true
	}
	return e, true
}

// defaultMessage is what a client reads for an error of code that carries
// no message of its own.
func defaultMessage(c Code) string {
	switch c {
	case Unauthenticated:
		return "not signed in"
	case Forbidden:
		return "not allowed"
	case NotFound:
		return "not found"
	case BadUserInput:
		return "invalid input"
	case Conflict:
		return "conflicts with an existing record"
	case RateLimited:
		return "too many requests: try again later"
	case OutsideServiceWindow:
		return "outside the 24-hour customer service window"
	case ConsentRequired:
		return "the contact has not opted in"
	case UpstreamError:
		return "WhatsApp Cloud API error"
	}
	return "internal error"
}
