// Package events is the per-tenant event log that inbox subscriptions
// read, and the doorbell that tells subscribers to read it again.
//
// It has two halves. The writer half is Append and the Notifier it rings
// (events.go; the in-process Broker in broker.go, PostgreSQL's NOTIFY in
// pgnotify.go). The reader half is the Hub, built by NewHub, and the log
// reads and cursors it uses (hub.go, read.go). The halves meet only in
// the database and in the Broker, which wakes the Hub.
//
// Every change a client must see is appended in the same transaction as
// the change. Sequence numbers come from the tenant row (Tenant.event_seq),
// incremented in that transaction: the row lock orders the tenant's writers,
// so seq order is commit order and a reader at cursor n can never skip an
// event that commits later with a smaller number (DESIGN.md principle 3).
// The Notifier is told only after commit and carries no data.
package events

import (
	"context"
	"fmt"
	"slices"

	"switchboard/ent"
	"switchboard/ent/event"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Spec is one event to append.
type Spec struct {
	Kind           event.Kind
	ConversationID pulid.ID
	MessageID      pulid.ID
}

// Notifier is told, after commit, which tenants' logs grew, so that
// subscribers read them again. It carries no data and may merge or lose
// notifications: readers always read the log itself. Broker implements it
// for one process, PGNotifier across replicas sharing PostgreSQL.
type Notifier interface{ Notify(tenants ...pulid.ID) }

// appendChunk bounds the rows of one INSERT into the log. An event row
// binds 7 parameters, so a chunk binds 7,000: far below SQLite's 32,766
// (modernc's default) and PostgreSQL's 65,535, however many events one
// batch appends (a 3 MB webhook carries some 25,000 messages, two events
// each).
const appendChunk = 1000

// Append adds specs to the tenant's log within tx, and tells n (if not
// nil) once tx commits. It must be called inside a transaction. Any number of specs may
// be appended at once: the rows are inserted in chunks.
func Append(ctx context.Context, tx *ent.Tx, n Notifier, tenant pulid.ID, specs ...Spec) error {
	if len(specs) == 0 {
		return nil
	}
	sys := viewer.System(ctx)
	t, err := tx.Tenant.UpdateOneID(tenant).AddEventSeq(int64(len(specs))).Save(sys)
	if err != nil {
		return fmt.Errorf("events: reserve sequence: %w", err)
	}
	first := t.EventSeq - int64(len(specs)) + 1
	creates := make([]*ent.EventCreate, len(specs))
	for i, s := range specs {
		c := tx.Event.Create().SetTenantID(tenant).SetSeq(first + int64(i)).SetKind(s.Kind)
		if s.ConversationID != "" {
			c.SetConversationID(s.ConversationID)
		}
		if s.MessageID != "" {
			c.SetMessageID(s.MessageID)
		}
		creates[i] = c
	}
	for part := range slices.Chunk(creates, appendChunk) {
		if err := tx.Event.CreateBulk(part...).Exec(sys); err != nil {
			return fmt.Errorf("events: append: %w", err)
		}
	}
	if n != nil {
		AfterCommit(tx, func() { n.Notify(tenant) })
	}
	return nil
}

// AfterCommit runs fn once tx has committed, and not if it rolls back or
// its commit fails: the way to tell others (subscribers, the outbox) about
// a change only when it is visible.
func AfterCommit(tx *ent.Tx, fn func()) {
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			if err == nil {
				fn()
			}
			return err
		})
	})
}
