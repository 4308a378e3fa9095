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
	maxUserID      = 256 // contact.user_id
	maxUsername    = 200 // contact.username
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
		m.FromUserID = userIDOf(m.FromUserID)
		if sys := m.System; sys != nil {
			sys.UserID, sys.PreviousUserID = userIDOf(sys.UserID), userIDOf(sys.PreviousUserID)
		}
	}
	for i := range it.Statuses {
		s := &it.Statuses[i]
		s.ID = whatsapp.CleanText(s.ID, maxExternalID)
		s.Status = whatsapp.StatusKind(whatsapp.CleanText(string(s.Status), 64))
	}
	for i := range it.Contacts {
		c := &it.Contacts[i]
		c.WAID = whatsapp.CleanText(c.WAID, 0)
		c.UserID = userIDOf(c.UserID)
		c.Profile.Name = whatsapp.CleanText(c.Profile.Name, maxProfileName)
		c.Profile.Username = whatsapp.CleanText(c.Profile.Username, maxUsername)
	}
	for i := range it.Preferences {
		p := &it.Preferences[i]
		p.WAID = whatsapp.CleanText(p.WAID, 0)
		p.UserID = userIDOf(p.UserID)
	}
}

// userIDOf is a business-scoped user id as kept, or "" for one that cannot
// be stored (longer than the column): cutting it would make two customers
// one, so such a sender is known by its phone alone, or kept only in the
// raw event. Meta's ids are about 130 characters.
func userIDOf(id string) string {
	id = whatsapp.CleanText(id, 0)
	if len(id) > maxUserID {
		return ""
	}
	return id
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
