package inbound

import (
	"maps"
	"slices"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/ent/pendingstatus"
	"switchboard/internal/pulid"
)

// Every statement built from a batch is cut to these sizes, because one
// webhook may carry some 25,000 messages (Meta posts up to 3 MB) and a
// batch holds up to 100 webhooks: one IN list or multi-row INSERT for all
// of them would exceed SQLite's 32,766 bound parameters (modernc's
// default) or PostgreSQL's 65,535, and the acknowledged webhooks would
// then fail on every try.
const (
	// maxInList bounds the values of one IN (…) list.
	maxInList = 5000
	// maxBulkRows bounds the rows of one multi-row INSERT; a contact binds
	// about a dozen parameters.
	maxBulkRows = 1000
)

// byChannel groups Meta message ids by channel, each list sorted and
// without duplicates, channels in id order.
type byChannel map[pulid.ID][]string

func (c byChannel) add(ch pulid.ID, ext ...string) { c[ch] = append(c[ch], ext...) }

// each calls fn with each channel and a chunk of its ids.
func (c byChannel) each(fn func(ch pulid.ID, exts []string) error) error {
	for _, ch := range slices.Sorted(maps.Keys(c)) {
		for part := range slices.Chunk(uniq(c[ch]), maxInList) {
			if err := fn(ch, part); err != nil {
				return err
			}
		}
	}
	return nil
}

// storedMessages returns the ids of the messages among keys that are
// already stored, by channel and Meta id.
func (b *batch) storedMessages(keys byChannel) (map[msgKey]pulid.ID, error) {
	stored := map[msgKey]pulid.ID{}
	err := keys.each(func(ch pulid.ID, exts []string) error {
		msgs, err := b.tx.Message.Query().Where(message.ChannelID(ch), message.ExternalIDIn(exts...)).
			Select(message.FieldID, message.FieldExternalID).All(b.ctx)
		for _, m := range msgs {
			stored[msgKey{ch, *m.ExternalID}] = m.ID
		}
		return err
	})
	return stored, err
}

// earlyStatuses returns which of keys have statuses kept before their
// message was known.
func (b *batch) earlyStatuses(keys byChannel) (map[msgKey]bool, error) {
	early := map[msgKey]bool{}
	err := keys.each(func(ch pulid.ID, exts []string) error {
		rows, err := b.tx.PendingStatus.Query().Where(pendingstatus.ChannelID(ch), pendingstatus.ExternalIDIn(exts...)).
			Select(pendingstatus.FieldExternalID).All(b.ctx)
		for _, s := range rows {
			early[msgKey{ch, s.ExternalID}] = true
		}
		return err
	})
	return early, err
}

// createContacts inserts contacts that are missing, in the given order
// and in chunks; a row that conflicts with an existing contact on either
// unique key (phone, user id) is skipped, and lockContacts locks it.
func (b *batch) createContacts(creates []*ent.ContactCreate) error {
	for part := range slices.Chunk(creates, maxBulkRows) {
		if err := b.tx.Contact.CreateBulk(part...).OnConflict(sql.DoNothing()).Exec(b.ctx); err != nil {
			return err
		}
	}
	return nil
}

// lockMessages locks the messages with the given ids, in id order.
func (b *batch) lockMessages(ids []pulid.ID) error {
	for part := range slices.Chunk(uniq(ids), maxInList) {
		if _, err := b.tx.Message.Query().Where(message.IDIn(part...)).
			Order(ent.Asc(message.FieldID)).ForUpdate().IDs(b.ctx); err != nil {
			return err
		}
	}
	return nil
}
