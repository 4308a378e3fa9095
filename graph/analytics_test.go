package graph_test

import (
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/conversation"
	"switchboard/ent/message"
	"switchboard/internal/inbound"
	"switchboard/internal/pulid"
	"switchboard/internal/testdb"
	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
)

// pricedStatus is Meta's payload for one delivery status carrying pricing
// (none when typ is "").
func pricedStatus(phoneNumberID, wamid, status string, ts time.Time, typ, category string) string {
	pricing := ""
	if typ != "" {
		pricing = fmt.Sprintf(`,"pricing":{"billable":%t,"pricing_model":"PMP","type":%q,"category":%q}`,
			typ == "regular", typ, category)
	}
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages",
"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100","phone_number_id":%q},
"statuses":[{"id":%q,"status":%q,"timestamp":"%d","recipient_id":"14155550123"%s}]}}]}]}`,
		phoneNumberID, wamid, status, ts.Unix(), pricing)
}

type usageOut struct {
	Day                          string
	Channel                      struct{ ID string }
	PricingType, PricingCategory string
	Count                        int
}

func (u usageOut) String() string {
	return fmt.Sprintf("%s %s %s/%s %d", u.Day, u.Channel.ID, u.PricingType, u.PricingCategory, u.Count)
}

const usageQuery = `query($from: Time!, $to: Time!, $ch: ID) { billableUsage(from: $from, to: $to, channelId: $ch) {
  day channel { id } pricingType pricingCategory count } }`

func billableUsage(t *testing.T, env *testenv.Env, token string, from, to time.Time, ch string) []usageOut {
	t.Helper()
	vars := map[string]any{"from": from, "to": to}
	if ch != "" {
		vars["ch"] = ch
	}
	var out struct{ BillableUsage []usageOut }
	env.MustQuery(t, token, usageQuery, vars, &out)
	return out.BillableUsage
}

func usageString(rows []usageOut) string {
	s := make([]string, len(rows))
	for i, r := range rows {
		s[i] = r.String()
	}
	return strings.Join(s, "; ")
}

// dayStart is midnight UTC, days days before today.
func dayStart(days int) time.Time {
	y, m, d := time.Now().UTC().Date()
	return time.Date(y, m, d-days, 0, 0, 0, 0, time.UTC)
}

// analyticsTenant is a tenant with a connected number and a customer's
// conversation on it, where outbound history can be stored directly.
type analyticsTenant struct {
	env    *testenv.Env
	owner  testenv.Account
	number string
	ch     string
	conv   pulid.ID
}

func newAnalyticsTenant(t *testing.T, env *testenv.Env, name, number string, owner *testenv.Account) *analyticsTenant {
	t.Helper()
	a := &analyticsTenant{env: env, number: number}
	if owner == nil {
		a.owner = env.SignUp(t, name)
	} else {
		a.owner = *owner
	}
	a.ch = connect(t, env, a.owner.Token, number).ID
	deliver(t, env, textWebhook(number, "14155550123", "Alice", "wamid.hello."+number, "hi", dayStart(30)))
	processed(t, env)
	a.conv = env.DB.Client.Conversation.Query().Where(conversation.ChannelID(pulid.ID(a.ch))).
		OnlyIDX(viewer.System(t.Context()))
	return a
}

// outbound stores an outbound message as the sender would have.
func (a *analyticsTenant) outbound(t *testing.T, wamid string, status message.Status, at time.Time) *ent.Message {
	t.Helper()
	return a.env.DB.Client.Message.Create().SetTenantID(pulid.ID(a.owner.TenantID)).SetConversationID(a.conv).
		SetChannelID(pulid.ID(a.ch)).SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEXT).
		SetText("reply").SetStatus(status).SetExternalID(wamid).SetTimestamp(at).SaveX(viewer.System(t.Context()))
}

// TestUsageCountsEachMessageOnce: Meta prices a message on "sent" and on
// one of delivered/read; redelivered, shuffled and early statuses still
// count each message once, under the day and channel of its price.
func TestUsageCountsEachMessageOnce(t *testing.T) {
	env := testenv.New(t)
	a := newAnalyticsTenant(t, env, "Usage Owner", "6201", nil)
	b := newAnalyticsTenant(t, env, "", "6202", &a.owner) // a second number of the same tenant
	day1, day2 := dayStart(3).Add(10*time.Hour), dayStart(2).Add(10*time.Hour)
	for _, w := range []string{"wamid.tpl", "wamid.shuffled", "wamid.service", "wamid.utility"} {
		a.outbound(t, w, message.StatusQUEUED, day1)
	}
	b.outbound(t, "wamid.other", message.StatusQUEUED, day1)

	var hooks []string
	at := func(d time.Time, min int) time.Time { return d.Add(time.Duration(min) * time.Minute) }
	// A template in order: sent and delivered both priced, read not.
	hooks = append(hooks,
		pricedStatus("6201", "wamid.tpl", "sent", at(day1, 1), "regular", "marketing"),
		pricedStatus("6201", "wamid.tpl", "delivered", at(day1, 2), "regular", "marketing"),
		pricedStatus("6201", "wamid.tpl", "read", at(day1, 3), "", ""))
	// A template whose statuses arrive shuffled.
	hooks = append(hooks,
		pricedStatus("6201", "wamid.shuffled", "read", at(day1, 3), "", ""),
		pricedStatus("6201", "wamid.shuffled", "delivered", at(day1, 2), "regular", "marketing"),
		pricedStatus("6201", "wamid.shuffled", "sent", at(day1, 1), "regular", "marketing"))
	// A free-form reply inside the window: free customer service.
	hooks = append(hooks,
		pricedStatus("6201", "wamid.service", "sent", at(day1, 1), "free_customer_service", "service"),
		pricedStatus("6201", "wamid.service", "delivered", at(day1, 2), "free_customer_service", "service"))
	// A utility template on the next day.
	hooks = append(hooks,
		pricedStatus("6201", "wamid.utility", "sent", at(day2, 1), "regular", "utility"),
		pricedStatus("6201", "wamid.utility", "delivered", at(day2, 2), "regular", "utility"))
	// The other number's template.
	hooks = append(hooks,
		pricedStatus("6202", "wamid.other", "sent", at(day1, 1), "regular", "marketing"),
		pricedStatus("6202", "wamid.other", "delivered", at(day1, 2), "regular", "marketing"))
	// Statuses of a send whose own response has not been stored yet.
	hooks = append(hooks,
		pricedStatus("6201", "wamid.early", "delivered", at(day1, 2), "regular", "marketing"),
		pricedStatus("6201", "wamid.early", "sent", at(day1, 1), "regular", "marketing"))
	for _, h := range hooks {
		deliver(t, env, h)
	}
	processed(t, env)
	// Meta redelivers everything, in reverse order.
	for i := len(hooks) - 1; i >= 0; i-- {
		deliver(t, env, hooks[i])
	}
	processed(t, env)

	ctx := viewer.System(t.Context())
	if n := env.DB.Client.PendingStatus.Query().CountX(ctx); n != 2 {
		t.Fatalf("%d pending statuses, want the early send's 2", n)
	}
	// The send completes: its message is stored and the statuses applied.
	tx, err := env.DB.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	early := tx.Message.Create().SetTenantID(pulid.ID(a.owner.TenantID)).SetConversationID(a.conv).
		SetChannelID(pulid.ID(a.ch)).SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEXT).
		SetText("reply").SetStatus(message.StatusQUEUED).SetExternalID("wamid.early").SetTimestamp(day1).SaveX(ctx)
	if err := inbound.ApplyPending(ctx, tx, env.App.Notifier, early); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// And its statuses are redelivered once more, after it is known.
	deliver(t, env, hooks[len(hooks)-1])
	deliver(t, env, hooks[len(hooks)-2])
	processed(t, env)

	got := billableUsage(t, env, a.owner.Token, dayStart(3), dayStart(1), a.ch)
	want := []usageOut{
		{Day: day1.Format("2006-01-02"), PricingType: "free_customer_service", PricingCategory: "service", Count: 1},
		{Day: day1.Format("2006-01-02"), PricingType: "regular", PricingCategory: "marketing", Count: 3},
		{Day: day2.Format("2006-01-02"), PricingType: "regular", PricingCategory: "utility", Count: 1},
	}
	for i := range want {
		want[i].Channel.ID = a.ch
	}
	if usageString(got) != usageString(want) {
		t.Fatalf("usage of %s:\n got %s\nwant %s", a.ch, usageString(got), usageString(want))
	}
	// Both numbers, ordered by day then channel; day2 alone.
	all := billableUsage(t, env, a.owner.Token, dayStart(3), dayStart(1), "")
	if len(all) != 4 || all[3].Day != want[2].Day {
		t.Fatalf("usage of both numbers: %s", usageString(all))
	}
	other := usageOut{Day: want[0].Day, PricingType: "regular", PricingCategory: "marketing", Count: 1}
	other.Channel.ID = b.ch
	if found := strings.Contains(usageString(all), other.String()); !found {
		t.Errorf("usage of both numbers lacks %s: %s", other, usageString(all))
	}
	if d2 := billableUsage(t, env, a.owner.Token, dayStart(2), dayStart(2).Add(time.Hour), ""); usageString(d2) != usageString(want[2:]) {
		t.Errorf("an hour of day 2 (the day's row): %s", usageString(d2))
	}
	if none := billableUsage(t, env, a.owner.Token, dayStart(1), dayStart(0), ""); len(none) != 0 {
		t.Errorf("a day without usage: %s", usageString(none))
	}
	// Each message keeps its price.
	m := env.DB.Client.Message.Query().Where(message.ExternalID("wamid.service")).OnlyX(ctx)
	if m.PricingType != "free_customer_service" || m.PricingCategory != "service" {
		t.Errorf("service message priced %q/%q", m.PricingType, m.PricingCategory)
	}
}

// TestUsageOfTemplateSendsThroughTheSimulator: a template sent through the
// simulated Graph API is counted once under its category although its sent
// and delivered statuses both carry pricing.
func TestUsageOfTemplateSendsThroughTheSimulator(t *testing.T) {
	e := newTplEnv(t)
	tp := e.mustCreate(t, "usage_notice", map[string]any{"components": []any{
		bodyComp("Hi {{1}}, your order {{2}} is ready for pickup.", examples("Ann", "A-1042"))}})
	e.waitStatus(t, tp.ID, "APPROVED")
	m := e.mustSend(t, map[string]any{"template": map[string]any{"templateId": tp.ID, "parameters": []any{"Ann", "A-1042"}}})
	e.sendEnv.waitStatus(t, m.ID, "READ")
	today := dayStart(0)
	var rows []usageOut
	testwait.For(t, 10*time.Second, "the template's usage", func() bool {
		rows = billableUsage(t, e.env, e.owner.Token, today, today.Add(24*time.Hour), "")
		return len(rows) > 0
	})
	if len(rows) != 1 || rows[0].PricingType != "regular" || rows[0].PricingCategory != "marketing" ||
		rows[0].Count != 1 || rows[0].Channel.ID != e.channel || rows[0].Day != today.Format("2006-01-02") {
		t.Fatalf("usage after a template: %s", usageString(rows))
	}
}

type statsOut struct {
	Inbound, Sent, Delivered, Read, Failed int
	DeliveryRate, ReadRate                 float64
	ByDay                                  []struct {
		Day                                    string
		Inbound, Sent, Delivered, Read, Failed int
	}
}

const statsQuery = `query($from: Time!, $to: Time!, $ch: ID) { messageStats(from: $from, to: $to, channelId: $ch) {
  inbound sent delivered read failed deliveryRate readRate byDay { day inbound sent delivered read failed } } }`

func messageStats(t *testing.T, env *testenv.Env, token string, from, to time.Time, ch string) statsOut {
	t.Helper()
	vars := map[string]any{"from": from, "to": to}
	if ch != "" {
		vars["ch"] = ch
	}
	var out struct{ MessageStats statsOut }
	env.MustQuery(t, token, statsQuery, vars, &out)
	return out.MessageStats
}

// TestMessageStatsCountsAndRatesByDay: inbound messages from webhooks and
// outbound history by current status, counted per UTC day.
func TestMessageStatsCountsAndRatesByDay(t *testing.T) {
	env := testenv.New(t)
	a := newAnalyticsTenant(t, env, "Stats Owner", "6301", nil)
	b := newAnalyticsTenant(t, env, "", "6302", &a.owner)
	d1, d2 := dayStart(3), dayStart(2)
	// Inbound: two on day 1 (one a second before midnight), one on day 2,
	// one the day before (outside the range).
	for i, at := range []time.Time{d1.Add(9 * time.Hour), d2.Add(-time.Second), d2.Add(8 * time.Hour), d1.Add(-time.Hour)} {
		deliver(t, env, textWebhook("6301", "14155550123", "Alice", fmt.Sprintf("wamid.stats.in.%d", i), "hi", at))
	}
	processed(t, env)
	for i, st := range []message.Status{message.StatusSENT, message.StatusDELIVERED, message.StatusREAD,
		message.StatusFAILED, message.StatusQUEUED} {
		a.outbound(t, fmt.Sprintf("wamid.stats.d1.%d", i), st, d1.Add(10*time.Hour))
	}
	for i, st := range []message.Status{message.StatusREAD, message.StatusREAD, message.StatusDELIVERED} {
		a.outbound(t, fmt.Sprintf("wamid.stats.d2.%d", i), st, d2.Add(23*time.Hour+59*time.Minute))
	}
	// Stored with another offset (a server not running in UTC): counted
	// under its UTC day, day 2.
	a.outbound(t, "wamid.stats.zone", message.StatusREAD, d2.Add(30*time.Minute).In(time.FixedZone("EST", -5*3600)))
	a.outbound(t, "wamid.stats.later", message.StatusREAD, dayStart(1)) // outside the range
	b.outbound(t, "wamid.stats.b", message.StatusDELIVERED, d1.Add(10*time.Hour))

	got := messageStats(t, env, a.owner.Token, d1, d2.Add(24*time.Hour), a.ch)
	if got.Inbound != 3 || got.Sent != 7 || got.Delivered != 6 || got.Read != 4 || got.Failed != 1 ||
		math.Abs(got.DeliveryRate-6.0/7) > 1e-9 || math.Abs(got.ReadRate-4.0/6) > 1e-9 {
		t.Fatalf("stats of %s: %+v", a.ch, got)
	}
	if len(got.ByDay) != 2 || got.ByDay[0].Day != d1.Format("2006-01-02") || got.ByDay[1].Day != d2.Format("2006-01-02") ||
		got.ByDay[0].Inbound != 2 || got.ByDay[0].Sent != 3 || got.ByDay[0].Delivered != 2 || got.ByDay[0].Read != 1 || got.ByDay[0].Failed != 1 ||
		got.ByDay[1].Inbound != 1 || got.ByDay[1].Sent != 4 || got.ByDay[1].Delivered != 4 || got.ByDay[1].Read != 3 || got.ByDay[1].Failed != 0 {
		t.Fatalf("stats of %s by day: %+v", a.ch, got.ByDay)
	}
	// Both numbers; a range ending on an empty day lists it with zeros.
	both := messageStats(t, env, a.owner.Token, d1, dayStart(1), "")
	if both.Sent != 8 || both.Delivered != 7 || len(both.ByDay) != 2 {
		t.Fatalf("stats of both numbers: %+v", both)
	}
	wide := messageStats(t, env, a.owner.Token, d1.Add(-24*time.Hour), dayStart(1).Add(time.Hour), a.ch)
	if len(wide.ByDay) != 4 || wide.ByDay[0].Inbound != 1 || wide.ByDay[3].Read != 1 || wide.Read != 5 {
		t.Fatalf("stats over four days: %+v", wide)
	}
	// No messages: zeros, no division by zero.
	empty := messageStats(t, env, a.owner.Token, dayStart(20), dayStart(19), "")
	if empty.Sent != 0 || empty.DeliveryRate != 0 || empty.ReadRate != 0 || len(empty.ByDay) != 1 {
		t.Fatalf("stats of an empty day: %+v", empty)
	}
}

// TestAnalyticsTenantIsolationAndBadRanges: another tenant sees none of the
// counts, and passing our channel's id answers like a nonexistent id; bad
// ranges are refused on "to".
func TestAnalyticsTenantIsolationAndBadRanges(t *testing.T) {
	env := testenv.New(t)
	a := newAnalyticsTenant(t, env, "Isolated Owner", "6401", nil)
	day := dayStart(2).Add(10 * time.Hour)
	a.outbound(t, "wamid.iso", message.StatusQUEUED, day)
	deliver(t, env, pricedStatus("6401", "wamid.iso", "sent", day, "regular", "marketing"))
	processed(t, env)
	from, to := dayStart(3), dayStart(0)
	if rows := billableUsage(t, env, a.owner.Token, from, to, ""); len(rows) != 1 {
		t.Fatalf("owner's usage: %s", usageString(rows))
	}
	if st := messageStats(t, env, a.owner.Token, from, to, ""); st.Sent != 1 || st.Inbound != 0 {
		t.Fatalf("owner's stats: %+v", st)
	}

	other := env.SignUp(t, "Other Owner")
	for _, ch := range []string{"", a.ch, string(pulid.New("CH"))} {
		if rows := billableUsage(t, env, other.Token, from, to, ch); len(rows) != 0 {
			t.Errorf("another tenant (channel %q) sees usage %s", ch, usageString(rows))
		}
		if st := messageStats(t, env, other.Token, from, to, ch); st.Sent != 0 || st.Inbound != 0 || len(st.ByDay) != 3 {
			t.Errorf("another tenant (channel %q) sees stats %+v", ch, st)
		}
	}

	for _, c := range []struct {
		name     string
		from, to time.Time
	}{
		{"empty", from, from},
		{"reversed", to, from},
		{"over 366 days", from, from.Add(367 * 24 * time.Hour)},
	} {
		for _, q := range []string{usageQuery, statsQuery} {
			r := env.Query(t, a.owner.Token, q, map[string]any{"from": c.from, "to": c.to})
			if r.Code() != "BAD_USER_INPUT" || r.Field() != "to" {
				t.Errorf("%s range: %s on %q (%+v)", c.name, r.Code(), r.Field(), r.Errors)
			}
		}
	}
	if r := env.Query(t, a.owner.Token, usageQuery, map[string]any{"from": from, "to": from.Add(366 * 24 * time.Hour)}); len(r.Errors) != 0 {
		t.Errorf("366 days refused: %+v", r.Errors)
	}
	if r := env.Query(t, "", statsQuery, map[string]any{"from": from, "to": to}); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("anonymous stats: %s", r.Code())
	}
}

// TestUsageLoadsChannelsInOneQuery: billableUsage resolves every row's
// channel with one query, however many channels and rows there are.
func TestUsageLoadsChannelsInOneQuery(t *testing.T) {
	var count atomic.Int64
	var counting atomic.Bool
	db := testdb.Open(t, ent.Debug(), ent.Log(func(args ...any) {
		s := fmt.Sprint(args...)
		if counting.Load() && strings.Contains(s, "SELECT") && !strings.Contains(s, "jobs") {
			count.Add(1)
		}
	}))
	env := testenv.NewIdleOn(t, db) // no background pollers: only the query's statements count
	owner := env.SignUp(t, "Counting Usage Owner")
	ctx := viewer.System(t.Context())
	var chans []string
	for i := range 5 {
		chans = append(chans, connect(t, env, owner.Token, fmt.Sprintf("930%d", i)).ID)
	}
	for i, ch := range chans {
		for d := range 3 {
			db.Client.UsageDaily.Create().SetTenantID(pulid.ID(owner.TenantID)).SetChannelID(pulid.ID(ch)).
				SetDay(dayStart(d + 1)).SetPricingType("regular").SetPricingCategory("marketing").SetCount(int64(i + d + 1)).ExecX(ctx)
		}
	}
	statements := func(ch string) (int64, int) {
		counting.Store(true)
		rows := billableUsage(t, env, owner.Token, dayStart(3), dayStart(0), ch)
		counting.Store(false)
		return count.Swap(0), len(rows)
	}
	one, n1 := statements(chans[0])
	all, n5 := statements("")
	if n1 != 3 || n5 != 15 {
		t.Fatalf("rows: %d for one channel, %d for five", n1, n5)
	}
	t.Logf("SELECTs: %d for one channel, %d for five", one, all)
	if all != one {
		t.Fatalf("%d SELECTs for 15 rows of 5 channels, %d for 3 rows of one: channels loaded per row", all, one)
	}
}
