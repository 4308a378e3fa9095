package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/conversation"
	"switchboard/ent/job"
	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/ent/webhookevent"
	"switchboard/internal/config"
	"switchboard/internal/media"
	"switchboard/internal/pulid"
	"switchboard/internal/retention"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim/graphapi"
)

// purgerAt is the app's purger under another lease owner, with its clock
// stopped at now.
func purgerAt(env *testenv.Env, owner string, now time.Time) *retention.Purger {
	p := *env.App.Retention
	p.Owner = owner
	p.Now = func() time.Time { return now }
	return &p
}

// countsOf is what a tenant's analytics answer over [from, to): the
// figures retention must leave exactly as they were.
func countsOf(t *testing.T, env *testenv.Env, token string, from, to time.Time) string {
	t.Helper()
	var out json.RawMessage
	env.MustQuery(t, token, `query($from: Time!, $to: Time!) {
  messageStats(from: $from, to: $to) { inbound sent delivered read failed byDay { day inbound sent delivered read failed } }
  billableUsage(from: $from, to: $to) { day channel { id } pricingType pricingCategory count } }`,
		map[string]any{"from": from, "to": to}, &out)
	return string(out)
}

func setRetention(t *testing.T, env *testenv.Env, token string, days int) {
	t.Helper()
	env.MustQuery(t, token, updateTenantMu, map[string]any{"in": map[string]any{"messageRetentionDays": days}}, nil)
}

func messageByWamid(t *testing.T, env *testenv.Env, wamid string) *ent.Message {
	t.Helper()
	return env.DB.Client.Message.Query().Where(message.ExternalID(wamid)).OnlyX(viewer.System(t.Context()))
}

type purgedOut struct {
	Text     string
	PurgedAt *time.Time
	Error    *struct {
		Code           int
		Title, Message *string
	}
}

func messageNode(t *testing.T, env *testenv.Env, token string, id pulid.ID) purgedOut {
	t.Helper()
	var out struct{ Node purgedOut }
	env.MustQuery(t, token, `query($id: ID!) { node(id: $id) { ... on Message { text purgedAt error { code title message } } } }`,
		map[string]any{"id": id}, &out)
	return out.Node
}

// A message older than its tenant's retention loses its contents and
// keeps its row: the API shows purgedAt, and messageStats (rolled up or
// not) and billableUsage answer exactly as before. Each tenant's period
// is its own: 90 days keeps a 10-day-old message, 1 day purges a
// 2-day-old one.
func TestRetentionPurgesOldMessagesAndKeepsTheirCounts(t *testing.T) {
	env := testenv.New(t)
	ctx := viewer.System(t.Context())
	now := time.Now().UTC()
	day := 24 * time.Hour
	a := env.SignUp(t, "Ninety Days")
	chA := connect(t, env, a.Token, "7301").ID
	b := env.SignUp(t, "One Day")
	connect(t, env, b.Token, "7302")
	setRetention(t, env, b.Token, 1)
	deliver(t, env, textWebhook("7301", "14155550123", "Alice", "wamid.a.old", "old secret", now.Add(-100*day)))
	deliver(t, env, textWebhook("7301", "14155550123", "Alice", "wamid.a.new", "recent", now.Add(-10*day)))
	deliver(t, env, textWebhook("7302", "14155550124", "Bob", "wamid.b.old", "two days ago", now.Add(-2*day)))
	deliver(t, env, textWebhook("7302", "14155550124", "Bob", "wamid.b.new", "this morning", now.Add(-time.Hour)))
	processed(t, env)

	// An old reply Meta priced, and an old one that failed with details.
	convA := env.DB.Client.Conversation.Query().Where(conversation.ChannelID(pulid.ID(chA))).OnlyIDX(ctx)
	out := env.DB.Client.Message.Create().SetTenantID(pulid.ID(a.TenantID)).SetConversationID(convA).
		SetChannelID(pulid.ID(chA)).SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEXT).
		SetText("our old answer").SetStatus(message.StatusQUEUED).SetExternalID("wamid.a.out").
		SetTimestamp(now.Add(-100 * day)).SaveX(ctx)
	deliver(t, env, pricedStatus("7301", "wamid.a.out", "sent", now.Add(-100*day), "regular", "marketing"))
	processed(t, env)
	failed := env.DB.Client.Message.Create().SetTenantID(pulid.ID(a.TenantID)).SetConversationID(convA).
		SetChannelID(pulid.ID(chA)).SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEXT).
		SetText("too late").SetStatus(message.StatusFAILED).SetExternalID("wamid.a.failed").
		SetError(&schematype.Error{Code: 131047, Title: "Re-engagement message", Message: "Alice last wrote 100 days ago"}).
		SetTimestamp(now.Add(-99 * day)).SaveX(ctx)

	from, to := now.Add(-120*day), now.Add(day)
	if err := env.App.Rollup.Step(t.Context()); err != nil {
		t.Fatal(err)
	}
	beforeA, beforeB := countsOf(t, env, a.Token, from, to), countsOf(t, env, b.Token, from, to)

	res, err := purgerAt(env, "test", now).Step(t.Context())
	if err != nil || !res.Ran {
		t.Fatalf("Step = %+v, %v", res, err)
	}
	if res.Purged[retention.KindMessages] != 4 {
		t.Fatalf("purged %d messages, want 4 (two of A's inbound and out, one failed, one of B's): %v",
			res.Purged[retention.KindMessages], res.Purged)
	}
	for _, w := range []string{"wamid.a.old", "wamid.a.out", "wamid.a.failed", "wamid.b.old"} {
		m := messageByWamid(t, env, w)
		if m.PurgedAt == nil || m.Text != "" || len(m.Raw) != 0 || m.Status == "" || m.Direction == "" {
			t.Errorf("%s after the purge: purgedAt %v text %q raw %s status %s", w, m.PurgedAt, m.Text, m.Raw, m.Status)
		}
	}
	for _, w := range []string{"wamid.a.new", "wamid.b.new"} {
		if m := messageByWamid(t, env, w); m.PurgedAt != nil || m.Text == "" || len(m.Raw) == 0 {
			t.Errorf("%s is within its retention but was purged: %+v", w, m)
		}
	}
	if m := messageByWamid(t, env, "wamid.a.out"); m.Status != message.StatusSENT || m.PricingType != "regular" {
		t.Errorf("the priced reply changed: status %s pricing %q", m.Status, m.PricingType)
	}
	got := messageNode(t, env, a.Token, failed.ID)
	if got.PurgedAt == nil || got.PurgedAt.Sub(now).Abs() > time.Second || got.Text != "" || got.Error == nil ||
		got.Error.Code != 131047 || got.Error.Title == nil || *got.Error.Title != "Re-engagement message" ||
		got.Error.Message != nil && *got.Error.Message != "" {
		t.Errorf("the failed message through the API: %+v (error %+v)", got, got.Error)
	}
	if got := messageNode(t, env, a.Token, out.ID); got.PurgedAt == nil {
		t.Errorf("purgedAt is not shown: %+v", got)
	}

	// The purge changed old messages (updated_at), so the rollup recounts
	// their days: the answer must not move, rolled up or counted from rows.
	if err := env.App.Rollup.Step(t.Context()); err != nil {
		t.Fatal(err)
	}
	if afterA := countsOf(t, env, a.Token, from, to); afterA != beforeA {
		t.Errorf("tenant A's counts changed:\nbefore %s\nafter  %s", beforeA, afterA)
	}
	if afterB := countsOf(t, env, b.Token, from, to); afterB != beforeB {
		t.Errorf("tenant B's counts changed:\nbefore %s\nafter  %s", beforeB, afterB)
	}
	var stats struct {
		MessageStats struct{ Inbound, Sent, Failed int }
	}
	env.MustQuery(t, a.Token, `query($from: Time!, $to: Time!) { messageStats(from: $from, to: $to) { inbound sent failed } }`,
		map[string]any{"from": from, "to": to}, &stats)
	if s := stats.MessageStats; s.Inbound != 2 || s.Sent != 1 || s.Failed != 1 {
		t.Errorf("tenant A's messageStats = %+v, want 2 inbound, 1 sent, 1 failed", s)
	}

	// A purged message cannot be sent again: there is nothing left to send.
	r := env.Query(t, a.Token, `mutation($id: ID!) { retryMessage(id: $id) { id } }`, map[string]any{"id": failed.ID})
	if r.Code() != "BAD_USER_INPUT" {
		t.Errorf("retryMessage of a purged message: %s %+v", r.Code(), r.Errors)
	}

	// A second run finds nothing more to do.
	res, err = purgerAt(env, "test", now).Step(t.Context())
	if err != nil || !res.Ran {
		t.Fatalf("second Step = %+v, %v", res, err)
	}
	for k, n := range res.Purged {
		if n != 0 {
			t.Errorf("the second run purged %d %s", n, k)
		}
	}
}

// Raw webhooks, finished and dead jobs, expired sessions, old sign-in
// throttle rows, unmatched early statuses, audit entries and seven-year-old
// aggregates go after their periods; what is younger, and PENDING
// webhooks however old, stay.
func TestRetentionDeletesRowsPastTheirPeriods(t *testing.T) {
	env := testenv.New(t)
	ctx := viewer.System(t.Context())
	now := time.Now().UTC()
	day := 24 * time.Hour
	a := env.SignUp(t, "Old Rows")
	ch := pulid.ID(connect(t, env, a.Token, "7311").ID)
	tenant := pulid.ID(a.TenantID)
	c := env.DB.Client

	webhook := func(status webhookevent.Status, age time.Duration) pulid.ID {
		return c.WebhookEvent.Create().SetPayload([]byte(`{"object":"whatsapp_business_account","entry":[]}`)).
			SetStatus(status).SetReceivedAt(now.Add(-age)).SaveX(ctx).ID
	}
	gone := map[string]pulid.ID{
		"processed 8 days": webhook(webhookevent.StatusPROCESSED, 8*day),
		"unrouted 8 days":  webhook(webhookevent.StatusUNROUTED, 8*day),
		"failed 31 days":   webhook(webhookevent.StatusFAILED, 31*day),
	}
	kept := map[string]pulid.ID{
		"processed 6 days": webhook(webhookevent.StatusPROCESSED, 6*day),
		"failed 8 days":    webhook(webhookevent.StatusFAILED, 8*day),
		"pending 40 days":  webhook(webhookevent.StatusPENDING, 40*day),
	}
	jobAt := func(status job.Status, age time.Duration) pulid.ID {
		q := c.Job.Create().SetKind("test.retention").SetStatus(status).SetRunAt(now.Add(-age))
		if status == job.StatusFAILED {
			q.SetFailedAt(now.Add(-age))
		}
		return q.SaveX(ctx).ID
	}
	gone["done 2 days"], kept["done 1 hour"] = jobAt(job.StatusDONE, 2*day), jobAt(job.StatusDONE, time.Hour)
	gone["dead 31 days"], kept["dead 2 days"] = jobAt(job.StatusFAILED, 31*day), jobAt(job.StatusFAILED, 2*day)
	c.Session.Create().SetTenantID(tenant).SetUserID(pulid.ID(a.UserID)).SetTokenHash("expired-session").
		SetExpiresAt(now.Add(-time.Minute)).ExecX(ctx)
	c.LoginFailure.Create().SetKeyHash("old-key").SetAt(now.Add(-2 * time.Hour)).ExecX(ctx)
	c.LoginFailure.Create().SetKeyHash("new-key").SetAt(now.Add(-time.Minute)).ExecX(ctx)
	c.ThrottleKey.Create().SetKeyHash("old-key").SetTouchedAt(now.Add(-2 * time.Hour)).ExecX(ctx)
	c.ThrottleKey.Create().SetKeyHash("new-key").SetTouchedAt(now.Add(-time.Minute)).ExecX(ctx)
	for i, age := range []time.Duration{8 * day, day} {
		c.PendingStatus.Create().SetTenantID(tenant).SetChannelID(ch).SetExternalID("wamid.early." + string(rune('a'+i))).
			SetStatus("delivered").SetTimestamp(now.Add(-age)).SetCreatedAt(now.Add(-age)).ExecX(ctx)
	}
	c.AuditLog.Create().SetTenantID(tenant).SetAction("test.old").SetCreatedAt(now.AddDate(0, 0, -731)).ExecX(ctx)
	eightYears, sixYears := now.AddDate(-8, 0, 0).Truncate(day), now.AddDate(-6, 0, 0).Truncate(day)
	for _, d := range []time.Time{eightYears, sixYears} {
		c.UsageDaily.Create().SetTenantID(tenant).SetChannelID(ch).SetDay(d).SetPricingType("regular").
			SetPricingCategory("marketing").SetCount(3).ExecX(ctx)
		c.MessageDaily.Create().SetTenantID(tenant).SetChannelID(ch).SetDay(d).SetDirection("INBOUND").
			SetStatus("RECEIVED").SetCount(5).ExecX(ctx)
	}

	res, err := purgerAt(env, "test", now).Step(t.Context())
	if err != nil || !res.Ran {
		t.Fatalf("Step = %+v, %v", res, err)
	}
	want := retention.Counts{
		retention.KindWebhookEvents: 2, retention.KindFailedWebhookEvents: 1,
		retention.KindDoneJobs: 1, retention.KindDeadJobs: 1, retention.KindSessions: 1,
		retention.KindLoginFailures: 1, retention.KindThrottleKeys: 1, retention.KindPendingStatuses: 1,
		retention.KindAuditEntries: 1, retention.KindUsageDailies: 1, retention.KindMessageDailies: 1,
	}
	for k, n := range want {
		if res.Purged[k] != n {
			t.Errorf("purged %d %s, want %d", res.Purged[k], k, n)
		}
	}
	for what, id := range gone {
		if c.WebhookEvent.Query().Where(webhookevent.ID(id)).ExistX(ctx) || c.Job.Query().Where(job.ID(id)).ExistX(ctx) {
			t.Errorf("%s is still there", what)
		}
	}
	for what, id := range kept {
		if !c.WebhookEvent.Query().Where(webhookevent.ID(id)).ExistX(ctx) && !c.Job.Query().Where(job.ID(id)).ExistX(ctx) {
			t.Errorf("%s was deleted", what)
		}
	}
	// The owner's own session is not expired: it still signs requests in.
	var me struct{ Me struct{ ID string } }
	env.MustQuery(t, a.Token, `{ me { id } }`, nil, &me)
	if c.Session.Query().CountX(ctx) == 0 || c.PendingStatus.Query().CountX(ctx) != 1 ||
		c.UsageDaily.Query().CountX(ctx) != 1 || c.MessageDaily.Query().CountX(ctx) != 1 {
		t.Error("rows within their periods were deleted")
	}

	res, err = purgerAt(env, "test", now).Step(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range res.Purged {
		if n != 0 {
			t.Errorf("the second run deleted %d %s", n, k)
		}
	}
}

// A purged media message loses its stored file (GET /media answers as
// for a missing file), caption and filename; its media shows PURGED with
// the reason, and finished jobs older than a day go with it.
func TestRetentionDeletesStoredMediaFiles(t *testing.T) {
	env, meta := testenv.NewWithMeta(t, graphapi.Config{})
	ctx := viewer.System(t.Context())
	owner := env.SignUp(t, "Media Retention")
	connect(t, env, owner.Token, mediaNumber)
	setRetention(t, env, owner.Token, 1)
	data := pngOf(t, 20, 20)
	sendImage(t, env, meta, graphapi.MediaFile{Data: data, MIMEType: "image/png"})
	m := settled(t, env, owner.Token)
	if m.Media.State != "STORED" {
		t.Fatalf("media = %+v", m.Media)
	}
	stored := env.DB.Client.Message.GetX(ctx, pulidOf(m.ID))
	if f, err := env.App.Media.Open(t.Context(), stored.Media.Key); err != nil {
		t.Fatalf("the file is not stored: %v", err)
	} else {
		f.Close()
	}
	processedJobs(t, env)
	jobs := env.DB.Client.Job.Query().Where(job.StatusEQ(job.StatusDONE)).CountX(ctx)
	if jobs == 0 {
		t.Fatal("no finished jobs to delete")
	}
	from, to := time.Now().Add(-24*time.Hour), time.Now().Add(72*time.Hour)
	before := countsOf(t, env, owner.Token, from, to)

	later := time.Now().UTC().Add(49 * time.Hour)
	res, err := purgerAt(env, "test", later).Step(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Purged[retention.KindMessages] != 1 || res.Purged[retention.KindMediaFiles] != 1 ||
		res.Purged[retention.KindDoneJobs] != int64(jobs) {
		t.Fatalf("purged %v, want 1 message, 1 file and %d done jobs", res.Purged, jobs)
	}
	if _, err := env.App.Media.Open(t.Context(), stored.Media.Key); !errors.Is(err, media.ErrNotStored) {
		t.Fatalf("the file is still in the store: %v", err)
	}
	got := inboundMedia(t, env, owner.Token)
	if len(got) != 1 || got[0].Type != "IMAGE" || got[0].Media.State != "PURGED" || got[0].Media.Caption != "" ||
		got[0].Media.Filename != "" || got[0].Media.MediaID != "" || got[0].Media.URL != "" ||
		got[0].Media.Reason != "deleted by the message retention policy (1 days)" || got[0].Media.Size != int64(len(data)) {
		t.Fatalf("media after the purge = %+v", got)
	}
	res404, body := get(t, env, "/media/"+m.ID, owner.Token)
	missing, missingBody := get(t, env, "/media/MS01JZZZZZZZZZZZZZZZZZZZZZZZ", owner.Token)
	sameNotFound(t, "a purged file", res404, body, missing, missingBody)
	if after := countsOf(t, env, owner.Token, from, to); after != before {
		t.Errorf("counts changed:\nbefore %s\nafter  %s", before, after)
	}
}

// Replicas each run the purger. With the lease, one at a time works and
// the other steps aside; even two that both hold it (one owner name on
// two replicas, or a lease that lapsed mid-run) count every message once
// and neither deadlocks.
func TestRetentionOnTwoReplicasCountsOnce(t *testing.T) {
	env := testenv.New(t)
	ctx := viewer.System(t.Context())
	now := time.Now().UTC()
	a := env.SignUp(t, "Two Replicas")
	connect(t, env, a.Token, "7321")
	const n = 24
	for i := range n {
		deliver(t, env, textWebhook("7321", "14155550123", "Alice", "wamid.r."+itoa(i), "old "+itoa(i),
			now.Add(-time.Duration(100*24+i)*time.Hour)))
	}
	processed(t, env)

	run := func(ps ...*retention.Purger) (results []retention.Result) {
		t.Helper()
		results = make([]retention.Result, len(ps))
		errs := make([]error, len(ps))
		var wg sync.WaitGroup
		for i, p := range ps {
			p.Batch = 5 // several batches each, so that the two interleave
			wg.Go(func() { results[i], errs[i] = p.Step(t.Context()) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		return results
	}
	res := run(purgerAt(env, "replica-1", now), purgerAt(env, "replica-2", now))
	if total := res[0].Purged[retention.KindMessages] + res[1].Purged[retention.KindMessages]; total != n {
		t.Fatalf("two replicas purged %d + %d messages, want %d in all", res[0].Purged[retention.KindMessages],
			res[1].Purged[retention.KindMessages], n)
	}

	// Both holding the lease at once (one owner name): they meet before
	// each file deletion, so both read the same page of messages before
	// either writes, and still each message is counted once.
	conv := env.DB.Client.Conversation.Query().OnlyX(ctx)
	for i := range 10 {
		env.DB.Client.Message.Create().SetTenantID(conv.TenantID).SetConversationID(conv.ID).
			SetChannelID(conv.ChannelID).SetDirection(message.DirectionINBOUND).SetType(message.TypeIMAGE).
			SetStatus(message.StatusRECEIVED).SetExternalID("wamid.s." + itoa(i)).
			SetMedia(&schematype.Media{State: schematype.MediaFailed, Caption: "a photo", Reason: "too large"}).
			SetTimestamp(now.Add(-time.Duration(200*24+i) * time.Hour)).ExecX(ctx)
	}
	meet := &meetingStore{ch: make(chan struct{})}
	p1, p2 := purgerAt(env, "same", now), purgerAt(env, "same", now)
	p1.Media, p2.Media = meet, meet
	res = run(p1, p2)
	if total := res[0].Purged[retention.KindMessages] + res[1].Purged[retention.KindMessages]; total != 10 {
		t.Fatalf("two runs at once purged %d + %d messages, want 10 in all", res[0].Purged[retention.KindMessages],
			res[1].Purged[retention.KindMessages])
	}
	if met := meet.met.Load(); met < 5 {
		t.Fatalf("the two runs met %d times: they did not read the same pages", met)
	}
	if left := env.DB.Client.Message.Query().Where(message.PurgedAtIsNil()).CountX(ctx); left != 0 {
		t.Fatalf("%d old messages were not purged", left)
	}
}

// meetingStore deletes no file; each call waits up to a second for a
// call of another goroutine, and both go on together.
type meetingStore struct {
	ch  chan struct{}
	met atomic.Int32
}

func (m *meetingStore) DeleteMessageFile(context.Context, pulid.ID, pulid.ID, *schematype.Media) error {
	select {
	case m.ch <- struct{}{}:
		m.met.Add(1)
	case <-m.ch:
	case <-time.After(time.Second):
	}
	return nil
}

const retentionStatusQuery = `{ retentionStatus { lastRunAt lastSuccessAt lastFinishedAt lastError
  messageRetentionDays webhookRetentionDays auditRetentionDays tenantRunAt purged { kind count } } }`

type retentionStatusOut struct {
	LastRunAt, LastSuccessAt, LastFinishedAt, TenantRunAt          *time.Time
	LastError                                                      *string
	MessageRetentionDays, WebhookRetentionDays, AuditRetentionDays int
	Purged                                                         []struct {
		Kind  string
		Count int
	}
}

// retentionStatus shows an admin the last run and what it removed of the
// tenant's data (not other tenants'); an agent cannot read it.
func TestRetentionStatusForAdminsOnly(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.RetentionWebhookDays = 10 })
	now := time.Now().UTC()
	a := env.SignUp(t, "Status Owner")
	connect(t, env, a.Token, "7331")
	other := env.SignUp(t, "Other Tenant")
	connect(t, env, other.Token, "7332")
	deliver(t, env, textWebhook("7331", "14155550123", "Alice", "wamid.st.1", "old", now.Add(-100*24*time.Hour)))
	deliver(t, env, textWebhook("7332", "14155550124", "Bob", "wamid.st.2", "old", now.Add(-100*24*time.Hour)))
	deliver(t, env, textWebhook("7332", "14155550124", "Bob", "wamid.st.3", "old", now.Add(-101*24*time.Hour)))
	processed(t, env)

	var before struct{ RetentionStatus retentionStatusOut }
	env.MustQuery(t, a.Token, retentionStatusQuery, nil, &before)
	if s := before.RetentionStatus; s.LastRunAt != nil || s.TenantRunAt != nil || s.MessageRetentionDays != 90 ||
		s.WebhookRetentionDays != 10 || s.AuditRetentionDays != 730 || len(s.Purged) != len(retention.TenantKinds) {
		t.Fatalf("before any run: %+v", s)
	}

	if _, err := purgerAt(env, "test", now).Step(t.Context()); err != nil {
		t.Fatal(err)
	}
	var after struct{ RetentionStatus retentionStatusOut }
	env.MustQuery(t, a.Token, retentionStatusQuery, nil, &after)
	s := after.RetentionStatus
	if s.LastRunAt == nil || s.LastRunAt.Sub(now).Abs() > time.Second || s.LastSuccessAt == nil ||
		!s.LastSuccessAt.Equal(*s.LastRunAt) || s.LastFinishedAt == nil || s.LastError != nil ||
		s.TenantRunAt == nil || s.Purged[0].Kind != "MESSAGES" || s.Purged[0].Count != 1 {
		t.Fatalf("after a run: %+v", s)
	}
	var theirs struct{ RetentionStatus retentionStatusOut }
	env.MustQuery(t, other.Token, retentionStatusQuery, nil, &theirs)
	if theirs.RetentionStatus.Purged[0].Count != 2 {
		t.Fatalf("the other tenant sees %+v, want its own 2 messages", theirs.RetentionStatus.Purged)
	}

	// A run that fails shows its error, naming the kind but no tenant,
	// and keeps the last success.
	ctx := viewer.System(t.Context())
	conv := env.DB.Client.Conversation.Query().Where(conversation.TenantID(pulid.ID(a.TenantID))).OnlyX(ctx)
	env.DB.Client.Message.Create().SetTenantID(conv.TenantID).SetConversationID(conv.ID).SetChannelID(conv.ChannelID).
		SetDirection(message.DirectionINBOUND).SetType(message.TypeIMAGE).SetStatus(message.StatusRECEIVED).
		SetMedia(&schematype.Media{State: schematype.MediaStored, Key: "somewhere"}).
		SetTimestamp(now.Add(-100 * 24 * time.Hour)).ExecX(ctx)
	broken := purgerAt(env, "test", now.Add(time.Minute))
	broken.Media = failingStore{}
	if _, err := broken.Step(t.Context()); err == nil {
		t.Fatal("a run whose file deletion failed reported no error")
	}
	var failed struct{ RetentionStatus retentionStatusOut }
	env.MustQuery(t, a.Token, retentionStatusQuery, nil, &failed)
	if f := failed.RetentionStatus; f.LastError == nil || !strings.HasPrefix(*f.LastError, "messages: ") ||
		strings.Contains(*f.LastError, a.TenantID) || !f.LastSuccessAt.Equal(*s.LastSuccessAt) ||
		!f.LastRunAt.After(*s.LastRunAt) {
		t.Fatalf("after a failed run: %+v (error %v)", f, f.LastError)
	}

	addMember(t, env, a.Token, "agent@status.example.com", "AGENT")
	agent := logIn(t, env, "agent@status.example.com", "member password").LogIn.Token
	if r := env.Query(t, agent, retentionStatusQuery, nil); r.Code() != "FORBIDDEN" {
		t.Fatalf("an agent reading retentionStatus: %s %+v", r.Code(), r.Errors)
	}
	addMember(t, env, a.Token, "admin@status.example.com", "ADMIN")
	admin := logIn(t, env, "admin@status.example.com", "member password").LogIn.Token
	if r := env.Query(t, admin, retentionStatusQuery, nil); r.Code() != "" {
		t.Fatalf("an admin reading retentionStatus: %+v", r.Errors)
	}
}

// failingStore cannot delete files.
type failingStore struct{}

func (failingStore) DeleteMessageFile(context.Context, pulid.ID, pulid.ID, *schematype.Media) error {
	return errors.New("the bucket is unreachable")
}
