package outbox

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/ent/pendingstatus"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/events"
	"switchboard/internal/inbound"
	"switchboard/internal/metaapi"
	"switchboard/internal/pulid"
	"switchboard/internal/sqlexpr"
)

// writer records send outcomes in one transaction. Every update is
// conditioned on the message still being in the state a sender left it
// in, so that an outcome a status webhook settled first is not undone.
type writer struct {
	ctx      context.Context
	tx       *ent.Tx
	o        *Outbox
	specs    map[pulid.ID][]events.Spec
	accepted []*ent.Message // newly sent, with their wamids: statuses may wait for them
}

func newWriter(ctx context.Context, tx *ent.Tx, o *Outbox) *writer {
	return &writer{ctx: ctx, tx: tx, o: o, specs: map[pulid.ID][]events.Spec{}}
}

// inFlight matches a message whose outcome is still the sender's to record.
var inFlight = message.SendStateIn(message.SendStateIN_FLIGHT, message.SendStateUNKNOWN)

// whileQueued sets column to v only if the message is still QUEUED (a
// status webhook may have moved it on already).
func whileQueued(u *sql.UpdateBuilder, column string, v any) {
	u.Set(column, sqlexpr.CaseWhen(sql.EQ(message.FieldStatus, message.StatusQUEUED), v, column))
}

// sent records Meta's acceptance: the wamid, SENT, and the uploaded
// file's media id (kept for a retry: uploads live 30 days at Meta).
func (w *writer) sent(m *ent.Message, wamid, mediaID string, now time.Time) error {
	upd := w.tx.Message.Update().Where(message.ID(m.ID), inFlight).
		SetExternalID(wamid).ClearSendState().ClearSendAfter()
	if mediaID != "" && m.Media != nil {
		md := *m.Media
		md.MediaID = mediaID
		upd.SetMedia(&md)
		if spec, err := ParseSpec(m.Raw); err == nil && spec.Media != nil {
			spec.Media.ID = mediaID
			if raw, err := json.Marshal(spec); err == nil {
				upd.SetRaw(raw)
			}
		}
	}
	n, err := upd.Modify(func(u *sql.UpdateBuilder) {
		whileQueued(u, message.FieldError, nil)
		whileQueued(u, message.FieldSentAt, now)
		whileQueued(u, message.FieldStatus, message.StatusSENT)
	}).Save(w.ctx)
	if err != nil || n == 0 {
		return err
	}
	m.ExternalID = &wamid
	w.accepted = append(w.accepted, m)
	w.emit(m)
	return nil
}

// fail makes the message FAILED with the reason an agent reads.
func (w *writer) fail(m *ent.Message, e *schematype.Error, now time.Time) error {
	n, err := w.tx.Message.Update().Where(message.ID(m.ID), inFlight).
		ClearSendState().ClearSendAfter().
		Modify(func(u *sql.UpdateBuilder) {
			whileQueued(u, message.FieldError, jsonValue(e))
			whileQueued(u, message.FieldFailedAt, now)
			whileQueued(u, message.FieldStatus, message.StatusFAILED)
		}).Save(w.ctx)
	if err != nil || n == 0 {
		return err
	}
	w.emit(m)
	if e.Code == 131050 { // the customer stopped marketing messages
		if err := optOut(w.ctx, w.tx, m, now); err != nil {
			return err
		}
	}
	return campaignOutcome(w.ctx, w.tx, m, e.Code, e.Title)
}

// requeue puts the message back in the queue until at, QUEUED with the
// error that delayed it visible.
func (w *writer) requeue(m *ent.Message, cause error, at time.Time) error {
	n, err := w.tx.Message.Update().
		Where(message.ID(m.ID), message.SendStateEQ(message.SendStateIN_FLIGHT), message.StatusEQ(message.StatusQUEUED)).
		SetSendState(message.SendStateREADY).SetSendAfter(at).SetError(errorOf(cause)).Save(w.ctx)
	if err != nil || n == 0 {
		return err
	}
	w.emit(m)
	return nil
}

// unknown records that the request left without an answer: the message
// waits for a status webhook until deadline and is never resent blindly.
func (w *writer) unknown(m *ent.Message, deadline time.Time) error {
	n, err := w.tx.Message.Update().
		Where(message.ID(m.ID), message.SendStateEQ(message.SendStateIN_FLIGHT)).
		SetSendState(message.SendStateUNKNOWN).SetSendAfter(deadline).Save(w.ctx)
	if err != nil || n == 0 {
		return err
	}
	w.emit(m)
	return nil
}

// reauth marks the channel NEEDS_REAUTH (Meta refused its token) and puts
// the message back in the queue, uncounted: its sends wait for a new
// token (updateChannel).
func (w *writer) reauth(m *ent.Message, ch *ent.Channel, now time.Time) error {
	err := w.tx.Channel.Update().Where(channel.ID(ch.ID), channel.StatusEQ(channel.StatusCONNECTED)).
		SetStatus(channel.StatusNEEDS_REAUTH).Exec(w.ctx)
	if err != nil {
		return err
	}
	return w.tx.Message.Update().Where(message.ID(m.ID), message.SendStateEQ(message.SendStateIN_FLIGHT)).
		SetSendState(message.SendStateREADY).SetSendAfter(now).AddAttempts(-1).Exec(w.ctx)
}

func (w *writer) emit(m *ent.Message) {
	w.specs[m.TenantID] = append(w.specs[m.TenantID],
		events.Spec{Kind: event.KindMESSAGE_UPDATED, ConversationID: m.ConversationID, MessageID: m.ID})
}

// flush applies the statuses that arrived before their sends' answers
// (inbound.ApplyPending) and appends the events, tenant by tenant.
func (w *writer) flush() error {
	if err := w.applyPending(); err != nil {
		return err
	}
	for _, t := range slices.Sorted(maps.Keys(w.specs)) {
		if err := events.Append(w.ctx, w.tx, w.o.notifier, t, w.specs[t]...); err != nil {
			return err
		}
	}
	return nil
}

// applyPending looks up, in one query per channel, which newly sent
// messages have statuses waiting, and applies those.
func (w *writer) applyPending() error {
	if len(w.accepted) == 0 {
		return nil
	}
	byChannel := map[pulid.ID][]string{}
	for _, m := range w.accepted {
		byChannel[m.ChannelID] = append(byChannel[m.ChannelID], *m.ExternalID)
	}
	waiting := map[string]bool{}
	for ch, wamids := range byChannel {
		found, err := w.tx.PendingStatus.Query().
			Where(pendingstatus.ChannelID(ch), pendingstatus.ExternalIDIn(wamids...)).
			Select(pendingstatus.FieldExternalID).Strings(w.ctx)
		if err != nil {
			return err
		}
		for _, id := range found {
			waiting[id] = true
		}
	}
	for _, m := range w.accepted {
		if waiting[*m.ExternalID] {
			if err := inbound.ApplyPending(w.ctx, w.tx, w.o.notifier, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// errorOf is the MessageError of a failed attempt: Meta's code, its
// message as the title and error_data.details as the message; or one of
// schematype's own codes for failures that are not Meta's answer.
func errorOf(err error) *schematype.Error {
	var api *metaapi.APIError
	if errors.As(err, &api) {
		msg := api.Details
		if msg == "" {
			msg = api.Message
		}
		return &schematype.Error{Code: api.Code, Title: api.Message, Message: msg}
	}
	var ve *metaapi.ValidationError
	if errors.As(err, &ve) {
		return &schematype.Error{Code: schematype.CodeInvalid, Title: "Invalid message", Message: ve.Error()}
	}
	var te *metaapi.TransportError
	if errors.As(err, &te) {
		return &schematype.Error{Code: schematype.CodeUnreachable, Title: "Meta could not be reached",
			Message: "no answer from Meta's Graph API (" + te.Err.Error() + ")"}
	}
	return &schematype.Error{Code: schematype.CodeUnreachable, Title: "Send failed", Message: err.Error()}
}

func outcomeUnknownError(wait time.Duration) *schematype.Error {
	return &schematype.Error{Code: schematype.CodeOutcomeUnknown, Title: "Outcome unknown",
		Message: fmt.Sprintf("Meta did not answer the send and no status named it within %s: "+
			"it may or may not have reached the customer. Retry to send it again.", wait)}
}

// jsonValue is e as the JSON column's value in a hand-built SET.
func jsonValue(e *schematype.Error) string {
	b, _ := json.Marshal(e)
	return string(b)
}

func jsonOf(v any) ([]byte, error) { return json.Marshal(v) }

func isNoRows(err error) bool { return errors.Is(err, stdsql.ErrNoRows) }
