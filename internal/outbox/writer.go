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
	plain    []accepted     // accepted sends without an upload, for sentAll
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
// file's media id (kept for a retry: uploads live 30 days at Meta). Most
// sends upload nothing; theirs are written together by flush (sentAll).
func (w *writer) sent(m *ent.Message, wamid, mediaID string, now time.Time) error {
	if mediaID == "" || m.Media == nil {
		w.plain = append(w.plain, accepted{m, wamid})
		return nil
	}
	md := *m.Media
	md.MediaID = mediaID
	upd := w.tx.Message.Update().Where(message.ID(m.ID), inFlight).
		SetExternalID(wamid).ClearSendState().ClearSendAfter().SetMedia(&md)
	if spec, err := ParseSpec(m.Raw); err == nil && spec.Media != nil {
		spec.Media.ID = mediaID
		if raw, err := json.Marshal(spec); err == nil {
			upd.SetRaw(raw)
		}
	}
	n, err := upd.Modify(func(u *sql.UpdateBuilder) { markSent(u, now) }).Save(w.ctx)
	if err != nil || n == 0 {
		return err
	}
	w.accept(m, wamid)
	return nil
}

// accepted is a send Meta accepted, with its wamid.
type accepted struct {
	m     *ent.Message
	wamid string
}

// sentAll records the plain sends Meta accepted in two statements: the
// ones still the sender's to record are selected (sender.write locked
// them), then given their wamids in one UPDATE. One statement per send was
// most of the recording's time at 1,000 sends a second.
func (w *writer) sentAll(now time.Time) error {
	if len(w.plain) == 0 {
		return nil
	}
	byID := make(map[pulid.ID]accepted, len(w.plain))
	for _, a := range w.plain {
		byID[a.m.ID] = a
	}
	for part := range slices.Chunk(slices.Sorted(maps.Keys(byID)), 1000) {
		live, err := w.tx.Message.Query().Where(message.IDIn(part...), inFlight).Order(ent.Asc(message.FieldID)).IDs(w.ctx)
		if err != nil || len(live) == 0 {
			return err
		}
		wamids := make([]string, len(live))
		for i, id := range live {
			wamids[i] = byID[id].wamid
		}
		n, err := w.tx.Message.Update().Where(message.IDIn(live...)).ClearSendState().ClearSendAfter().
			Modify(func(u *sql.UpdateBuilder) {
				u.Set(message.FieldExternalID, sqlexpr.CaseOf(message.FieldID, live, wamids, message.FieldExternalID))
				markSent(u, now)
			}).Save(w.ctx)
		if err != nil {
			return err
		}
		if n != len(live) {
			return fmt.Errorf("outbox: %d of %d accepted sends changed while recorded", len(live)-n, len(live))
		}
		for _, id := range live {
			w.accept(byID[id].m, byID[id].wamid)
		}
	}
	w.plain = nil
	return nil
}

// markSent makes a message SENT now, unless a status webhook moved it on
// already.
func markSent(u *sql.UpdateBuilder, now time.Time) {
	whileQueued(u, message.FieldError, nil)
	whileQueued(u, message.FieldSentAt, now)
	whileQueued(u, message.FieldStatus, message.StatusSENT)
}

// accept notes a recorded acceptance: statuses may be waiting for its
// wamid, and the inbox hears of it.
func (w *writer) accept(m *ent.Message, wamid string) {
	m.ExternalID = &wamid
	w.accepted = append(w.accepted, m)
	w.emit(m)
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

// flush records the accepted sends, applies the statuses that arrived
// before their answers (inbound.ApplyPending) and appends the events,
// tenant by tenant.
func (w *writer) flush() error {
	if err := w.sentAll(w.o.now()); err != nil {
		return err
	}
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
