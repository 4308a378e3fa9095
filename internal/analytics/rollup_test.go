package analytics_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/ent/messagedaily"
	"switchboard/internal/analytics"
	"switchboard/internal/pulid"
	"switchboard/internal/testdb"
	"switchboard/internal/viewer"
)

type statsTenant struct {
	ctx       context.Context
	id, ch    pulid.ID
	ch2, conv pulid.ID
}

func newStatsTenant(t *testing.T, c *ent.Client, name string) statsTenant {
	sys := viewer.System(context.Background())
	tn := c.Tenant.Create().SetName(name).SaveX(sys)
	ch := c.Channel.Create().SetTenantID(tn.ID).SetName("main").SetWabaID("waba-" + name).
		SetPhoneNumberID("pn-" + name).SetDisplayPhoneNumber("+1 555 0100").SaveX(sys)
	ch2 := c.Channel.Create().SetTenantID(tn.ID).SetName("second").SetWabaID("waba2-" + name).
		SetPhoneNumberID("pn2-" + name).SetDisplayPhoneNumber("+1 555 0101").SaveX(sys)
	ct := c.Contact.Create().SetTenantID(tn.ID).SetPhone("+14155550123").SetWaID("14155550123").SaveX(sys)
	conv := c.Conversation.Create().SetTenantID(tn.ID).SetChannelID(ch.ID).SetContactID(ct.ID).SaveX(sys)
	return statsTenant{ctx: viewer.NewContext(context.Background(), viewer.Viewer{TenantID: tn.ID, Role: viewer.RoleAdmin}),
		id: tn.ID, ch: ch.ID, ch2: ch2.ID, conv: conv.ID}
}

func (s statsTenant) add(t *testing.T, c *ent.Client, ch pulid.ID, at time.Time, dir message.Direction, st message.Status) *ent.Message {
	t.Helper()
	return c.Message.Create().SetTenantID(s.id).SetChannelID(ch).SetConversationID(s.conv).SetDirection(dir).
		SetType(message.TypeTEXT).SetStatus(st).SetTimestamp(at).
		// written a while ago, as most rows of past days were
		SetUpdatedAt(time.Now().Add(-time.Hour)).SaveX(viewer.System(context.Background()))
}

// The rollup changes where messageStats reads whole past days from, never
// its answer: before a run, after it, after messages change or arrive with
// old timestamps, for every range shape, for one channel and for another
// tenant.
func TestMessageStatsAnswerTheSameFromTheRollup(t *testing.T) {
	db := testdb.Open(t)
	c := db.Client
	a, b := newStatsTenant(t, c, "a"), newStatsTenant(t, c, "b")
	today := analytics.DayOf(time.Now())
	day := func(n int, h int) time.Time { return today.AddDate(0, 0, -n).Add(time.Duration(h) * time.Hour) }
	var oldest *ent.Message
	for n := 1; n <= 5; n++ {
		for i, st := range []message.Status{message.StatusSENT, message.StatusDELIVERED, message.StatusREAD, message.StatusFAILED} {
			m := a.add(t, c, a.ch, day(n, 2+i), message.DirectionOUTBOUND, st)
			if n == 5 && i == 0 {
				oldest = m
			}
		}
		a.add(t, c, a.ch2, day(n, 9), message.DirectionINBOUND, message.StatusRECEIVED)
		b.add(t, c, b.ch, day(n, 3), message.DirectionOUTBOUND, message.StatusREAD)
	}
	a.add(t, c, a.ch, today.Add(time.Minute), message.DirectionINBOUND, message.StatusRECEIVED)

	ranges := []struct {
		name     string
		from, to time.Time
		ch       *pulid.ID
	}{
		{"whole days", day(6, 0), today.AddDate(0, 0, 1), nil},
		{"partial days at both ends", day(5, 5), day(1, 4), nil},
		{"one channel", day(6, 0), today.AddDate(0, 0, 1), &a.ch},
		{"the other channel", day(3, 0), day(1, 0), &a.ch2},
		{"only today", today, today.AddDate(0, 0, 1), nil},
	}
	answers := func(s statsTenant) map[string]analytics.Stats {
		out := map[string]analytics.Stats{}
		for _, r := range ranges {
			st, err := analytics.MessageStats(s.ctx, c, r.from, r.to, r.ch)
			if err != nil {
				t.Fatalf("%s: %v", r.name, err)
			}
			out[r.name] = st
		}
		return out
	}
	same := func(when string, want, got map[string]analytics.Stats) {
		t.Helper()
		for _, r := range ranges {
			if !reflect.DeepEqual(want[r.name], got[r.name]) {
				t.Errorf("%s, %s:\n got %+v\nwant %+v", when, r.name, got[r.name], want[r.name])
			}
		}
	}
	liveA, liveB := answers(a), answers(b)
	if liveA["whole days"].Sent != 15 || liveA["whole days"].Inbound != 6 || liveB["whole days"].Read != 5 {
		t.Fatalf("seeded counts: %+v / %+v", liveA["whole days"].Counts, liveB["whole days"].Counts)
	}

	r := &analytics.Rollup{Client: c, Owner: "replica-a"}
	if err := r.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	sys := viewer.System(context.Background())
	if n := c.MessageDaily.Query().CountX(sys); n == 0 {
		t.Fatal("the rollup wrote no rows")
	}
	same("after the first run", liveA, answers(a))
	same("another tenant after the first run", liveB, answers(b))

	// The rollup is what is read for past days: a change it cannot see
	// (updated_at set back by hand, as no writer of the application does) shows
	// the rollup's count, not the row's.
	c.Message.UpdateOneID(oldest.ID).SetStatus(message.StatusFAILED).SetUpdatedAt(time.Now().Add(-time.Hour)).ExecX(sys)
	if got := answers(a)["whole days"]; got.Failed != liveA["whole days"].Failed {
		t.Fatalf("the past days were counted from the rows, not the rollup: %+v", got.Counts)
	}
	c.Message.UpdateOneID(oldest.ID).SetStatus(message.StatusSENT).SetUpdatedAt(time.Now().Add(-time.Hour)).ExecX(sys)

	// Changes through the application are seen at once, before the next
	// run: a late status on a rolled day, and a message with an old
	// timestamp (a replayed webhook).
	c.Message.UpdateOneID(oldest.ID).SetStatus(message.StatusREAD).ExecX(sys)
	c.Message.Create().SetTenantID(a.id).SetChannelID(a.ch).SetConversationID(a.conv).SetDirection(message.DirectionINBOUND).
		SetType(message.TypeTEXT).SetStatus(message.StatusRECEIVED).SetTimestamp(day(4, 20)).ExecX(sys)
	changedA := answers(a)
	if w := changedA["whole days"]; w.Read != liveA["whole days"].Read+1 || w.Inbound != liveA["whole days"].Inbound+1 {
		t.Fatalf("changes since the run are missing: %+v", w.Counts)
	}
	same("another tenant after a's changes", liveB, answers(b))
	if err := r.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	same("after the second run", changedA, answers(a))
	if err := r.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	same("after a run with nothing new", changedA, answers(a))
	if n := c.MessageDaily.Query().Where(messagedaily.TenantID(a.id), messagedaily.Status(string(message.StatusREAD)),
		messagedaily.Day(day(5, 0))).OnlyX(sys); n.Count != 2 {
		t.Fatalf("the changed day's rollup row: %+v", n)
	}
}

// One replica at a time runs the rollup: another's step while the lease is
// held changes nothing.
func TestOneReplicaAtATimeRunsTheRollup(t *testing.T) {
	db := testdb.Open(t)
	c := db.Client
	a := newStatsTenant(t, c, "a")
	a.add(t, c, a.ch, analytics.DayOf(time.Now()).AddDate(0, 0, -2), message.DirectionOUTBOUND, message.StatusSENT)
	now := time.Now()
	first := &analytics.Rollup{Client: c, Owner: "replica-a", Now: func() time.Time { return now }}
	if err := first.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	sys := viewer.System(context.Background())
	// replica-a's lease is released after its step; hold it as a crashed
	// run would have left it.
	c.RollupMark.UpdateOneID("message_stats").SetLeaseOwner("replica-a").SetLeaseUntil(now.Add(time.Hour)).ExecX(sys)
	c.MessageDaily.Delete().ExecX(sys)
	second := &analytics.Rollup{Client: c, Owner: "replica-b", Now: func() time.Time { return now.Add(time.Minute) }}
	if err := second.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := c.MessageDaily.Query().CountX(sys); n != 0 {
		t.Fatalf("a second replica ran the rollup under another's lease (%d rows)", n)
	}
	late := &analytics.Rollup{Client: c, Owner: "replica-b", Now: func() time.Time { return now.Add(2 * time.Hour) }}
	if err := late.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := c.RollupMark.GetX(sys, "message_stats"); m.LeaseOwner != "replica-b" {
		t.Fatalf("an expired lease was not taken over: %+v", m)
	}
}
