package inbound

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"switchboard/ent"
	"switchboard/ent/contact"
	"switchboard/ent/message"
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
	var chans []pulid.ID
	var exts []string
	for _, w := range hooks {
		for _, r := range w.items {
			if r.ch == nil || r.it.Kind != whatsapp.ItemMessages {
				continue
			}
			chans = append(chans, r.ch.ID)
			for _, m := range r.it.Messages {
				exts = append(exts, m.ID)
			}
			for _, s := range r.it.Statuses {
				exts = append(exts, s.ID)
			}
		}
	}
	if len(exts) == 0 {
		return nil
	}
	known, err := b.tx.Message.Query().
		Where(message.ChannelIDIn(uniq(chans)...), message.ExternalIDIn(uniq(exts)...)).
		Select(message.FieldID, message.FieldChannelID, message.FieldExternalID).All(b.ctx)
	if err != nil {
		return err
	}
	stored := make(map[msgKey]pulid.ID, len(known))
	for _, m := range known {
		stored[msgKey{m.ChannelID, *m.ExternalID}] = m.ID
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
				if m.ID == "" || m.From == "" {
					continue
				}
				if _, ok := stored[msgKey{r.ch.ID, m.ID}]; ok {
					continue
				}
				k := contactKey{r.ch.TenantID, "+" + strings.TrimPrefix(m.From, "+")}
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
	if len(creates) > 0 {
		keys := slices.SortedFunc(maps.Keys(creates), func(a, b contactKey) int {
			return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.phone, b.phone))
		})
		bulk := make([]*ent.ContactCreate, len(keys))
		for i, k := range keys {
			bulk[i] = creates[k]
		}
		// Rows are inserted, or locked by the no-op update, in VALUES order.
		err := b.tx.Contact.CreateBulk(bulk...).
			OnConflictColumns(contact.FieldTenantID, contact.FieldPhone).Ignore().Exec(b.ctx)
		if err != nil {
			return err
		}
	}
	if len(targets) > 0 {
		_, err := b.tx.Message.Query().Where(message.IDIn(uniq(targets)...)).
			Order(ent.Asc(message.FieldID)).ForUpdate().IDs(b.ctx)
		return err
	}
	return nil
}

// uniq returns the distinct values of s, sorted.
func uniq[T cmp.Ordered](s []T) []T {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}
