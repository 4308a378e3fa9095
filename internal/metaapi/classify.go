package metaapi

import (
	"errors"
	"net/http"
	"time"
)

// Action is what a sender does after a failed call.
type Action int

// The actions of META.md's error table, plus the ones the transport adds.
const (
	// ActionNone: err was nil.
	ActionNone Action = iota
	// RetryNumberLater: this business number is over its throughput
	// (130429); slow the whole number down and retry with backoff.
	RetryNumberLater
	// RetryRecipientLater: pair rate to this customer exceeded (131056);
	// retry this recipient after PairRateBackoff, others are unaffected.
	RetryRecipientLater
	// RetryLater: a temporary failure on Meta's side or one that happened
	// before the request left; resending is safe.
	RetryLater
	// OutcomeUnknown: the request left but no answer was read. Meta may
	// have accepted it; resending could deliver twice. Wait for the status
	// webhook (biz_opaque_callback_data carries our id) or surface it.
	OutcomeUnknown
	// BackOffGrowing: per-customer marketing limit (131049); do not resend
	// at once, back off in growing steps or give up.
	BackOffGrowing
	// PauseNumber: spam rate limit (131048); pause this number, surface it.
	PauseNumber
	// NeedsTemplate: the service window is closed (131047).
	NeedsTemplate
	// NeverRetry: the message will not go as it is (131050, 131026,
	// 132015, 132016, 131062, 368, any unknown 4xx, invalid input).
	NeverRetry
	// StopChannel: the access token was refused (190); mark the channel
	// and stop all its sends until it is reconnected.
	StopChannel
)

var actionNames = [...]string{"NONE", "RETRY_NUMBER_LATER", "RETRY_RECIPIENT_LATER", "RETRY_LATER",
	"OUTCOME_UNKNOWN", "BACK_OFF_GROWING", "PAUSE_NUMBER", "NEEDS_TEMPLATE", "NEVER_RETRY", "STOP_CHANNEL"}

func (a Action) String() string {
	if a < 0 || int(a) >= len(actionNames) {
		return "UNKNOWN_ACTION"
	}
	return actionNames[a]
}

// codeActions is META.md's table. Codes not listed fall back on the HTTP
// status: 5xx retry later, anything else never.
var codeActions = map[int]Action{
	130429: RetryNumberLater,
	131056: RetryRecipientLater,
	131057: RetryLater, 131016: RetryLater, 1: RetryLater, 2: RetryLater,
	4: RetryLater, 80007: RetryLater,
	131049: BackOffGrowing,
	131048: PauseNumber,
	131047: NeedsTemplate,
	131050: NeverRetry, 131026: NeverRetry, 132015: NeverRetry, 132016: NeverRetry,
	131062: NeverRetry, 368: NeverRetry,
	190: StopChannel,
}

// Classify says what to do after err, an error from this package's calls.
// A transport failure after a POST was written is OutcomeUnknown; before it
// was written (connection refused, DNS, a deadline that passed first) or on
// an idempotent GET, it is RetryLater. ErrMediaURLExpired is RetryLater
// too, with a fresh URL from GetMedia.
func Classify(err error) Action {
	if err == nil {
		return ActionNone
	}
	var ve *ValidationError
	if errors.As(err, &ve) {
		return NeverRetry // the input is at fault; it was not sent as it is
	}
	var api *APIError
	if errors.As(err, &api) {
		if a, ok := codeActions[api.Code]; ok {
			return a
		}
		if api.HTTPStatus >= 500 {
			return RetryLater
		}
		if api.HTTPStatus == http.StatusTooManyRequests {
			return RetryLater
		}
		return NeverRetry
	}
	var te *TransportError
	if errors.As(err, &te) {
		if te.Sent && te.Method == http.MethodPost {
			return OutcomeUnknown
		}
		return RetryLater
	}
	if errors.Is(err, ErrMediaURLExpired) {
		return RetryLater
	}
	return NeverRetry // validation errors, oversize media: the input is at fault
}

// PairRateBackoff is Meta's hint for 131056: wait 4^n seconds before the
// n-th retry (n from 0), capped at an hour.
func PairRateBackoff(n int) time.Duration {
	d := time.Second
	for i := 0; i < n && d < time.Hour; i++ {
		d *= 4
	}
	return min(d, time.Hour)
}

// ActionOfCode is what META.md's table says to do about an error code
// alone, for a message that already failed with it (retryMessage): known
// codes their action, any other code RetryLater (a person asked to try
// again, and nothing says it must not go).
func ActionOfCode(code int) Action {
	if a, ok := codeActions[code]; ok {
		return a
	}
	return RetryLater
}
