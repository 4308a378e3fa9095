package inbound

import (
	"cmp"
	"maps"
	"slices"

	"switchboard/ent"
	"switchboard/internal/pulid"
	"switchboard/internal/whatsapp"
)

// lockInOrder takes, before the batch changes anything, the row locks that
// applying it will need where concurrent batches could want them in
// another order: the contacts of its new messages and of its customers'
// preferences, then the messages its statuses move (by id). Contacts are
// known by phone, user id or both (bsuid.go), so they are taken in two
// steps: the senders not stored yet are inserted in one order (tenant,
// phone, user id), skipping any that conflict on either key; then every
// contact the batch will touch, found by phone or user id, is locked in id
// order; the messages (by id) include the sends named by their statuses'
// biz_opaque_callback_data, which the outbox also updates in id order. Every batch takes them in this one order, and only then locks
// conversations (each reached through its locked contact) and, last,
// tenant rows in id order (append), so workers on PostgreSQL queue behind
// each other instead of deadlocking. The rare locks this leaves to arrival
// order (two batches both storing the same two early statuses of unknown
// messages; a contact that gains an identifier between the two steps) can
// still deadlock; PostgreSQL then aborts one batch, whose jobs the runner
// re-runs alone.
func (b *batch) lockInOrder(hooks []*webhook) error {
	keys := byChannel{}
	for _, w := range hooks {
		for _, r := range w.items {
			if r.ch == nil || r.it.Kind != whatsapp.ItemMessages {
				continue
			}
			for _, m := range r.it.Messages {
				keys.add(r.ch.ID, m.ID)
			}
			for _, s := range r.it.Statuses {
				keys.add(r.ch.ID, s.ID)
			}
		}
	}
	stored, err := b.storedMessages(keys)
	if err != nil {
		return err
	}

	// Contacts of the messages not stored yet and of preferences naming a
	// phone: the first such message of a contact creates it (as it would
	// alone), later ones update it as usual. Preferences naming only a
	// user id, and user id changes, lock the contacts they name and create
	// none.
	type contactKey struct {
		tenant pulid.ID
		sender
	}
	creates := map[contactKey]*ent.ContactCreate{}
	lock := senderKeys{}
	add := func(tenant pulid.ID, s sender, p profile) {
		lock.add(tenant, s)
		if k := (contactKey{tenant, s}); creates[k] == nil {
			creates[k] = b.newContact(tenant, s, p)
		}
	}
	var targets []pulid.ID
	for _, w := range hooks {
		for _, r := range w.items {
			if r.ch == nil {
				continue
			}
			switch r.it.Kind {
			case whatsapp.ItemUserPreferences:
				for i := range r.it.Preferences {
					p := &r.it.Preferences[i]
					switch s, ok := senderOfPreference(p); {
					case !ok || !(p.Stop() || p.Resume()):
					case s.phone != "":
						add(r.ch.TenantID, s, profileOf(r.it.ContactFor(p.WAID, p.UserID)))
					default:
						lock.add(r.ch.TenantID, s) // no contact of a user id alone (prefs.go)
					}
				}
				continue
			case whatsapp.ItemMessages:
			default:
				continue
			}
			for i := range r.it.Messages {
				m := &r.it.Messages[i]
				s, ok := senderOf(m)
				if m.ID == "" || !ok {
					continue
				}
				if _, ok := stored[msgKey{r.ch.ID, m.ID}]; ok {
					continue
				}
				if c := userIDChange(m); c != nil {
					lock.add(r.ch.TenantID, sender{phone: s.phone, userID: c.prev})
					lock.add(r.ch.TenantID, sender{userID: c.next})
					continue
				}
				add(r.ch.TenantID, s, profileOf(r.it.ContactFor(m.From, m.FromUserID)))
			}
			for _, s := range r.it.Statuses {
				if id, ok := stored[msgKey{r.ch.ID, s.ID}]; ok {
					targets = append(targets, id)
				} else if id := pulid.ID(s.BizOpaqueCallbackData); id.Prefix() == "MS" {
					// A send whose answer never came: status.go's claimed
					// settles it by our id, so it is locked in order too.
					targets = append(targets, id)
				}
			}
		}
	}
	keysInOrder := slices.SortedFunc(maps.Keys(creates), func(a, b contactKey) int {
		return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.phone, b.phone), cmp.Compare(a.userID, b.userID))
	})
	bulk := make([]*ent.ContactCreate, len(keysInOrder))
	for i, k := range keysInOrder {
		bulk[i] = creates[k]
	}
	if err := b.createContacts(bulk); err != nil {
		return err
	}
	if err := b.lockContacts(lock); err != nil {
		return err
	}
	return b.lockMessages(targets)
}

// uniq returns the distinct values of s, sorted.
func uniq[T cmp.Ordered](s []T) []T {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
