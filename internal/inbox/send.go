package inbox

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/ent/contact"
	"switchboard/ent/conversation"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/apperr"
	"switchboard/internal/audit"
	"switchboard/internal/events"
	"switchboard/internal/metaapi"
	"switchboard/internal/outbox"
	"switchboard/internal/pulid"
	"switchboard/internal/sqlexpr"
	"switchboard/internal/viewer"
)

// SendInput is one message an agent sends into a conversation.
type SendInput struct {
	ConversationID pulid.ID
	// Type is the message's type in the inbox (TEXT, IMAGE, …,
	// INTERACTIVE, REACTION, TEMPLATE).
	Type message.Type
	// Spec is what goes to Meta. Its ReplyTo and Reaction.MessageID are
	// filled in by Send from ReplyTo and ReactTo.
	Spec outbox.Spec
	// Text is what the inbox shows: the text, a caption, an interactive
	// message's body, a reaction's emoji.
	Text string
	// Media is the attachment as the inbox shows it: a stored upload
	// (State STORED, Key) or a link.
	Media *schematype.Media
	// ReplyTo is a message of the conversation to quote; ReactTo the one a
	// reaction is for.
	ReplyTo, ReactTo *pulid.ID
	// ClientMessageID makes a client's retry return the first message.
	ClientMessageID string
}

// Send queues an outbound message and returns it QUEUED: the outbox sends
// it (internal/outbox) and its status moves on as MESSAGE_UPDATED events.
//
// Everything that would refuse it is checked before anything is stored:
// the conversation (another tenant's is not found), the contact's consent
// (OPTED_OUT or restricted: CONSENT_REQUIRED), the 24-hour service window
// for anything but a template (OUTSIDE_SERVICE_WINDOW), the quoted message
// and the content as Meta would check it (BAD_USER_INPUT on its field).
func (s *Service) Send(ctx context.Context, in SendInput) (*ent.Message, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return nil, ErrUnauthenticated
	}
	var msg *ent.Message
	err := s.inTx(ctx, func(tx *ent.Tx) error {
		if in.ClientMessageID != "" {
			found, err := tx.Message.Query().Where(message.ClientMessageID(in.ClientMessageID)).Only(ctx)
			if err == nil {
				msg = found
				return nil
			}
			if !ent.IsNotFound(err) {
				return err
			}
		}
		conv, err := tx.Conversation.Query().Where(conversation.ID(in.ConversationID)).
			WithContact().WithChannel().Only(ctx)
		if ent.IsNotFound(err) {
			return ErrNoConversation
		}
		if err != nil {
			return err
		}
		to, err := s.checkRecipient(conv, in.Type == message.TypeTEMPLATE, time.Now())
		if err != nil {
			return err
		}
		spec := in.Spec
		if in.ReplyTo != nil {
			if spec.ReplyTo, err = wamidOf(ctx, tx, conv.ID, *in.ReplyTo, "replyTo"); err != nil {
				return err
			}
		}
		if in.ReactTo != nil && spec.Reaction != nil {
			if spec.Reaction.MessageID, err = wamidOf(ctx, tx, conv.ID, *in.ReactTo, "reaction.messageId"); err != nil {
				return err
			}
		}
		if err := spec.Validate(to); err != nil {
			return inputError(err)
		}
		raw, err := json.Marshal(spec)
		if err != nil {
			return err
		}
		now := time.Now()
		id := pulid.New("MS")
		create := tx.Message.Create().SetID(id).SetTenantID(v.TenantID).SetConversationID(conv.ID).
			SetChannelID(conv.ChannelID).SetDirection(message.DirectionOUTBOUND).SetType(in.Type).
			SetStatus(message.StatusQUEUED).SetTimestamp(now).SetRaw(raw).
			SetSendState(message.SendStateREADY).SetSendAfter(now).SetNillableReplyToID(in.ReplyTo)
		if in.Type == message.TypeTEMPLATE && (conv.ServiceWindowExpiresAt == nil || !now.Before(*conv.ServiceWindowExpiresAt)) {
			// A template to a customer whose window is closed opens a
			// conversation Meta counts toward the messaging limit.
			create.SetOutsideWindow(true)
		}
		if in.Text != "" {
			create.SetText(in.Text)
		}
		if in.Media != nil {
			create.SetMedia(in.Media)
		}
		if in.ClientMessageID != "" {
			// A concurrent request with the same key loses the race
			// here: the conflict leaves the first row as it is, and the
			// row the key names is answered (its id is read back: SQLite
			// does not return a conflicting row's id).
			err := create.SetClientMessageID(in.ClientMessageID).
				OnConflict(sql.ConflictColumns(message.FieldTenantID, message.FieldClientMessageID)).Ignore().Exec(ctx)
			if err != nil && !isNoRows(err) {
				return err
			}
			first, err := tx.Message.Query().Where(message.ClientMessageID(in.ClientMessageID)).Only(ctx)
			if err != nil {
				return err
			}
			if first.ID != id {
				msg = first
				return nil
			}
		} else if err := create.Exec(ctx); err != nil {
			return err
		}
		if msg, err = tx.Message.Get(ctx, id); err != nil {
			return err
		}
		newest := sql.Or(sql.IsNull(conversation.FieldLastMessageAt), sql.LTE(conversation.FieldLastMessageAt, now))
		err = tx.Conversation.Update().Where(conversation.ID(conv.ID)).Modify(func(u *sql.UpdateBuilder) {
			u.Set(conversation.FieldLastMessageID, sqlexpr.CaseWhen(newest, id, conversation.FieldLastMessageID))
			u.Set(conversation.FieldLastMessageAt, sqlexpr.CaseWhen(newest, now, conversation.FieldLastMessageAt))
		}).Exec(ctx)
		if err != nil {
			return err
		}
		s.wakeOnCommit(tx)
		return events.Append(ctx, tx, s.notifier, v.TenantID,
			events.Spec{Kind: event.KindMESSAGE_CREATED, ConversationID: conv.ID, MessageID: id},
			events.Spec{Kind: event.KindCONVERSATION_UPDATED, ConversationID: conv.ID})
	})
	if err != nil {
		return nil, err
	}
	return msg, nil
}

// Retry queues a new attempt of a FAILED outbound message: the same
// content, checked again for consent and the service window, with its
// error cleared and its attempts kept counting. A failure Meta says must
// never be retried (META.md's table) is refused with the reason.
func (s *Service) Retry(ctx context.Context, id pulid.ID) (*ent.Message, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return nil, ErrUnauthenticated
	}
	var msg *ent.Message
	err := s.inTx(ctx, func(tx *ent.Tx) error {
		m, err := tx.Message.Get(ctx, id)
		if ent.IsNotFound(err) {
			return ErrNoMessage
		}
		if err != nil {
			return err
		}
		if m.Direction != message.DirectionOUTBOUND || m.Status != message.StatusFAILED {
			return ErrNotRetryable
		}
		if m.PurgedAt != nil {
			// Retention cleared what it said; sending it again would send nothing.
			return apperr.Input("id", "this message's contents were deleted by the message retention policy: it cannot be sent again")
		}
		if m.Error != nil {
			switch metaapi.ActionOfCode(m.Error.Code) {
			case metaapi.NeverRetry, metaapi.PauseNumber:
				return apperr.Input("id", "Meta refused this message with code %d (%s): it must not be sent again as it is",
					m.Error.Code, orText(m.Error.Title, "no title"))
			}
		}
		conv, err := tx.Conversation.Query().Where(conversation.ID(m.ConversationID)).
			WithContact().WithChannel().Only(ctx)
		if err != nil {
			return err
		}
		if _, err := s.checkRecipient(conv, m.Type == message.TypeTEMPLATE, time.Now()); err != nil {
			return err
		}
		// A new attempt gets a new wamid: the old one's late statuses must
		// not move it, so it is forgotten (they wait, unmatched, in
		// pending_statuses and are swept with them).
		n, err := tx.Message.Update().Where(message.ID(m.ID), message.StatusEQ(message.StatusFAILED)).
			SetStatus(message.StatusQUEUED).ClearError().ClearFailedAt().ClearExternalID().
			ClearSentAt().ClearDeliveredAt().ClearReadAt().
			SetSendState(message.SendStateREADY).SetSendAfter(time.Now()).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotRetryable // retried concurrently
		}
		if msg, err = tx.Message.Get(ctx, m.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx.Client(), audit.Entry{Action: audit.MessageRetry, TargetType: audit.TargetMessage,
			TargetID: m.ID, Metadata: map[string]any{"attempts": m.Attempts, "errorCode": errorCode(m.Error)}}); err != nil {
			return err
		}
		s.wakeOnCommit(tx)
		return events.Append(ctx, tx, s.notifier, v.TenantID,
			events.Spec{Kind: event.KindMESSAGE_UPDATED, ConversationID: m.ConversationID, MessageID: m.ID})
	})
	if err != nil {
		return nil, err
	}
	return msg, nil
}

// checkRecipient refuses what must not be sent to the conversation's
// contact now and returns the contact's WhatsApp address.
func (s *Service) checkRecipient(conv *ent.Conversation, template bool, now time.Time) (metaapi.Recipient, error) {
	ct, ch := conv.Edges.Contact, conv.Edges.Channel
	if ch.Status == channel.StatusREVOKED {
		return metaapi.Recipient{}, ErrChannelRevoked
	}
	if ct.OptInStatus == contact.OptInStatusOPTED_OUT || ct.Restricted {
		return metaapi.Recipient{}, ErrConsent
	}
	if !template && (conv.ServiceWindowExpiresAt == nil || !now.Before(*conv.ServiceWindowExpiresAt)) {
		closed := "the customer has not written yet"
		if conv.ServiceWindowExpiresAt != nil {
			closed = "it closed at " + conv.ServiceWindowExpiresAt.UTC().Format(time.RFC3339)
		}
		return metaapi.Recipient{}, apperr.New(apperr.OutsideServiceWindow,
			"free-form messages can be sent only within 24 hours of the customer's last message (%s): send a template", closed)
	}
	return outbox.RecipientOf(ct), nil
}

// wamidOf is Meta's id of a message of the conversation, for a reply's
// context or a reaction; field names the argument in the error.
func wamidOf(ctx context.Context, tx *ent.Tx, conv, id pulid.ID, field string) (string, error) {
	m, err := tx.Message.Query().Where(message.ID(id), message.ConversationID(conv)).Only(ctx)
	if ent.IsNotFound(err) {
		return "", apperr.Input(field, "no message with that id in this conversation")
	}
	if err != nil {
		return "", err
	}
	if m.ExternalID == nil {
		return "", apperr.Input(field, "that message has not reached WhatsApp yet")
	}
	return *m.ExternalID, nil
}

// inputError turns the client's validation of the content into
// BAD_USER_INPUT on the input's field.
func inputError(err error) error {
	var ve *metaapi.ValidationError
	if errors.As(err, &ve) {
		return apperr.Input("input."+ve.Field, "%s", ve.Problem)
	}
	return err
}

// wakeOnCommit tells the outbox, once tx commits, that a send is due.
func (s *Service) wakeOnCommit(tx *ent.Tx) {
	if s.wake == nil {
		return
	}
	events.AfterCommit(tx, s.wake)
}

func errorCode(e *schematype.Error) int {
	if e == nil {
		return 0
	}
	return e.Code
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func isNoRows(err error) bool { return errors.Is(err, stdsql.ErrNoRows) }
