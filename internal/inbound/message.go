package inbound

import (
	stdsql "database/sql"
	"errors"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/contact"
	"switchboard/ent/conversation"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/internal/events"
	"switchboard/internal/pulid"
	"switchboard/internal/whatsapp"
)

// ServiceWindow is how long after a customer's last message a business may
// answer with free-form messages.
const ServiceWindow = 24 * time.Hour

var messageTypes = map[whatsapp.MessageType]message.Type{
	whatsapp.TypeText: message.TypeTEXT, whatsapp.TypeImage: message.TypeIMAGE,
	whatsapp.TypeAudio: message.TypeAUDIO, whatsapp.TypeVideo: message.TypeVIDEO,
	whatsapp.TypeDocument: message.TypeDOCUMENT, whatsapp.TypeSticker: message.TypeSTICKER,
	whatsapp.TypeLocation: message.TypeLOCATION, whatsapp.TypeContacts: message.TypeCONTACTS,
	whatsapp.TypeInteractive: message.TypeINTERACTIVE, whatsapp.TypeButton: message.TypeBUTTON,
	whatsapp.TypeReaction: message.TypeREACTION, whatsapp.TypeOrder: message.TypeORDER,
	whatsapp.TypeSystem: message.TypeSYSTEM, whatsapp.TypeUnsupported: message.TypeUNSUPPORTED,
}

// message stores one inbound message once. A redelivered message (same
// channel and Meta id) changes nothing. Its sender is known by phone, by
// user id (BSUID) or both (bsuid.go); a user_changed_user_id system message
// first moves the contact to the new id.
func (b *batch) message(ch *ent.Channel, it *whatsapp.Item, m whatsapp.Message, received time.Time) error {
	s, ok := senderOf(&m)
	if m.ID == "" || !ok {
		return nil // nothing to key it by; the raw event keeps it
	}
	key := msgKey{ch.ID, m.ID}
	if b.stored[key] {
		return nil
	}
	ts := when(m.Timestamp, received)
	if c := userIDChange(&m); c != nil {
		if err := b.changeUserID(ch.TenantID, *c); err != nil {
			return err
		}
		s.userID = c.next
	}
	ct, err := b.contact(ch, s, profileOf(it.ContactFor(m.From, m.FromUserID)), ts, m)
	if err != nil {
		return err
	}
	conv, err := b.conversation(ch, ct)
	if err != nil {
		return err
	}
	sum := m.Summarize()
	typ, ok := messageTypes[sum.Kind]
	if !ok {
		typ = message.TypeUNSUPPORTED
	}
	create := b.tx.Message.Create().SetTenantID(ch.TenantID).SetConversationID(conv).SetChannelID(ch.ID).
		SetDirection(message.DirectionINBOUND).SetType(typ).SetStatus(message.StatusRECEIVED).
		SetExternalID(m.ID).SetTimestamp(ts).SetText(whatsapp.CleanText(sum.Text, 0))
	if raw := rawOf(m.Raw, m); len(raw) > 0 {
		create.SetRaw(raw)
	}
	if md := sum.Media; md != nil {
		create.SetMedia(cleanMedia(md))
	}
	if len(m.Errors) > 0 {
		create.SetError(cleanError(m.Errors[0]))
	}
	msg, err := create.Save(b.ctx)
	if err != nil {
		return err // a concurrent duplicate violates the unique key: the job retries and finds it
	}
	b.stored[key] = true
	if err := b.touchConversation(conv, msg); err != nil {
		return err
	}
	if msg.Media != nil {
		if err := b.media(ch, msg); err != nil {
			return err
		}
	}
	b.emit(ch.TenantID, events.Spec{Kind: event.KindMESSAGE_CREATED, ConversationID: conv, MessageID: msg.ID})
	b.emit(ch.TenantID, events.Spec{Kind: event.KindCONVERSATION_UPDATED, ConversationID: conv})
	if !b.early[key] {
		return nil // no status of it arrived before it
	}
	return b.applyPending(ch, msg)
}

// contact finds or creates the sender (contactOf), keeps its profile
// current and applies opt-out and opt-in keywords. The contact's row stays
// locked (PostgreSQL) for the rest of the transaction. The newest message
// alone sets last_inbound_at, and a keyword changes the opt-in only when it
// is newer than the contact's last opt-in decision (optIn), whatever order
// messages are processed in.
func (b *batch) contact(ch *ent.Channel, s sender, p profile, ts time.Time, m whatsapp.Message) (pulid.ID, error) {
	id, err := b.contactOf(ch.TenantID, s, p, ts)
	if err != nil {
		return "", err
	}
	err = b.tx.Contact.Update().
		Where(contact.ID(id), contact.Or(contact.LastInboundAtIsNil(), contact.LastInboundAtLT(ts))).
		SetLastInboundAt(ts).Exec(b.ctx)
	if err != nil || m.Type != whatsapp.TypeText || m.Text == nil {
		return id, err
	}
	switch strings.ToUpper(strings.TrimSpace(m.Text.Body)) {
	case "STOP", "UNSUBSCRIBE":
		err = b.optIn(id, contact.OptInStatusOPTED_OUT, SourceKeyword, ts)
	case "START":
		err = b.optIn(id, contact.OptInStatusOPTED_IN, SourceKeyword, ts)
	}
	return id, err
}

// conversation finds or creates the one conversation of a contact on a
// channel. The no-op update on conflict returns the existing row's id (and
// locks it, on PostgreSQL).
func (b *batch) conversation(ch *ent.Channel, ct pulid.ID) (pulid.ID, error) {
	return b.tx.Conversation.Create().SetTenantID(ch.TenantID).SetChannelID(ch.ID).SetContactID(ct).
		OnConflictColumns(conversation.FieldTenantID, conversation.FieldChannelID, conversation.FieldContactID).
		Ignore().ID(b.ctx)
}

// touchConversation records an inbound message on its conversation:
// unread count, reopen, newest message and the service window. Messages
// arriving out of order never move lastMessage or the window backwards.
// One UPDATE decides from the row as it is, so nothing is read first.
func (b *batch) touchConversation(conv pulid.ID, msg *ent.Message) error {
	ts := msg.Timestamp
	newest := sql.Or(sql.IsNull(conversation.FieldLastMessageAt), sql.LTE(conversation.FieldLastMessageAt, ts))
	newestInbound := sql.Or(sql.IsNull(conversation.FieldLastInboundAt), sql.LT(conversation.FieldLastInboundAt, ts))
	return b.tx.Conversation.Update().Where(conversation.ID(conv)).AddUnreadCount(1).
		Modify(func(u *sql.UpdateBuilder) {
			u.Set(conversation.FieldStatus, caseWhen(sql.EQ(conversation.FieldStatus, conversation.StatusRESOLVED),
				conversation.StatusOPEN, conversation.FieldStatus))
			u.Set(conversation.FieldLastMessageID, caseWhen(newest, msg.ID, conversation.FieldLastMessageID))
			u.Set(conversation.FieldLastMessageAt, caseWhen(newest, ts, conversation.FieldLastMessageAt))
			u.Set(conversation.FieldLastInboundAt, caseWhen(newestInbound, ts, conversation.FieldLastInboundAt))
			u.Set(conversation.FieldServiceWindowExpiresAt, caseWhen(newestInbound, ts.Add(ServiceWindow), conversation.FieldServiceWindowExpiresAt))
		}).Exec(b.ctx)
}

// caseWhen is CASE WHEN cond THEN v ELSE column END: column set to v where
// cond holds of the row being updated, else kept.
func caseWhen(cond *sql.Predicate, v any, column string) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString("CASE WHEN ").Join(cond).WriteString(" THEN ").Arg(v).
			WriteString(" ELSE ").Ident(column).WriteString(" END")
	})
}

// isNoRows reports the error an upsert that did nothing may return.
func isNoRows(err error) bool { return errors.Is(err, stdsql.ErrNoRows) }
