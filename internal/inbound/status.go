package inbound

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/ent/pendingstatus"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/events"
	"switchboard/internal/pulid"
	"switchboard/internal/sqlexpr"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp"
)

// before lists, for each status a message can move to, the statuses it may
// move from. Statuses only move forward (sent → delivered → read); read
// and failed are final, the earlier of the two winning (step).
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

// report is one delivery status of a batch, with the time it happened.
type report struct {
	ch *ent.Channel
	s  whatsapp.Status
	ts time.Time
}

// status keeps one delivery status for applyStatuses, which applies the
// batch's statuses together once its messages are stored.
func (b *batch) status(ch *ent.Channel, s whatsapp.Status, received time.Time) {
	if s.ID == "" || s.Status == "" {
		return
	}
	b.reports = append(b.reports, report{ch: ch, s: s, ts: when(s.Timestamp, received)})
}

// applyStatuses applies the batch's statuses in a handful of statements
// however many there are: the messages they name are read in one query
// per channel (and the sends named only by our id in one more), each
// status moves its message in memory, in order of receipt, by step's
// rules, and every message that changed is written once (tracker.write).
// The rows cannot change meanwhile: lockInOrder holds them (PostgreSQL)
// and SQLite runs one writer at a time; write checks it anyway. A status
// whose message is not known yet is kept until it is (keepEarly).
//
// Statuses are at least half of what Meta posts (three or four per message
// sent), so one round trip per status was most of a busy batch's time, and
// the locks it held were what the outbox waited for.
func (b *batch) applyStatuses() error {
	if len(b.reports) == 0 {
		return nil
	}
	t, err := b.track(b.reports)
	if err != nil {
		return err
	}
	for _, r := range b.reports {
		m := t.find(r)
		if m == nil {
			if err := b.keepEarly(r); err != nil {
				return err
			}
			continue
		}
		b.step(m, r.s, r.ts)
	}
	b.reports = nil
	return t.write(b)
}

// tracked is a message as the batch's statuses leave it, and as it was
// read.
type tracked struct {
	*ent.Message
	was     ent.Message
	changes int // the statuses that moved it or its times: one MESSAGE_UPDATED each
}

// dirty reports whether any column a status may change differs from what
// was read.
func (m *tracked) dirty() bool {
	for _, c := range statusColumns {
		if !same(c.value(m.Message), c.value(&m.was)) {
			return true
		}
	}
	return false
}

// tracker holds the messages a batch's statuses name.
type tracker struct {
	byExt map[msgKey]*tracked
	// unsent are sends whose answer never came (no wamid stored), by our
	// id, which Meta echoes in biz_opaque_callback_data.
	unsent map[pulid.ID]*tracked
}

func (t *tracker) add(m *ent.Message) *tracked {
	tm := &tracked{Message: m, was: *m}
	if m.ExternalID != nil {
		t.byExt[msgKey{m.ChannelID, *m.ExternalID}] = tm
	} else {
		t.unsent[m.ID] = tm
	}
	return tm
}

// track reads the messages the reports name: by channel and Meta id, and
// the sends without a wamid that a report names by our id.
func (b *batch) track(rs []report) (*tracker, error) {
	t := &tracker{byExt: map[msgKey]*tracked{}, unsent: map[pulid.ID]*tracked{}}
	keys := byChannel{}
	for _, r := range rs {
		keys.add(r.ch.ID, r.s.ID)
	}
	err := keys.each(func(ch pulid.ID, exts []string) error {
		ms, err := b.tx.Message.Query().Where(message.ChannelID(ch), message.ExternalIDIn(exts...)).All(b.ctx)
		for _, m := range ms {
			t.add(m)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var ours []pulid.ID
	for _, r := range rs {
		id := pulid.ID(r.s.BizOpaqueCallbackData)
		if t.byExt[msgKey{r.ch.ID, r.s.ID}] == nil && id.Prefix() == "MS" {
			ours = append(ours, id)
		}
	}
	for part := range slices.Chunk(uniq(ours), maxInList) {
		ms, err := b.tx.Message.Query().Where(message.IDIn(part...),
			message.DirectionEQ(message.DirectionOUTBOUND), message.ExternalIDIsNil()).All(b.ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			t.add(m)
		}
	}
	return t, nil
}

// find returns the message r is about: the one with its wamid on its
// channel, or the send it names by our id when that send's own answer
// never came (a lost response, a timeout, a sender that died). Such a
// send takes the status's wamid and leaves the outbox's queue; if it had
// already failed as "outcome unknown", that failure is undone, since the
// message did go. A send that has another wamid already (an earlier
// attempt's) is not matched.
func (t *tracker) find(r report) *tracked {
	key := msgKey{r.ch.ID, r.s.ID}
	if m := t.byExt[key]; m != nil {
		return m
	}
	id := pulid.ID(r.s.BizOpaqueCallbackData)
	m := t.unsent[id]
	if m == nil || m.ChannelID != r.ch.ID {
		return nil
	}
	delete(t.unsent, id)
	t.byExt[key] = m
	m.ExternalID, m.SendState, m.SendAfter = &r.s.ID, nil, nil
	if m.Status == message.StatusFAILED && m.Error != nil && m.Error.Code == schematype.CodeOutcomeUnknown {
		m.Status, m.Error, m.FailedAt = message.StatusQUEUED, nil, nil
	}
	return m
}

// step applies the status s, reported at ts, to m: its pricing once
// (price), then its status if that moves forward; a step reported late
// (sent after delivered, delivered after read) still records when it
// happened without moving the status, and a step reported twice keeps its
// earliest time, so the outcome does not depend on the order reports are
// processed in.
func (b *batch) step(m *tracked, s whatsapp.Status, ts time.Time) {
	b.price(m, s, ts)
	to, known := statusOf[s.Status]
	changed := false
	if known && forward(m.Message, to, ts) {
		m.Status = to
		switch to {
		case message.StatusSENT:
			m.SentAt = &ts
		case message.StatusDELIVERED:
			m.DeliveredAt = &ts
		case message.StatusREAD:
			m.ReadAt, m.FailedAt, m.Error = &ts, nil, nil
		case message.StatusFAILED:
			m.FailedAt, m.ReadAt = &ts, nil
			if len(s.Errors) > 0 {
				m.Error = cleanError(s.Errors[0])
			}
		}
		changed = true
	} else if known {
		changed = late(m.Message, to, ts)
	}
	if changed {
		m.changes++
	}
}

// forward reports whether m may move to the status to, reported at ts.
// Read and failed are both final, and Meta does not promise to report
// them in order (nor do several workers apply them in order): the earlier
// one by Meta's timestamp wins, a tie going to read, since the customer
// saw the message.
func forward(m *ent.Message, to message.Status, ts time.Time) bool {
	if slices.Contains(before[to], m.Status) {
		return true
	}
	switch {
	case to == message.StatusREAD && m.Status == message.StatusFAILED:
		return m.FailedAt != nil && !m.FailedAt.Before(ts)
	case to == message.StatusFAILED && m.Status == message.StatusREAD:
		return m.ReadAt != nil && m.ReadAt.After(ts)
	}
	return false
}

// late records the time of a step that does not move m's status, if it is
// the first or earliest report of that step.
func late(m *ent.Message, to message.Status, ts time.Time) bool {
	earlier := func(at **time.Time) bool {
		if *at == nil || (*at).After(ts) {
			*at = &ts
			return true
		}
		return false
	}
	switch to {
	case message.StatusSENT:
		return earlier(&m.SentAt)
	case message.StatusDELIVERED:
		return earlier(&m.DeliveredAt)
	case message.StatusREAD:
		return m.Status == message.StatusREAD && earlier(&m.ReadAt)
	}
	return false
}

// write stores every message the statuses changed, in id order, in one
// UPDATE per chunk: each changed column set row by row (CASE id …), each
// row only if its status is still the one read. A row that is not (which
// the locks rule out) fails the batch, whose jobs then run again. It
// appends one MESSAGE_UPDATED per status that moved a message or its
// times (pricing and a settled send's wamid alone are not news to the
// inbox).
func (t *tracker) write(b *batch) error {
	var changed []*tracked
	for _, m := range t.byExt {
		if m.dirty() {
			changed = append(changed, m)
		}
	}
	slices.SortFunc(changed, func(x, y *tracked) int { return cmp.Compare(x.ID, y.ID) })
	for part := range slices.Chunk(changed, maxChangedRows) {
		if err := b.update(part); err != nil {
			return err
		}
	}
	for _, m := range changed {
		for range m.changes {
			b.emit(m.TenantID, events.Spec{Kind: event.KindMESSAGE_UPDATED, ConversationID: m.ConversationID, MessageID: m.ID})
		}
	}
	return nil
}

// maxChangedRows bounds the rows of one status UPDATE: each binds two
// parameters per changed column (at most 11) and two for its guard, far
// below SQLite's and PostgreSQL's limits.
const maxChangedRows = 500

// column is one message column a status may change, with its value in a
// message as an argument of a hand-built SET (nil for NULL).
type column struct {
	name  string
	value func(*ent.Message) any
}

var statusColumns = []column{
	{message.FieldStatus, func(m *ent.Message) any { return string(m.Status) }},
	{message.FieldSentAt, func(m *ent.Message) any { return deref(m.SentAt) }},
	{message.FieldDeliveredAt, func(m *ent.Message) any { return deref(m.DeliveredAt) }},
	{message.FieldReadAt, func(m *ent.Message) any { return deref(m.ReadAt) }},
	{message.FieldFailedAt, func(m *ent.Message) any { return deref(m.FailedAt) }},
	{message.FieldError, func(m *ent.Message) any { return jsonText(m.Error) }},
	{message.FieldPricingType, func(m *ent.Message) any { return nullable(m.PricingType) }},
	{message.FieldPricingCategory, func(m *ent.Message) any { return nullable(m.PricingCategory) }},
	{message.FieldExternalID, func(m *ent.Message) any { return deref(m.ExternalID) }},
	{message.FieldSendState, func(m *ent.Message) any {
		if m.SendState == nil {
			return nil
		}
		return string(*m.SendState)
	}},
	{message.FieldSendAfter, func(m *ent.Message) any { return deref(m.SendAfter) }},
}

// update writes ms' changed columns in one statement.
func (b *batch) update(ms []*tracked) error {
	ids := make([]pulid.ID, len(ms))
	was := make([]string, len(ms))
	for i, m := range ms {
		ids[i], was[i] = m.ID, string(m.was.Status)
	}
	n, err := b.tx.Message.Update().Where(message.IDIn(ids...)).
		Modify(func(u *sql.UpdateBuilder) {
			for _, c := range statusColumns {
				var keys []pulid.ID
				var values []any
				for _, m := range ms {
					if v := c.value(m.Message); !same(v, c.value(&m.was)) {
						keys, values = append(keys, m.ID), append(values, v)
					}
				}
				if len(keys) > 0 {
					u.Set(c.name, sqlexpr.CaseOf(message.FieldID, keys, values, c.name))
				}
			}
			u.Where(sql.P(func(sb *sql.Builder) {
				sb.Ident(message.FieldStatus).WriteString(" = ").Join(sqlexpr.CaseOf(message.FieldID, ids, was, message.FieldStatus))
			}))
		}).Save(b.ctx)
	if err != nil {
		return err
	}
	if n != len(ms) {
		return fmt.Errorf("inbound: %d of %d messages changed while their statuses were applied", len(ms)-n, len(ms))
	}
	return nil
}

// same reports whether a column's new value is its old one: times by the
// instant they name, the rest as compared by ==.
func same(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return a == b
}

// deref is *p, or nil for a nil p.
func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// jsonText is e as ent stores it, JSON text, or nil.
func jsonText(e *schematype.Error) any {
	if e == nil {
		return nil
	}
	b, _ := json.Marshal(e)
	return string(b)
}

// nullable is s, or nil (NULL) for the empty string.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// keepEarly keeps a status whose message is not known yet (a send's
// "sent" overtaking the send's own answer) until the message is stored:
// one row per status of a message, holding its earliest report, whichever
// order the reports are processed in.
func (b *batch) keepEarly(r report) error {
	raw := r.s.Raw
	if len(raw) == 0 {
		raw, _ = json.Marshal(r.s)
	}
	err := b.tx.PendingStatus.Create().SetTenantID(r.ch.TenantID).SetChannelID(r.ch.ID).SetExternalID(r.s.ID).
		SetStatus(string(r.s.Status)).SetTimestamp(r.ts).SetRaw(raw).
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
	b.early[msgKey{r.ch.ID, r.s.ID}] = true
	return err
}

// applyPending applies the statuses kept before msg was stored, earliest
// first, and deletes them.
func (b *batch) applyPending(ch *ent.Channel, msg *ent.Message) error {
	pending, err := b.tx.PendingStatus.Query().
		Where(pendingstatus.ChannelID(ch.ID), pendingstatus.ExternalID(*msg.ExternalID)).All(b.ctx)
	if err != nil || len(pending) == 0 {
		return err
	}
	slices.SortFunc(pending, func(x, y *ent.PendingStatus) int {
		return cmp.Or(x.Timestamp.Compare(y.Timestamp), cmp.Compare(x.Status, y.Status))
	})
	m, err := b.tx.Message.Get(b.ctx, msg.ID)
	if err != nil {
		return err
	}
	t := &tracker{byExt: map[msgKey]*tracked{}, unsent: map[pulid.ID]*tracked{}}
	tm := t.add(m)
	for _, p := range pending {
		var s whatsapp.Status
		if err := json.Unmarshal(p.Raw, &s); err != nil {
			s = whatsapp.Status{ID: p.ExternalID, Status: whatsapp.StatusKind(p.Status)}
		}
		b.step(tm, s, p.Timestamp)
	}
	if err := t.write(b); err != nil {
		return err
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
