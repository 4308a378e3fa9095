package inbound

import (
	"context"
	"encoding/json"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/ent/pendingstatus"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/events"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp"
)

// before lists, for each status a message can move to, the statuses it may
// move from. Statuses only move forward (sent → delivered → read); read
// and failed are final, the earlier of the two winning (advance).
var before = map[message.Status][]message.Status{
	message.StatusSENT:      {message.StatusQUEUED},
	message.StatusDELIVERED: {message.StatusQUEUED, message.StatusSENT},
	message.StatusREAD:      {message.StatusQUEUED, message.StatusSENT, message.StatusDELIVERED},
	message.StatusFAILED:    {message.StatusQUEUED, message.StatusSENT, message.StatusDELIVERED},
}

var statusOf = map[whatsapp.StatusKind]message.Status{
	whatsapp.StatusSent: message.StatusSENT, whatsapp.StatusDelivered: message.StatusDELIVERED,
	whatsapp.StatusRead: message.StatusREAD, whatsapp.StatusFailed: message.StatusFAILED,
	// played (a voice message was listened to) implies read.
	whatsapp.StatusPlayed: message.StatusREAD,
}

// status applies one delivery status, or keeps it until its message is
// known.
func (b *batch) status(ch *ent.Channel, s whatsapp.Status, received time.Time) error {
	if s.ID == "" || s.Status == "" {
		return nil
	}
	ts := when(s.Timestamp, received)
	msg, err := b.tx.Message.Query().Where(message.ChannelID(ch.ID), message.ExternalID(s.ID)).Only(b.ctx)
	if ent.IsNotFound(err) {
		msg, err = b.claimed(ch, s)
	}
	if ent.IsNotFound(err) {
		raw := s.Raw
		if len(raw) == 0 {
			raw, _ = json.Marshal(s)
		}
		// One row per status of a message, holding its earliest report,
		// whichever order the reports are processed in.
		err := b.tx.PendingStatus.Create().SetTenantID(ch.TenantID).SetChannelID(ch.ID).SetExternalID(s.ID).
			SetStatus(string(s.Status)).SetTimestamp(ts).SetRaw(raw).
			OnConflict(
				sql.ConflictColumns(pendingstatus.FieldChannelID, pendingstatus.FieldExternalID, pendingstatus.FieldStatus),
				sql.ResolveWith(func(u *sql.UpdateSet) {
					u.SetExcluded(pendingstatus.FieldTimestamp).SetExcluded(pendingstatus.FieldRaw)
				}),
				sql.UpdateWhere(sql.ExprP(`excluded."timestamp" < "pending_status"."timestamp"`)),
			).Exec(b.ctx)
		if isNoRows(err) {
			err = nil
		}
		b.early[msgKey{ch.ID, s.ID}] = true
		return err
	}
	if err != nil {
		return err
	}
	return b.advance(msg, s, ts)
}

// claimed finds the send a status names by our id, echoed by Meta in
// biz_opaque_callback_data, when the send's own answer never came (a lost
// response, a timeout, a sender that died): the status settles it. The
// message takes the status's wamid; it leaves the outbox's queue; and if
// it had already failed as "outcome unknown", that failure is undone, since
// the message did go. A message that already has another wamid (an earlier
// attempt's statuses) is not matched.
func (b *batch) claimed(ch *ent.Channel, s whatsapp.Status) (*ent.Message, error) {
	id := pulid.ID(s.BizOpaqueCallbackData)
	if id.Prefix() != "MS" {
		return nil, &ent.NotFoundError{}
	}
	msg, err := b.tx.Message.Query().Where(message.ID(id), message.ChannelID(ch.ID),
		message.DirectionEQ(message.DirectionOUTBOUND), message.ExternalIDIsNil()).Only(b.ctx)
	if err != nil {
		return nil, err
	}
	upd := b.tx.Message.UpdateOne(msg).SetExternalID(s.ID).ClearSendState().ClearSendAfter()
	if msg.Status == message.StatusFAILED && msg.Error != nil && msg.Error.Code == schematype.CodeOutcomeUnknown {
		upd.SetStatus(message.StatusQUEUED).ClearError().ClearFailedAt()
	}
	return upd.Save(b.ctx)
}

// advance moves msg to the status s if that is forward, with a conditional
// update so that concurrent statuses cannot move it back.
func (b *batch) advance(msg *ent.Message, s whatsapp.Status, ts time.Time) error {
	if err := b.price(msg, s, ts); err != nil {
		return err
	}
	to, known := statusOf[s.Status]
	if !known {
		return nil // deleted, warning, …: kept in the raw event
	}
	forward := message.StatusIn(before[to]...)
	upd := b.tx.Message.Update().SetStatus(to)
	switch to {
	case message.StatusSENT:
		upd.SetSentAt(ts)
	case message.StatusDELIVERED:
		upd.SetDeliveredAt(ts)
	case message.StatusREAD:
		// Read and failed are both final, and Meta does not promise to
		// report them in order (nor do several workers apply them in
		// order): the earlier one by Meta's timestamp wins, a tie going to
		// read, since the customer saw the message.
		forward = message.Or(forward, message.And(message.StatusEQ(message.StatusFAILED), message.FailedAtGTE(ts)))
		upd.SetReadAt(ts).ClearFailedAt().ClearError()
	case message.StatusFAILED:
		forward = message.Or(forward, message.And(message.StatusEQ(message.StatusREAD), message.ReadAtGT(ts)))
		upd.SetFailedAt(ts).ClearReadAt()
		if len(s.Errors) > 0 {
			upd.SetError(cleanError(s.Errors[0]))
		}
	}
	n, err := upd.Where(message.ID(msg.ID), forward).Save(b.ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		// A step reported late (sent after delivered, delivered after read)
		// still records when it happened, without moving the status; a
		// step reported twice keeps its earliest time, so the outcome does
		// not depend on the order reports are processed in.
		late := b.tx.Message.Update().Where(message.ID(msg.ID))
		switch to {
		case message.StatusSENT:
			late.Where(message.Or(message.SentAtIsNil(), message.SentAtGT(ts))).SetSentAt(ts)
		case message.StatusDELIVERED:
			late.Where(message.Or(message.DeliveredAtIsNil(), message.DeliveredAtGT(ts))).SetDeliveredAt(ts)
		case message.StatusREAD:
			late.Where(message.StatusEQ(message.StatusREAD), message.ReadAtGT(ts)).SetReadAt(ts)
		default:
			return nil
		}
		if n, err = late.Save(b.ctx); err != nil {
			return err
		}
	}
	if n > 0 {
		b.emit(msg.TenantID, events.Spec{Kind: event.KindMESSAGE_UPDATED, ConversationID: msg.ConversationID, MessageID: msg.ID})
	}
	return nil
}

// applyPending applies statuses that arrived before msg, oldest step first.
func (b *batch) applyPending(ch *ent.Channel, msg *ent.Message) error {
	pending, err := b.tx.PendingStatus.Query().
		Where(pendingstatus.ChannelID(ch.ID), pendingstatus.ExternalID(*msg.ExternalID)).All(b.ctx)
	if err != nil || len(pending) == 0 {
		return err
	}
	for _, p := range pending {
		var s whatsapp.Status
		if err := json.Unmarshal(p.Raw, &s); err != nil {
			s = whatsapp.Status{ID: p.ExternalID, Status: whatsapp.StatusKind(p.Status)}
		}
		m, err := b.tx.Message.Get(b.ctx, msg.ID)
		if err != nil {
			return err
		}
		if err := b.advance(m, s, p.Timestamp); err != nil {
			return err
		}
	}
	_, err = b.tx.PendingStatus.Delete().
		Where(pendingstatus.ChannelID(ch.ID), pendingstatus.ExternalID(*msg.ExternalID)).Exec(b.ctx)
	return err
}

// ApplyPending applies to msg the statuses Meta sent before msg was known
// (e.g. a send's "sent" webhook overtaking the send's own response), within
// tx, and appends the resulting events. The sender calls it once it has
// stored Meta's message id.
func ApplyPending(ctx context.Context, tx *ent.Tx, n events.Notifier, msg *ent.Message) error {
	if msg.ExternalID == nil {
		return nil
	}
	ctx = viewer.System(ctx)
	ch, err := tx.Channel.Get(ctx, msg.ChannelID)
	if err != nil {
		return err
	}
	b := newBatch(ctx, &Processor{Notifier: n}, tx)
	if err := b.applyPending(ch, msg); err != nil {
		return err
	}
	return b.append()
}
