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
// another order: the contacts of its new messages (by tenant and phone),
// then the messages its statuses move (by id). Every batch takes them in
// this one order, and only then locks conversations (each reached through
// its locked contact) and, last, tenant rows in id order (append), so
// workers on PostgreSQL queue behind each other instead of deadlocking.
// The rare lock this leaves to arrival order (two batches both storing
// the same two early statuses of unknown messages) can still deadlock;
// PostgreSQL then aborts one batch, whose jobs the runner re-runs alone.
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
	if len(keys) == 0 {
		return nil
	}
	stored, err := b.storedMessages(keys)
	if err != nil {
		return err
	}

	// Contacts of the messages not stored yet: the first such message of a
	// contact creates it (as it would alone), later ones update it as usual.
	type contactKey struct {
		tenant pulid.ID
		phone  string
	}
	creates := map[contactKey]*ent.ContactCreate{}
	var targets []pulid.ID
	for _, w := range hooks {
		for _, r := range w.items {
			if r.ch == nil || r.it.Kind != whatsapp.ItemMessages {
				continue
			}
			for _, m := range r.it.Messages {
				phone, ok := phoneOf(m.From)
				if m.ID == "" || !ok {
					continue
				}
				if _, ok := stored[msgKey{r.ch.ID, m.ID}]; ok {
					continue
				}
				k := contactKey{r.ch.TenantID, phone}
				if creates[k] == nil {
					c := b.tx.Contact.Create().SetTenantID(k.tenant).SetPhone(k.phone).SetWaID(m.From)
					if name := r.it.ContactName(m.From); name != "" {
						c.SetProfileName(name)
					}
					creates[k] = c
				}
			}
			for _, s := range r.it.Statuses {
				if id, ok := stored[msgKey{r.ch.ID, s.ID}]; ok {
					targets = append(targets, id)
				}
			}
		}
	}
	keysInOrder := slices.SortedFunc(maps.Keys(creates), func(a, b contactKey) int {
		return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.phone, b.phone))
	})
	bulk := make([]*ent.ContactCreate, len(keysInOrder))
	for i, k := range keysInOrder {
		bulk[i] = creates[k]
	}
	if err := b.createContacts(bulk); err != nil {
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
