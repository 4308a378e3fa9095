package inbound

import (
	"encoding/json"
	"time"

	"switchboard/ent/schema/schematype"
	"switchboard/internal/contacts"
	"switchboard/internal/whatsapp"
)

// One odd field of a signed webhook must not cost the whole message: a
// value that one database stores and the other refuses, or that no
// database can read back, would fail the job on every try until the
// message is given up. What is stored is therefore cleaned here; the
// stored webhook keeps the payload exactly as Meta sent it.

// Column limits of the values cleaned below (see ent/schema).
const (
	maxExternalID  = 256 // message.external_id
	maxProfileName = 200 // contact.profile_name
	maxPhone       = 20  // contact.phone and wa_id
)

// earliest is the first plausible Meta timestamp: WhatsApp was released in
// 2009. Anything earlier, or more than maxAhead after the webhook was
// received, is impossible.
var earliest = time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)

const maxAhead = 24 * time.Hour

// when is the time of a Meta timestamp, or received (when the webhook
// arrived) if the timestamp is missing or impossible: a year-3170843 time
// breaks every later read of the row on SQLite and is refused by
// PostgreSQL. The original stays in the message's raw JSON.
func when(ts whatsapp.Timestamp, received time.Time) time.Time {
	t, err := ts.Time()
	if err != nil || t.Before(earliest) || t.After(received.Add(maxAhead)) {
		return received.UTC()
	}
	return t.UTC()
}

// cleanKeys cleans, in place, the values of a messages item that identify
// rows (Meta ids, senders, status names) and contact names, before the
// batch uses any of them as a key, so that every lookup and insert of the
// batch sees the same cleaned values.
func cleanKeys(it *whatsapp.Item) {
	// Items share their slices with the parsed envelope, which only this
	// batch holds: cleaning in place is safe.
	for i := range it.Messages {
		m := &it.Messages[i]
		m.ID = whatsapp.CleanText(m.ID, maxExternalID)
		m.From = whatsapp.CleanText(m.From, 0)
	}
	for i := range it.Statuses {
		s := &it.Statuses[i]
		s.ID = whatsapp.CleanText(s.ID, maxExternalID)
		s.Status = whatsapp.StatusKind(whatsapp.CleanText(string(s.Status), 64))
	}
	for i := range it.Contacts {
		c := &it.Contacts[i]
		c.WAID = whatsapp.CleanText(c.WAID, 0)
		c.Profile.Name = whatsapp.CleanText(c.Profile.Name, maxProfileName)
	}
}

// phoneOf is the E.164 phone of a sender's wa_id, normalized exactly as a
// contact created by an agent is (contacts.PhoneOfWAID), and whether it can
// be stored at all; a sender that cannot is left in the raw event, like one
// with no wa_id.
func phoneOf(from string) (string, bool) {
	phone, ok := contacts.PhoneOfWAID(from)
	return phone, ok && len(phone) <= maxPhone
}

// cleanMedia is a message's media as stored.
func cleanMedia(md *whatsapp.Media) *schematype.Media {
	return &schematype.Media{
		MediaID: whatsapp.CleanText(md.ID, 0), MimeType: whatsapp.CleanText(md.MimeType, 0),
		Caption: whatsapp.CleanText(md.Caption, 0), Filename: whatsapp.CleanText(md.Filename, 0),
		SHA256: whatsapp.CleanText(md.SHA256, 0),
	}
}

// cleanError is Meta's error as stored.
func cleanError(e whatsapp.Error) *schematype.Error {
	return &schematype.Error{Code: e.Code, Title: whatsapp.CleanText(e.Title, 0), Message: whatsapp.CleanText(e.Message, 0)}
}

// rawOf is the JSON kept as a message's raw form: as received where both
// databases can store it, else with its offending characters replaced.
func rawOf(raw json.RawMessage, v any) json.RawMessage {
	if len(raw) == 0 {
		b, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		raw = b
	}
	return whatsapp.CleanJSON(raw)
}
