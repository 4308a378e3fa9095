package inbound

import (
	"slices"
	"time"

	"switchboard/ent"
	"switchboard/ent/contact"
	"switchboard/internal/pulid"
	"switchboard/internal/whatsapp"
)

// Since 2026 Meta identifies a customer by phone (wa_id), by business-scoped
// user id (BSUID, user_id) or by both, and may withhold the phone. A contact
// therefore holds either or both, each unique in the tenant, and a sender is
// found by whichever it shows:
//
//   - phone only, or user id only: the contact with it, created if new;
//   - both: the contact holding either; it records the other one (a
//     contact first seen by its BSUID takes its phone when Meta shows it,
//     and a phone's contact takes the BSUID).
//
// Merge rule: when the phone and the user id are held by two different
// contacts (say an agent created the phone's contact, and the customer
// then wrote with the phone withheld), both are the same customer, so the
// two become one: the older contact (created first, so the one agents
// know and link to) is kept, and the newer one is folded into it (fold).
// Whatever order the messages are processed in, the result is one contact
// with both identifiers and every message in one conversation per channel.

// sender is who a message or preference is from: phone (E.164, from
// waID) and/or user id (BSUID).
type sender struct {
	phone, waID, userID string
}

// senderOf identifies a message's sender; ok is false when it names no
// one that can be stored (the raw event keeps the message).
func senderOf(m *whatsapp.Message) (sender, bool) {
	s := sender{userID: m.FromUserID}
	if phone, ok := phoneOf(m.From); ok && m.From != "" {
		s.phone, s.waID = phone, m.From
	}
	return s, s.phone != "" || s.userID != ""
}

// senderOfPreference identifies the customer of a user_preferences entry.
func senderOfPreference(p *whatsapp.UserPreference) (sender, bool) {
	s := sender{userID: p.UserID}
	if phone, ok := phoneOf(p.WAID); ok && p.WAID != "" {
		s.phone, s.waID = phone, p.WAID
	}
	return s, s.phone != "" || s.userID != ""
}

// profile is what Meta's contacts[] entry says about a sender; empty values
// never overwrite known ones.
type profile struct{ name, username string }

func profileOf(c *whatsapp.Contact) profile {
	if c == nil {
		return profile{}
	}
	return profile{name: c.Profile.Name, username: c.Profile.Username}
}

// idChange is a user_changed_user_id system message: the customer's BSUID
// moved from prev to next.
type idChange struct{ prev, next string }

func userIDChange(m *whatsapp.Message) *idChange {
	if m.Type != whatsapp.TypeSystem || m.System == nil || m.System.Type != whatsapp.SystemUserChangedUserID {
		return nil
	}
	next := m.System.UserID
	if next == "" {
		next = m.FromUserID
	}
	if m.System.PreviousUserID == "" || next == "" || m.System.PreviousUserID == next {
		return nil
	}
	return &idChange{prev: m.System.PreviousUserID, next: next}
}

// newContact is the row a sender's first message creates.
func (b *batch) newContact(tenant pulid.ID, s sender, p profile) *ent.ContactCreate {
	c := b.tx.Contact.Create().SetTenantID(tenant)
	if s.phone != "" {
		c.SetPhone(s.phone).SetWaID(s.waID)
	}
	if s.userID != "" {
		c.SetUserID(s.userID)
	}
	if p.name != "" {
		c.SetProfileName(p.name)
	}
	if p.username != "" {
		c.SetUsername(p.username)
	}
	return c
}

// contactOf finds or creates the contact of s, records its identifiers and
// profile, and returns its id. A sender with one identifier is one upsert
// on that key (it locks the row, on PostgreSQL); one with both is looked up
// by either (see the merge rule above). ts is when the sender showed them:
// a contact's phone or user id is replaced only by its newest message (or
// preference), so a message delivered late cannot undo a change of number
// or of user id; older ones only fill in what the contact lacks.
func (b *batch) contactOf(tenant pulid.ID, s sender, p profile, ts time.Time) (pulid.ID, error) {
	profileSet := func(u *ent.ContactUpsert) {
		if p.name != "" {
			u.SetProfileName(p.name)
		}
		if p.username != "" {
			u.SetUsername(p.username)
		}
	}
	switch {
	case s.userID == "":
		return b.newContact(tenant, s, p).OnConflictColumns(contact.FieldTenantID, contact.FieldPhone).
			Update(func(u *ent.ContactUpsert) { u.SetWaID(s.waID); profileSet(u) }).ID(b.ctx)
	case s.phone == "":
		// Setting the key to itself keeps the SET list non-empty.
		return b.newContact(tenant, s, p).OnConflictColumns(contact.FieldTenantID, contact.FieldUserID).
			Update(func(u *ent.ContactUpsert) { u.SetUserID(s.userID); profileSet(u) }).ID(b.ctx)
	}
	q := b.tx.Contact.Query().Where(contact.TenantID(tenant), contact.Or(contact.Phone(s.phone), contact.UserID(s.userID))).
		Order(ent.Asc(contact.FieldID))
	if b.p.LockRows {
		q.ForUpdate()
	}
	found, err := q.All(b.ctx)
	if err != nil {
		return "", err
	}
	if len(found) == 0 {
		ct, err := b.newContact(tenant, s, p).Save(b.ctx) // a concurrent twin violates a unique key: the job retries
		if err != nil {
			return "", err
		}
		return ct.ID, nil
	}
	keep := found[0]
	u := b.tx.Contact.UpdateOneID(keep.ID)
	newest := keep.LastInboundAt == nil || !keep.LastInboundAt.After(ts)
	if len(found) > 1 {
		// The pair shows the two contacts are one customer.
		if err := b.fold(keep, found[1]); err != nil {
			return "", err
		}
		newest = true
	}
	if keep.Phone == nil || (*keep.Phone != s.phone && newest) {
		u.SetPhone(s.phone).SetWaID(s.waID)
	}
	if keep.UserID == nil || (*keep.UserID != s.userID && newest) {
		u.SetUserID(s.userID)
	}
	if p.name != "" {
		u.SetProfileName(p.name)
	}
	if p.username != "" {
		u.SetUsername(p.username)
	}
	return keep.ID, u.Exec(b.ctx)
}

// changeUserID applies a user_changed_user_id: the contact holding prev
// now holds next. When another contact already holds next (a message from
// the new id was processed first), the two are one customer and become
// one contact, by the merge rule.
func (b *batch) changeUserID(tenant pulid.ID, c idChange) error {
	q := b.tx.Contact.Query().Where(contact.TenantID(tenant), contact.UserIDIn(c.prev, c.next)).Order(ent.Asc(contact.FieldID))
	if b.p.LockRows {
		q.ForUpdate()
	}
	found, err := q.All(b.ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(found, func(ct *ent.Contact) bool { return *ct.UserID == c.prev })
	if i < 0 {
		return nil // nobody had the old id: the message's sender is found by the new one
	}
	keep := found[0]
	if len(found) > 1 {
		if err := b.fold(keep, found[1]); err != nil {
			return err
		}
	}
	return b.tx.Contact.UpdateOneID(keep.ID).SetUserID(c.next).Exec(b.ctx)
}

// senderKeys are the phones and user ids of a batch's senders, by tenant.
type senderKeys map[pulid.ID]*struct{ phones, userIDs []string }

func (k senderKeys) add(tenant pulid.ID, s sender) {
	e := k[tenant]
	if e == nil {
		e = &struct{ phones, userIDs []string }{}
		k[tenant] = e
	}
	if s.phone != "" {
		e.phones = append(e.phones, s.phone)
	}
	if s.userID != "" {
		e.userIDs = append(e.userIDs, s.userID)
	}
}

// lockContacts locks the contacts holding any of keys, in id order: their
// ids are read first, then locked in chunks of sorted ids, so that every
// batch takes them in one order however its senders are spread.
func (b *batch) lockContacts(keys senderKeys) error {
	var ids []pulid.ID
	for tenant, e := range keys {
		for part := range slices.Chunk(uniq(e.phones), maxInList) {
			found, err := b.tx.Contact.Query().Where(contact.TenantID(tenant), contact.PhoneIn(part...)).IDs(b.ctx)
			if err != nil {
				return err
			}
			ids = append(ids, found...)
		}
		for part := range slices.Chunk(uniq(e.userIDs), maxInList) {
			found, err := b.tx.Contact.Query().Where(contact.TenantID(tenant), contact.UserIDIn(part...)).IDs(b.ctx)
			if err != nil {
				return err
			}
			ids = append(ids, found...)
		}
	}
	for part := range slices.Chunk(uniq(ids), maxInList) {
		if _, err := b.tx.Contact.Query().Where(contact.IDIn(part...)).
			Order(ent.Asc(contact.FieldID)).ForUpdate().IDs(b.ctx); err != nil {
			return err
		}
	}
	return nil
}
