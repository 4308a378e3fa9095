// Package sim builds webhook payloads the way Meta's Cloud API sends them and delivers them
// signed to a local Switchboard. cmd/metasim, the load generator and Go tests share it so that
// all of them exercise the server with the same bytes.
package sim

import (
	"encoding/json"
	"time"

	"switchboard/internal/whatsapp"
)

// Channel is a business phone number as Meta addresses it in webhooks.
type Channel struct {
	WABAID             string
	PhoneNumberID      string
	DisplayPhoneNumber string
}

// Customer is a WhatsApp user writing to a business.
type Customer struct {
	WAID string
	Name string
}

// Inbound wraps messages from one customer into a single-change envelope, with the contacts[]
// entry Meta sends beside them (omitted when the customer has no name, as for system messages).
func Inbound(ch Channel, c Customer, msgs ...whatsapp.Message) whatsapp.Envelope {
	v := whatsapp.MessagesValue{Metadata: ch.metadata(), Messages: msgs}
	if c.Name != "" {
		v.Contacts = []whatsapp.Contact{{Profile: whatsapp.Profile{Name: c.Name}, WAID: c.WAID}}
	}
	return wrap(ch.WABAID, whatsapp.NewMessagesChange(v))
}

// TextMessage is the most common webhook: one customer, one text message.
func TextMessage(ch Channel, c Customer, wamid, text string, ts time.Time) whatsapp.Envelope {
	return Inbound(ch, c, Text(c.WAID, wamid, text, ts))
}

// Text builds a text message.
func Text(from, wamid, body string, ts time.Time) whatsapp.Message {
	return whatsapp.Message{
		From: from, ID: wamid, Timestamp: whatsapp.UnixTimestamp(ts), Type: whatsapp.TypeText,
		Text: &whatsapp.Text{Body: body},
	}
}

// Statuses wraps status callbacks for one business number into an envelope.
func Statuses(ch Channel, sts ...whatsapp.Status) whatsapp.Envelope {
	return wrap(ch.WABAID, whatsapp.NewMessagesChange(whatsapp.MessagesValue{
		Metadata: ch.metadata(), Statuses: sts,
	}))
}

// Status builds one status callback as Meta sends it: sent and delivered carry conversation
// and pricing, failed carries an error (131026, undeliverable), the others just the basics.
func Status(wamid string, kind whatsapp.StatusKind, recipient string, ts time.Time) whatsapp.Status {
	s := whatsapp.Status{
		ID: wamid, Status: kind, Timestamp: whatsapp.UnixTimestamp(ts), RecipientID: recipient,
	}
	switch kind {
	case whatsapp.StatusSent, whatsapp.StatusDelivered:
		s.Conversation = &whatsapp.Conversation{
			ID:                  conversationID(wamid),
			ExpirationTimestamp: whatsapp.UnixTimestamp(ts.Add(24 * time.Hour)),
			Origin:              &whatsapp.ConversationOrigin{Type: "service"},
		}
		s.Pricing = &whatsapp.Pricing{Billable: true, PricingModel: "PMP", Type: "regular", Category: "service"}
	case whatsapp.StatusFailed:
		s.Errors = []whatsapp.Error{{
			Code: 131026, Title: "Message undeliverable", Message: "Message undeliverable",
			ErrorData: &whatsapp.ErrorData{Details: "Message Undeliverable."},
			Href:      "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
		}}
	}
	return s
}

// TemplateStatus builds the review webhook for a template, as the templates feature expects
// it from Meta (the id is a JSON number).
func TemplateStatus(wabaID string, u whatsapp.TemplateStatusUpdate, ts time.Time) whatsapp.Envelope {
	env := wrap(wabaID, whatsapp.Change{Field: whatsapp.FieldTemplateStatusUpdate, TemplateStatus: &u})
	env.Entry[0].Time = json.Number(whatsapp.UnixTimestamp(ts))
	return env
}

// Marshal encodes an envelope; it exists so callers don't need encoding/json for the one
// thing they do with it.
func Marshal(env whatsapp.Envelope) ([]byte, error) { return json.Marshal(env) }

func wrap(wabaID string, c whatsapp.Change) whatsapp.Envelope {
	return whatsapp.Envelope{
		Object: whatsapp.ObjectWABA,
		Entry:  []whatsapp.Entry{{ID: wabaID, Changes: []whatsapp.Change{c}}},
	}
}

func (ch Channel) metadata() whatsapp.Metadata {
	return whatsapp.Metadata{DisplayPhoneNumber: ch.DisplayPhoneNumber, PhoneNumberID: ch.PhoneNumberID}
}
