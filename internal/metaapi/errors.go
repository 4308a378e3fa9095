package metaapi

import (
	"errors"
	"fmt"
)

// ErrMediaURLExpired means a media URL answered 404: URLs from GetMedia
// live about five minutes, so the caller asks GetMedia for a fresh one and
// downloads again.
var ErrMediaURLExpired = errors.New("metaapi: media URL expired; ask GetMedia for a fresh URL")

// ErrMediaTooLarge means a download exceeded the caller's size cap. What
// was written to the io.Writer so far is incomplete and must be discarded.
var ErrMediaTooLarge = errors.New("metaapi: media larger than the allowed size")

// APIError is Meta's error object ({"error":{...}}) with the HTTP status it
// came with. Senders decide by Code (and Details), never by Message.
type APIError struct {
	HTTPStatus int
	Code       int
	Type       string
	Message    string
	Details    string // error_data.details
	FBTraceID  string // quote it when asking Meta about the failure
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("meta api: HTTP %d: code %d (%s): %s", e.HTTPStatus, e.Code, e.Type, e.Message)
	if e.Details != "" {
		s += ": " + e.Details
	}
	if e.FBTraceID != "" {
		s += " [fbtrace_id " + e.FBTraceID + "]"
	}
	return s
}

// ValidationError is an input the client refused before sending anything.
type ValidationError struct {
	Field   string // e.g. "interactive.buttons[2].title"
	Problem string
}

func (e *ValidationError) Error() string {
	return "metaapi: invalid " + e.Field + ": " + e.Problem
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// TransportError is a call that got no usable answer from Meta: the
// connection failed, the context ended, or the answer could not be read.
// Sent tells whether the request had been written in full before that
// happened; for a POST that makes the outcome unknown.
type TransportError struct {
	Method string
	Path   string // the URL path, never a query or token
	Sent   bool
	Err    error
}

func (e *TransportError) Error() string {
	when := "before the request was sent"
	if e.Sent {
		when = "after the request was sent"
	}
	return fmt.Sprintf("metaapi: %s %s: %s: %v", e.Method, e.Path, when, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

var errNoWAMID = errors.New("answer names no message id")
