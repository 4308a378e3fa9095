package inbound

import (
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"switchboard/ent"
	"switchboard/ent/contact"
	"switchboard/ent/conversation"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/events"
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
// channel and Meta id) changes nothing.
func (b *batch) message(ch *ent.Channel, it *whatsapp.Item, m whatsapp.Message) error {
	if m.ID == "" || m.From == "" {
		return nil // nothing to key it by; the raw event keeps it
	}
	exists, err := b.tx.Message.Query().Where(message.ChannelID(ch.ID), message.ExternalID(m.ID)).Exist(b.ctx)
	if err != nil || exists {
		return err
	}
	ts, err := m.Timestamp.Time()
	if err != nil || ts.IsZero() {
		ts = time.Now()
	}
	ts = ts.UTC()
	ct, err := b.contact(ch, m.From, it.ContactName(m.From), ts, m)
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
	create := b.tx.Message.Create().SetTenantID(ch.TenantID).SetConversationID(conv.ID).SetChannelID(ch.ID).
		SetDirection(message.DirectionINBOUND).SetType(typ).SetStatus(message.StatusRECEIVED).
		SetExternalID(m.ID).SetTimestamp(ts).SetText(sum.Text)
	if raw := m.Raw; len(raw) > 0 {
		create.SetRaw(json.RawMessage(raw))
	} else if raw, err := json.Marshal(m); err == nil {
		create.SetRaw(raw)
	}
	if md := sum.Media; md != nil {
		create.SetMedia(&schematype.Media{MediaID: md.ID, MimeType: md.MimeType, Caption: md.Caption, Filename: md.Filename, SHA256: md.SHA256})
	}
	if len(m.Errors) > 0 {
		create.SetError(&schematype.Error{Code: m.Errors[0].Code, Title: m.Errors[0].Title, Message: m.Errors[0].Message})
	}
	msg, err := create.Save(b.ctx)
	if err != nil {
		return err // a concurrent duplicate violates the unique key: the job retries and finds it
	}
	if err := b.touchConversation(conv, msg); err != nil {
		return err
	}
	b.emit(ch.TenantID, events.Spec{Kind: event.KindMESSAGE_CREATED, ConversationID: conv.ID, MessageID: msg.ID})
	b.emit(ch.TenantID, events.Spec{Kind: event.KindCONVERSATION_UPDATED, ConversationID: conv.ID})
	return b.applyPending(ch, msg)
}

// contact finds or creates the sender by wa_id (as an E.164 phone), keeps
// its profile name current and applies opt-out and opt-in keywords.
func (b *batch) contact(ch *ent.Channel, waID, name string, ts time.Time, m whatsapp.Message) (*ent.Contact, error) {
	phone := "+" + strings.TrimPrefix(waID, "+")
	create := b.tx.Contact.Create().SetTenantID(ch.TenantID).SetPhone(phone).SetWaID(waID)
	if name != "" {
		create.SetProfileName(name)
	}
	err := create.OnConflictColumns(contact.FieldTenantID, contact.FieldPhone).
		Update(func(u *ent.ContactUpsert) {
			u.SetWaID(waID)
			if name != "" {
				u.SetProfileName(name)
			}
		}).Exec(b.ctx)
	if err != nil {
		return nil, err
	}
	q := b.tx.Contact.Query().Where(contact.TenantID(ch.TenantID), contact.Phone(phone))
	if b.p.LockRows {
		q.ForUpdate()
	}
	ct, err := q.Only(b.ctx)
	if err != nil {
		return nil, err
	}
	upd := ct.Update()
	changed := false
	if ct.LastInboundAt == nil || ts.After(*ct.LastInboundAt) {
		upd.SetLastInboundAt(ts)
		changed = true
		if m.Type == whatsapp.TypeText && m.Text != nil {
			switch strings.ToUpper(strings.TrimSpace(m.Text.Body)) {
			case "STOP", "UNSUBSCRIBE":
				upd.SetOptInStatus(contact.OptInStatusOPTED_OUT).SetOptInSource("whatsapp:keyword").SetOptInAt(ts)
			case "START":
				upd.SetOptInStatus(contact.OptInStatusOPTED_IN).SetOptInSource("whatsapp:keyword").SetOptInAt(ts)
			}
		}
	}
	if !changed {
		return ct, nil
	}
	return upd.Save(b.ctx)
}

// conversation finds or creates the one conversation of a contact on a
// channel, locked for this transaction where locks exist.
func (b *batch) conversation(ch *ent.Channel, ct *ent.Contact) (*ent.Conversation, error) {
	err := b.tx.Conversation.Create().SetTenantID(ch.TenantID).SetChannelID(ch.ID).SetContactID(ct.ID).
		OnConflictColumns(conversation.FieldTenantID, conversation.FieldChannelID, conversation.FieldContactID).
		DoNothing().Exec(b.ctx)
	if err != nil && !isNoRows(err) {
		return nil, err
	}
	q := b.tx.Conversation.Query().Where(conversation.TenantID(ch.TenantID), conversation.ChannelID(ch.ID), conversation.ContactID(ct.ID))
	if b.p.LockRows {
		q.ForUpdate()
	}
	return q.Only(b.ctx)
}

// touchConversation records an inbound message on its conversation:
// unread count, reopen, newest message and the service window. Messages
// arriving out of order never move lastMessage or the window backwards.
func (b *batch) touchConversation(conv *ent.Conversation, msg *ent.Message) error {
	upd := conv.Update().AddUnreadCount(1)
	if conv.Status == conversation.StatusRESOLVED {
		upd.SetStatus(conversation.StatusOPEN)
	}
	if conv.LastMessageAt == nil || !msg.Timestamp.Before(*conv.LastMessageAt) {
		upd.SetLastMessageID(msg.ID).SetLastMessageAt(msg.Timestamp)
	}
	if conv.LastInboundAt == nil || msg.Timestamp.After(*conv.LastInboundAt) {
		upd.SetLastInboundAt(msg.Timestamp).SetServiceWindowExpiresAt(msg.Timestamp.Add(ServiceWindow))
	}
	return upd.Exec(b.ctx)
}

// isNoRows reports the error an upsert that did nothing may return.
func isNoRows(err error) bool { return errors.Is(err, stdsql.ErrNoRows) }
