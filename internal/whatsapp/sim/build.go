// Package sim builds webhook payloads the way Meta's Cloud API sends them and delivers them
// signed to a local Switchboard. cmd/metasim, the load generator and Go tests share it so that
// all of them exercise the server with the same bytes.
//
// The simulator shares no types with internal/whatsapp, the parser it tests: it writes Meta's
// JSON with its own structs and maps, and testdata/golden holds its output against examples
// written from Meta's documentation. Were both sides to use the same structs, a wrong JSON tag
// would be mirrored on both and no test would notice.
package sim

import (
	"encoding/json"
	"strconv"
	"time"
)

// objectWABA is the envelope "object" of every WhatsApp webhook.
const objectWABA = "whatsapp_business_account"

// Channel is a business phone number as Meta addresses it in webhooks.
type Channel struct {
	WABAID             string
	PhoneNumberID      string
	DisplayPhoneNumber string
}

// Customer is a WhatsApp user writing to a business. UserID and Username are the
// business-scoped user id (BSUID) and username Meta sends beside, or instead of, the phone
// number (WAID, then possibly empty) from 2026 on.
type Customer struct {
	WAID     string
	Name     string
	UserID   string
	Username string
}

// Envelope is one webhook body as Meta sends it. It is opaque: encode it with Marshal, combine
// several with Batch.
type Envelope struct {
	entries []entry
}

type entry struct {
	ID      string   `json:"id"`
	Time    int64    `json:"time,omitempty"`
	Changes []change `json:"changes"`
}

// change is one changes[] element; Value is a *messagesValue for "messages", otherwise any
// JSON-encodable value.
type change struct {
	Value any    `json:"value"`
	Field string `json:"field"`
}

type messagesValue struct {
	MessagingProduct string           `json:"messaging_product"`
	Metadata         metadata         `json:"metadata"`
	Contacts         []contact        `json:"contacts,omitempty"`
	Messages         []Message        `json:"messages,omitempty"`
	Statuses         []StatusCallback `json:"statuses,omitempty"`
}

type metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

type contact struct {
	Profile profile `json:"profile"`
	WAID    string  `json:"wa_id"`
	UserID  string  `json:"user_id,omitempty"`
}

type profile struct {
	Name     string `json:"name"`
	Username string `json:"username,omitempty"`
}

// MarshalJSON writes the envelope in Meta's shape.
func (e Envelope) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Object string  `json:"object"`
		Entry  []entry `json:"entry"`
	}{objectWABA, e.entries})
}

// Inbound wraps messages from one customer into a single-change envelope, with the contacts[]
// entry Meta sends beside them (omitted when the customer has no name, as for system messages).
func Inbound(ch Channel, c Customer, msgs ...Message) Envelope {
	v := &messagesValue{MessagingProduct: "whatsapp", Metadata: ch.metadata(), Messages: msgs}
	if c.Name != "" {
		v.Contacts = []contact{{Profile: profile{Name: c.Name, Username: c.Username}, WAID: c.WAID, UserID: c.UserID}}
	}
	return wrap(ch.WABAID, change{Field: "messages", Value: v})
}

// TextMessage is the most common webhook: one customer, one text message.
func TextMessage(ch Channel, c Customer, wamid, text string, ts time.Time) Envelope {
	return Inbound(ch, c, Text(c.WAID, wamid, text, ts))
}

// Statuses wraps status callbacks for one business number into an envelope.
func Statuses(ch Channel, sts ...StatusCallback) Envelope {
	return wrap(ch.WABAID, change{Field: "messages", Value: &messagesValue{
		MessagingProduct: "whatsapp", Metadata: ch.metadata(), Statuses: sts,
	}})
}

// TemplateReview is Meta's verdict on a message template, as sent in the
// message_template_status_update webhook.
type TemplateReview struct {
	Event    string // APPROVED, REJECTED, PAUSED, …
	ID       int64  // message_template_id, which Meta sends as a JSON number
	Name     string
	Language string
	Category string
	Reason   string

	// Optional details, sent only when set: a rejection's reason and
	// recommendation, a pause's title (FIRST_PAUSE, …, UNPAUSE) and
	// description, a disable date.
	RejectionReason, Recommendation string
	OtherTitle, OtherDescription    string
	DisableDate                     time.Time
}

// TemplateStatus builds the review webhook for a template, as the templates feature expects
// it from Meta (the id is a JSON number, entry.time is set).
func TemplateStatus(wabaID string, u TemplateReview, ts time.Time) Envelope {
	v := map[string]any{
		"event":                     u.Event,
		"message_template_id":       u.ID,
		"message_template_name":     u.Name,
		"message_template_language": u.Language,
		"reason":                    u.Reason,
	}
	if u.Category != "" {
		v["message_template_category"] = u.Category
	}
	if u.RejectionReason != "" || u.Recommendation != "" {
		v["rejection_info"] = map[string]any{"reason": u.RejectionReason, "recommendation": u.Recommendation}
	}
	if u.OtherTitle != "" || u.OtherDescription != "" {
		v["other_info"] = map[string]any{"title": u.OtherTitle, "description": u.OtherDescription}
	}
	if !u.DisableDate.IsZero() {
		v["disable_info"] = map[string]any{"disable_date": u.DisableDate.Unix()}
	}
	env := wrap(wabaID, change{Field: "message_template_status_update", Value: v})
	env.entries[0].Time = ts.Unix()
	return env
}

// Marshal encodes an envelope; it exists so callers don't need encoding/json for the one
// thing they do with it.
func Marshal(env Envelope) ([]byte, error) { return json.Marshal(env) }

func wrap(wabaID string, c change) Envelope {
	return Envelope{entries: []entry{{ID: wabaID, Changes: []change{c}}}}
}

func (ch Channel) metadata() metadata {
	return metadata{DisplayPhoneNumber: ch.DisplayPhoneNumber, PhoneNumberID: ch.PhoneNumberID}
}

// unix formats a time the way Meta does: Unix seconds as a decimal string.
func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
