// Package events is the per-tenant event log that inbox subscriptions
// read, and the doorbell that tells subscribers to read it again.
//
// Every change a client must see is appended in the same transaction as
// the change. Sequence numbers come from the tenant row (Tenant.event_seq),
// incremented in that transaction: the row lock orders the tenant's writers,
// so seq order is commit order and a reader at cursor n can never skip an
// event that commits later with a smaller number (DESIGN.md principle 3).
// The doorbell rings only after commit and carries no data.
package events

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

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

// Bell is rung after commit with the tenants whose logs grew.
type Bell interface{ Ring(tenants ...pulid.ID) }

// appendChunk bounds the rows of one INSERT into the log. An event row
// binds 7 parameters, so a chunk binds 7,000: far below SQLite's 32,766
// (modernc's default) and PostgreSQL's 65,535, however many events one
// batch appends (a 3 MB webhook carries some 25,000 messages, two events
// each).
const appendChunk = 1000

// Append adds specs to the tenant's log within tx, and rings bell once tx
// commits. It must be called inside a transaction. Any number of specs may
// be appended at once: the rows are inserted in chunks.
func Append(ctx context.Context, tx *ent.Tx, bell Bell, tenant pulid.ID, specs ...Spec) error {
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
	if bell != nil {
		tx.OnCommit(func(next ent.Committer) ent.Committer {
			return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
				err := next.Commit(ctx, tx)
				if err == nil {
					bell.Ring(tenant)
				}
				return err
			})
		})
	}
	return nil
}

// Read returns up to limit events of the tenant after seq, in order,
// optionally only those of one conversation.
func Read(ctx context.Context, c *ent.Client, tenant pulid.ID, after int64, conversation pulid.ID, limit int) ([]*ent.Event, error) {
	q := c.Event.Query().Where(event.TenantID(tenant), event.SeqGT(after))
	if conversation != "" {
		q.Where(event.ConversationID(conversation))
	}
	return q.Order(ent.Asc(event.FieldSeq)).Limit(limit).All(viewer.System(ctx))
}

// Head is the tenant's latest sequence number: where live-only
// subscriptions start.
func Head(ctx context.Context, c *ent.Client, tenant pulid.ID) (int64, error) {
	t, err := c.Tenant.Get(viewer.System(ctx), tenant)
	if err != nil {
		return 0, err
	}
	return t.EventSeq, nil
}

// Cursor encodes a sequence number as an opaque cursor.
func Cursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ev:" + strconv.FormatInt(seq, 10)))
}

// ParseCursor decodes a cursor made by Cursor.
func ParseCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "ev:") {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b[3:]), 10, 64)
	return n, err == nil && n >= 0
}
