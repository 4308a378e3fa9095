package sim

import "time"

// StatusKind is statuses[].status as Meta sends it.
type StatusKind string

// The statuses Meta reports for business-sent messages.
const (
	StatusSent      StatusKind = "sent"
	StatusDelivered StatusKind = "delivered"
	StatusRead      StatusKind = "read"
	StatusPlayed    StatusKind = "played"
	StatusFailed    StatusKind = "failed"
)

// StatusCallback is one statuses[] element, kept as the JSON object it becomes so that the simulator
// writes Meta's field names itself.
type StatusCallback map[string]any

// Status builds one status callback as Meta sends it since v24: sent and delivered carry
// pricing (a service reply inside the customer's window: free, category service; no
// conversation object any more), failed carries error 131026 (undeliverable), read and
// played just the basics.
func Status(wamid string, kind StatusKind, recipient string, ts time.Time) StatusCallback {
	s := StatusCallback{"id": wamid, "status": string(kind), "timestamp": unix(ts), "recipient_id": recipient}
	switch kind {
	case StatusSent, StatusDelivered:
		s.WithPricing("free_customer_service", "service", false)
	case StatusFailed:
		s.WithError(131026, "Message undeliverable", "Message Undeliverable.")
	}
	return s
}

// WithPricing sets pricing {billable, pricing_model "PMP", type, category}; billable is being
// retired by Meta but still sent.
func (s StatusCallback) WithPricing(typ, category string, billable bool) StatusCallback {
	s["pricing"] = map[string]any{"billable": billable, "pricing_model": "PMP", "type": typ, "category": category}
	return s
}

// WithError replaces errors[] with one error of the given code.
func (s StatusCallback) WithError(code int, title, details string) StatusCallback {
	s["errors"] = []any{metaError(code, title, details)}
	return s
}

// WithCallbackData echoes biz_opaque_callback_data, which Meta returns on sent, delivered and
// read when the send request carried it.
func (s StatusCallback) WithCallbackData(data string) StatusCallback {
	s["biz_opaque_callback_data"] = data
	return s
}

// WithRecipientUserID adds the recipient's business-scoped user id (recipient_user_id).
// When Meta withholds the phone number, build the status with an empty recipient.
func (s StatusCallback) WithRecipientUserID(userID string) StatusCallback {
	s["recipient_user_id"] = userID
	return s
}

// metaError is Meta's error object as it appears in statuses[].errors and messages[].errors.
func metaError(code int, title, details string) map[string]any {
	return map[string]any{
		"code": code, "title": title, "message": title,
		"error_data": map[string]any{"details": details},
		"href":       "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
	}
}
