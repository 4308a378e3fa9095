// Package inbox is what agents do to conversations: mark them read,
// assign them, set their status.
//
// Each action changes the conversation and appends CONVERSATION_UPDATED to
// the tenant's event log in one transaction, the request's when there is
// one (mutations run in entgql's per-request transaction, found with
// ent.TxFromContext) or else its own, and the Notifier is told after that
// transaction commits (events.Append). Tenant confinement is not done
// here: the TenantMixin interceptors and hooks (ent/schema/mixin.go)
// filter every query and mutation by the caller's tenant, so another
// tenant's conversation is simply not found.
package inbox

import (
	"context"
	"fmt"

	"switchboard/ent"
	"switchboard/ent/conversation"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/ent/user"
	"switchboard/internal/events"
	"switchboard/internal/outbox"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Service performs agents' actions on conversations. It holds only its
// dependencies, so one value serves every request.
type Service struct {
	client   *ent.Client
	notifier events.Notifier
	wake     func() // tells the outbox a send is due (SetOutbox)
}

// SetOutbox makes Send and Retry wake the outbox when they commit.
func (s *Service) SetOutbox(wake func()) { s.wake = wake }

// New returns a Service that opens transactions on client when the
// request has none and tells n about every change after commit.
func New(client *ent.Client, n events.Notifier) *Service {
	return &Service{client: client, notifier: n}
}

// MarkRead clears the conversation's unread count.
// When the tenant's readReceipts is on, it also queues a read receipt to
// Meta for the conversation's latest inbound message (outbox.ReadReceipt).
func (s *Service) MarkRead(ctx context.Context, id pulid.ID) (*ent.Conversation, error) {
	return s.update(ctx, id, func(tx *ent.Tx, u *ent.ConversationUpdateOne) error {
		u.SetUnreadCount(0)
		return s.readReceipt(ctx, tx, id)
	})
}

func (s *Service) readReceipt(ctx context.Context, tx *ent.Tx, conv pulid.ID) error {
	v, _ := viewer.FromContext(ctx)
	t, err := tx.Tenant.Get(ctx, v.TenantID)
	if err != nil || !t.ReadReceipts {
		return err
	}
	last, err := tx.Message.Query().
		Where(message.ConversationID(conv), message.DirectionEQ(message.DirectionINBOUND), message.ExternalIDNotNil()).
		Order(ent.Desc(message.FieldTimestamp)).First(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = outbox.ReadReceiptJob.Enqueue(ctx, tx.Client(), v.TenantID,
		outbox.ReadReceipt{ChannelID: last.ChannelID, WAMID: *last.ExternalID})
	return err
}

// Assign gives the conversation to a member of the caller's tenant, or to
// nobody when userID is nil.
func (s *Service) Assign(ctx context.Context, id pulid.ID, userID *pulid.ID) (*ent.Conversation, error) {
	return s.update(ctx, id, func(tx *ent.Tx, u *ent.ConversationUpdateOne) error {
		if userID == nil {
			u.ClearAssigneeID()
			return nil
		}
		// The query is tenant-filtered, so another tenant's user is
		// simply not found.
		ok, err := tx.User.Query().Where(user.ID(*userID)).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoSuchMember
		}
		u.SetAssigneeID(*userID)
		return nil
	})
}

// SetStatus moves the conversation to status.
func (s *Service) SetStatus(ctx context.Context, id pulid.ID, status conversation.Status) (*ent.Conversation, error) {
	return s.update(ctx, id, func(_ *ent.Tx, u *ent.ConversationUpdateOne) error {
		u.SetStatus(status)
		return nil
	})
}

// update applies change to one of the caller's conversations and appends
// CONVERSATION_UPDATED to the log, in the request's transaction or its own.
func (s *Service) update(ctx context.Context, id pulid.ID, change func(*ent.Tx, *ent.ConversationUpdateOne) error) (*ent.Conversation, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return nil, ErrUnauthenticated
	}
	var c *ent.Conversation
	err := s.inTx(ctx, func(tx *ent.Tx) error {
		upd := tx.Conversation.UpdateOneID(id)
		if err := change(tx, upd); err != nil {
			return err
		}
		var err error
		if c, err = upd.Save(ctx); err != nil {
			return err
		}
		return events.Append(ctx, tx, s.notifier, v.TenantID, events.Spec{Kind: event.KindCONVERSATION_UPDATED, ConversationID: c.ID})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// inTx runs fn in the request's transaction, which its owner commits, or
// else in a new one that it commits or rolls back itself.
func (s *Service) inTx(ctx context.Context, fn func(*ent.Tx) error) error {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return fn(tx)
	}
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return fmt.Errorf("%w (rollback: %v)", err, rerr)
		}
		return err
	}
	return tx.Commit()
}
