package whatsapp

import "encoding/json"

// StatusKind is statuses[].status. Unknown values are kept as strings, because Meta adds
// states (e.g. "warning") and a status we don't know must still be stored.
type StatusKind string

// The statuses Meta sends for business-sent messages.
const (
	StatusSent      StatusKind = "sent"
	StatusDelivered StatusKind = "delivered"
	StatusRead      StatusKind = "read"
	// StatusPlayed is sent when the customer played a voice message; it means at least as
	// much as read. Switchboard's status ordering lives in internal/inbound.
	StatusPlayed  StatusKind = "played"
	StatusFailed  StatusKind = "failed"
	StatusDeleted StatusKind = "deleted"
	StatusWarning StatusKind = "warning"
)

// Status is one delivery callback for a message the business sent (ID is its wamid).
// Raw keeps the status as received, like Message.Raw.
type Status struct {
	ID                    string     `json:"id"`
	Status                StatusKind `json:"status"`
	Timestamp             Timestamp  `json:"timestamp"`
	RecipientID           string     `json:"recipient_id"`
	RecipientUserID       string     `json:"recipient_user_id,omitempty"`
	RecipientType         string     `json:"recipient_type,omitempty"`
	BizOpaqueCallbackData string     `json:"biz_opaque_callback_data,omitempty"`
	// Deprecated: Meta stopped sending the conversation object from Graph API v24 (billing
	// counts by Pricing.Type and Pricing.Category). Nothing in Switchboard reads it; it stays
	// so that older payloads still decode and Raw is unaffected.
	Conversation *Conversation `json:"conversation,omitempty"`
	Pricing      *Pricing      `json:"pricing,omitempty"`
	Errors       []Error       `json:"errors,omitempty"`

	Raw json.RawMessage `json:"-"`
}

type statusAlias Status

// UnmarshalJSON decodes the known fields and keeps a copy of the raw bytes.
func (s *Status) UnmarshalJSON(b []byte) error {
	var a statusAlias
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*s = Status(a)
	s.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON writes Raw when present, otherwise the typed fields.
func (s Status) MarshalJSON() ([]byte, error) {
	if len(s.Raw) > 0 {
		return s.Raw, nil
	}
	return json.Marshal(statusAlias(s))
}

// Conversation is Meta's billing conversation the message belongs to.
//
// Deprecated: gone from Graph API v24 on; use Pricing.
type Conversation struct {
	ID                  string              `json:"id"`
	ExpirationTimestamp Timestamp           `json:"expiration_timestamp,omitempty"`
	Origin              *ConversationOrigin `json:"origin,omitempty"`
}

// ConversationOrigin says who opened the conversation (service, marketing, utility, …).
type ConversationOrigin struct {
	Type string `json:"type"`
}

// Pricing is how Meta bills the message.
type Pricing struct {
	Billable     Bool   `json:"billable"`
	PricingModel string `json:"pricing_model,omitempty"`
	Type         string `json:"type,omitempty"`
	Category     string `json:"category,omitempty"`
}
