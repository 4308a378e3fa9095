package inbound

import (
	"time"

	"switchboard/ent"
	"switchboard/ent/contact"
	"switchboard/internal/contacts"
	"switchboard/internal/pulid"
	"switchboard/internal/whatsapp"
)

// The optInSource of opt-in changes that come from WhatsApp, so that
// consent can be traced to what the customer did.
const (
	// SourceKeyword: the customer wrote STOP, UNSUBSCRIBE or START.
	SourceKeyword = "whatsapp:keyword"
	// SourcePreferences: the customer stopped or resumed marketing
	// messages in WhatsApp's settings (the user_preferences webhook).
	SourcePreferences = "whatsapp:user_preferences"
)

// preferences applies a user_preferences change: a customer who stops
// marketing messages is OPTED_OUT, one who resumes them OPTED_IN, at the
// time Meta gives, when that is newer than the contact's last opt-in
// decision. A preference that names a phone makes its customer a contact
// if needed, so that the decision holds whatever order webhooks are
// processed in; one that names only a user id changes an existing contact
// only: a late preference from a user id the customer has since left
// (user_changed_user_id) must not make a stray contact of it, and unlike
// messages, preferences have no id to dedupe redeliveries by. Other
// categories and values are kept in the raw event.
func (b *batch) preferences(ch *ent.Channel, it *whatsapp.Item, received time.Time) error {
	for i := range it.Preferences {
		p := &it.Preferences[i]
		status := contact.OptInStatusOPTED_IN
		switch {
		case p.Stop():
			status = contact.OptInStatusOPTED_OUT
		case !p.Resume():
			continue
		}
		s, ok := senderOfPreference(p)
		if !ok {
			continue
		}
		if s.phone == "" {
			known, err := b.known(ch.TenantID, s)
			if err != nil {
				return err
			}
			if !known {
				continue
			}
		}
		ts := when(p.Timestamp, received)
		id, err := b.contactOf(ch.TenantID, s, profileOf(it.ContactFor(p.WAID, p.UserID)), ts)
		if err != nil {
			return err
		}
		if err := b.optIn(id, status, SourcePreferences, ts); err != nil {
			return err
		}
	}
	return nil
}

// optIn records a customer's opt-in decision made at ts, unless the contact
// holds a later one: decisions only move forward in time, so redeliveries
// and late arrivals change nothing. opt_in_at holds the decision's time.
// Of two decisions in the same second, opting out wins, in either order.
func (b *batch) optIn(id pulid.ID, status contact.OptInStatus, source string, ts time.Time) error {
	newer := contact.OptInAtLT(ts)
	if status == contact.OptInStatusOPTED_OUT {
		newer = contact.OptInAtLTE(ts)
	}
	n, err := b.tx.Contact.Update().Where(contact.ID(id), contact.Or(contact.OptInAtIsNil(), newer)).
		SetOptInStatus(status).SetOptInSource(source).SetOptInAt(ts).Save(b.ctx)
	if err != nil || n == 0 {
		return err
	}
	tenant, err := b.tx.Contact.Query().Where(contact.ID(id)).Select(contact.FieldTenantID).String(b.ctx)
	if err != nil {
		return err
	}
	return contacts.RecordConsent(b.ctx, b.tx.Client(), pulid.ID(tenant), id, status, source, ts)
}

// known reports whether a contact of the tenant holds s's user id.
func (b *batch) known(tenant pulid.ID, s sender) (bool, error) {
	return b.tx.Contact.Query().Where(contact.TenantID(tenant), contact.UserID(s.userID)).Exist(b.ctx)
}
