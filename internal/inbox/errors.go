package inbox

import "switchboard/internal/apperr"

var (
	// ErrUnauthenticated: inbox actions are an agent's, so they need a
	// signed-in caller whose tenant owns the conversation.
	ErrUnauthenticated = apperr.New(apperr.Unauthenticated, "sign in first: send Authorization: Bearer <token>")
	// ErrNoSuchMember: a conversation can only be assigned to a member of
	// its tenant; another tenant's user answers like a nonexistent one.
	ErrNoSuchMember = &apperr.Error{Code: apperr.NotFound, Field: "userId", Message: "no member with that id"}
)
