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

// The refusals of sendMessage and retryMessage.
var (
	ErrNoConversation = &apperr.Error{Code: apperr.NotFound, Field: "conversationId", Message: "no conversation with that id"}
	ErrNoMessage      = apperr.NotFoundf("no message with that id")
	ErrConsent        = apperr.New(apperr.ConsentRequired, "the contact opted out or is restricted: nothing may be sent to them")
	ErrChannelRevoked = apperr.New(apperr.Conflict, "the conversation's channel is disconnected: connect the number again to send")
	ErrNotRetryable   = apperr.Input("id", "only a FAILED outbound message can be retried")
)
