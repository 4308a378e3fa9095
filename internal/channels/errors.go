package channels

import "switchboard/internal/apperr"

// The errors of this package, in one place. All are *apperr.Error, so the
// GraphQL presenter shows them as they are; invalid input is reported on
// its field where it is checked (apperr.Input).
var (
	// ErrNumberTaken is the unique index on phone_number_id speaking: a
	// WhatsApp number routes to one channel, whatever its tenant.
	ErrNumberTaken = &apperr.Error{Code: apperr.Conflict, Field: "phoneNumberId", Message: "this phone number is already connected"}
	// ErrNotConnected is a disconnected channel asked for its access
	// token: nothing can be sent through it until it is connected again.
	// It is wrapped with the channel's id.
	ErrNotConnected = apperr.New(apperr.Conflict, "the channel is not connected")
)
