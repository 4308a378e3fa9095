package graph_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/pulid"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim/graphapi"
)

// campaignEnv is a sendEnv with an approved MARKETING template on its
// channel, stored as Meta's review webhook would have left it.
type campaignEnv struct {
	*sendEnv
	channel, template string
}

func newCampaignEnv(t *testing.T, cfg graphapi.Config) *campaignEnv {
	t.Helper()
	s := newSendEnv(t, cfg)
	var ch struct{ Channels []struct{ ID string } }
	s.env.MustQuery(t, s.owner.Token, `{ channels { id } }`, nil, &ch)
	// createTemplate → the simulator reviews it → APPROVED by webhook.
	var out struct{ CreateTemplate struct{ ID, Status string } }
	s.env.MustQuery(t, s.owner.Token, `mutation($in: CreateTemplateInput!) { createTemplate(input: $in) { id status } }`,
		map[string]any{"in": map[string]any{"channelId": ch.Channels[0].ID, "name": "winter_sale", "language": "en_US",
			"category": "MARKETING", "components": []any{map[string]any{"type": "BODY", "text": "Hi {{1}}, your code is {{2}}. Enjoy!",
				"example": map[string]any{"body_text": []any{[]any{"Ada", "SAVE10"}}}}}}}, &out)
	if out.CreateTemplate.Status != "PENDING" {
		t.Fatalf("createTemplate: %+v", out)
	}
	testwait.For(t, 10*time.Second, "Meta's review to approve the template", func() bool {
		var got struct{ Node struct{ Status string } }
		s.env.MustQuery(t, s.owner.Token, `query($id: ID!) { node(id: $id) { ... on Template { status } } }`,
			map[string]any{"id": out.CreateTemplate.ID}, &got)
		return got.Node.Status == "APPROVED"
	})
	return &campaignEnv{sendEnv: s, channel: ch.Channels[0].ID, template: out.CreateTemplate.ID}
}

// contact creates a contact and returns its id.
func (c *campaignEnv) contact(t *testing.T, phone, name, optIn string, tags ...string) string {
	t.Helper()
	var out struct{ CreateContact struct{ ID string } }
	c.env.MustQuery(t, c.owner.Token, `mutation($in: CreateContactInput!) { createContact(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"phone": phone, "name": name, "tags": tags, "optInStatus": optIn}}, &out)
	return out.CreateContact.ID
}

type campaignOut struct {
	ID, Status   string
	PausedReason *string
	Stats        struct{ Total, Pending, Queued, Sent, Delivered, Read, Failed, Skipped int }
	Funnel       struct{ Sent, Delivered, Read, Replied int }
	Recipients   struct {
		Edges []struct {
			Node struct {
				Status  string
				Reason  *string
				Contact struct{ ID, Name string }
				Message *struct{ ID, Text string }
			}
		}
	}
}

const campaignFields = `id status pausedReason stats { total pending queued sent delivered read failed skipped }
  funnel { sent delivered read replied }
  recipients(first: 100) { edges { node { status reason contact { id name } message { id text } } } }`

func (c *campaignEnv) create(t *testing.T, in map[string]any) campaignOut {
	t.Helper()
	base := map[string]any{"name": "Winter sale", "channelId": c.channel, "templateId": c.template,
		"parameters": []string{"{{contact.name}}", "SAVE10"}}
	for k, v := range in {
		base[k] = v
	}
	var out struct{ CreateCampaign campaignOut }
	c.env.MustQuery(t, c.owner.Token, `mutation($in: CreateCampaignInput!) { createCampaign(input: $in) { `+campaignFields+` } }`,
		map[string]any{"in": base}, &out)
	return out.CreateCampaign
}

func (c *campaignEnv) act(t *testing.T, op, id string) campaignOut {
	t.Helper()
	var out map[string]campaignOut
	c.env.MustQuery(t, c.owner.Token, fmt.Sprintf(`mutation($id: ID!) { %s(id: $id) { %s } }`, op, campaignFields),
		map[string]any{"id": id}, &out)
	return out[op]
}

func (c *campaignEnv) get(t *testing.T, id string) campaignOut {
	t.Helper()
	var out struct{ Node campaignOut }
	c.env.MustQuery(t, c.owner.Token, `query($id: ID!) { node(id: $id) { ... on Campaign { `+campaignFields+` } } }`,
		map[string]any{"id": id}, &out)
	return out.Node
}

// setRate sets the number's sendRatePerSecond.
func (c *campaignEnv) setRate(t *testing.T, perSecond int) {
	t.Helper()
	c.env.MustQuery(t, c.owner.Token, `mutation($id: ID!, $rate: Int!) { updateChannel(id: $id, input: {sendRatePerSecond: $rate}) { id } }`,
		map[string]any{"id": c.channel, "rate": perSecond}, nil)
}

func (c *campaignEnv) waitCampaign(t *testing.T, id string, done func(campaignOut) bool, what string) campaignOut {
	t.Helper()
	var cp campaignOut
	defer func() {
		if t.Failed() {
			t.Logf("last seen: %+v %v", cp.Stats, cp.Status)
		}
	}()
	testwait.For(t, 30*time.Second, what, func() bool {
		cp = c.get(t, id)
		return done(cp)
	})
	return cp
}

func TestCampaignReachesEachOptedInContactOnce(t *testing.T) {
	c := newCampaignEnv(t, graphapi.Config{AllWindowsOpen: true})
	want := map[string]string{} // contact id → expected status
	for i := range 5 {
		want[c.contact(t, fmt.Sprintf("+1415555%04d", 1000+i), fmt.Sprintf("Fan %d", i), "OPTED_IN", "vip")] = "READ"
	}
	want[c.contact(t, "+14155552001", "Gone", "OPTED_OUT", "vip")] = "SKIPPED"
	want[c.contact(t, "+14155552002", "Unsure", "UNKNOWN", "vip")] = "SKIPPED"
	listed := c.contact(t, "+14155552003", "Listed", "OPTED_IN")
	want[listed] = "READ"
	c.contact(t, "+14155552004", "Outsider", "OPTED_IN", "other")

	cp := c.create(t, map[string]any{"audience": map[string]any{"tags": []string{"vip"}, "contactIds": []string{listed}}})
	if cp.Status != "DRAFT" || cp.Stats.Total != 0 {
		t.Fatalf("created: %+v", cp)
	}
	started := c.act(t, "startCampaign", cp.ID)
	if started.Status != "RUNNING" || started.Stats.Total != 8 || started.Stats.Skipped != 2 {
		t.Fatalf("started: %+v", started.Stats)
	}
	done := c.waitCampaign(t, cp.ID, func(cp campaignOut) bool { return cp.Status == "COMPLETED" && cp.Stats.Read == 6 },
		"the campaign to complete with every message read")
	st := done.Stats
	if st.Total != 8 || st.Skipped != 2 || st.Read != 6 || st.Pending+st.Queued+st.Sent+st.Delivered+st.Failed != 0 {
		t.Fatalf("stats: %+v", st)
	}
	sends := c.sim.Sends()
	for _, e := range done.Recipients.Edges {
		n := e.Node
		if n.Status != want[n.Contact.ID] {
			t.Errorf("%s: %s, want %s", n.Contact.Name, n.Status, want[n.Contact.ID])
		}
		switch n.Status {
		case "SKIPPED":
			if n.Reason == nil || n.Message != nil {
				t.Errorf("skipped %s: reason %v, message %v", n.Contact.Name, n.Reason, n.Message)
			}
		case "READ":
			if sends.ByCallbackData[n.Message.ID] != 1 {
				t.Errorf("%s was sent %d times", n.Contact.Name, sends.ByCallbackData[n.Message.ID])
			}
			if want := "Hi " + n.Contact.Name + ", your code is SAVE10. Enjoy!"; n.Message.Text != want {
				t.Errorf("the inbox shows %q, want %q", n.Message.Text, want)
			}
			req := c.sim.Request(n.Message.ID)
			if !strings.Contains(string(req["template"]), `"winter_sale"`) || !strings.Contains(string(req["template"]), n.Contact.Name) {
				t.Errorf("Meta was sent %s", req["template"])
			}
		}
	}
	if sends.Total != 6 {
		t.Fatalf("Meta received %d sends, want 6", sends.Total)
	}

	// One customer answers: the funnel counts the reply.
	var fan string
	for _, e := range done.Recipients.Edges {
		if e.Node.Contact.Name == "Fan 0" {
			fan = e.Node.Contact.ID
		}
	}
	deliver(t, c.env, textWebhook(sendNumber, "14155551000", "Fan 0", "wamid.reply.fan0", "Thanks!", time.Now().Add(time.Second)))
	processed(t, c.env)
	f := c.get(t, cp.ID).Funnel
	if f.Sent != 6 || f.Delivered != 6 || f.Read != 6 || f.Replied != 1 || fan == "" {
		t.Fatalf("funnel: %+v", f)
	}

	// The export has every recipient with its status.
	var csvOut struct{ ExportCampaignRecipients string }
	c.env.MustQuery(t, c.owner.Token, `query($id: ID!) { exportCampaignRecipients(id: $id) }`, map[string]any{"id": cp.ID}, &csvOut)
	rows, err := csv.NewReader(strings.NewReader(csvOut.ExportCampaignRecipients)).ReadAll()
	if err != nil || len(rows) != 9 || rows[0][3] != "status" {
		t.Fatalf("export: %v %q", err, csvOut.ExportCampaignRecipients)
	}
	statuses := map[string]int{}
	for _, r := range rows[1:] {
		statuses[r[3]]++
	}
	if statuses["READ"] != 6 || statuses["SKIPPED"] != 2 {
		t.Fatalf("export statuses: %v", statuses)
	}
}

func TestCampaignRefusals(t *testing.T) {
	c := newCampaignEnv(t, graphapi.Config{AllWindowsOpen: true})
	other := c.env.SignUp(t, "Campaign Stranger")
	cases := []struct {
		name  string
		in    map[string]any
		field string
	}{
		{"no audience", map[string]any{"audience": map[string]any{}}, "input.audience"},
		{"wrong parameter count", map[string]any{"audience": map[string]any{"tags": []string{"vip"}}, "parameters": []string{"x"}}, "input.parameters"},
		{"a stranger's contact", map[string]any{"audience": map[string]any{"contactIds": []string{"CT01ARZ3NDEKTSV4RRFFQ69G5FAV"}}}, "input.audience.contactIds"},
		{"a past schedule", map[string]any{"audience": map[string]any{"tags": []string{"vip"}}, "scheduledAt": time.Now().Add(-time.Hour)}, "input.scheduledAt"},
		{"no name", map[string]any{"name": " ", "audience": map[string]any{"tags": []string{"vip"}}}, "input.name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]any{"name": "x", "channelId": c.channel, "templateId": c.template, "parameters": []string{"a", "b"}}
			for k, v := range tc.in {
				in[k] = v
			}
			r := c.env.Query(t, c.owner.Token, `mutation($in: CreateCampaignInput!) { createCampaign(input: $in) { id } }`, map[string]any{"in": in})
			if r.Code() != "BAD_USER_INPUT" || r.Field() != tc.field {
				t.Fatalf("got %s on %q: %+v", r.Code(), r.Field(), r.Errors)
			}
		})
	}
	cp := c.create(t, map[string]any{"audience": map[string]any{"tags": []string{"vip"}}})
	r := c.env.Query(t, other.Token, `mutation($id: ID!) { startCampaign(id: $id) { id } }`, map[string]any{"id": cp.ID})
	if r.Code() != "FORBIDDEN" && r.Code() != "NOT_FOUND" {
		t.Fatalf("another tenant starting it: %+v", r.Errors)
	}
	if got := c.act(t, "cancelCampaign", cp.ID); got.Status != "CANCELLED" {
		t.Fatalf("cancel a draft: %+v", got)
	}
	r = c.env.Query(t, c.owner.Token, `mutation($id: ID!) { startCampaign(id: $id) { id } }`, map[string]any{"id": cp.ID})
	if r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("starting a cancelled campaign: %+v", r.Errors)
	}
}

func TestCampaignPauseResumeAndCancelTakeEffect(t *testing.T) {
	c := newCampaignEnv(t, graphapi.Config{AllWindowsOpen: true})
	c.setRate(t, 5)
	for i := range 20 {
		c.contact(t, fmt.Sprintf("+1415556%04d", i), fmt.Sprintf("Buyer %d", i), "OPTED_IN", "buyers")
	}
	cp := c.create(t, map[string]any{"audience": map[string]any{"tags": []string{"buyers"}}})
	c.act(t, "startCampaign", cp.ID)
	testwait.For(t, 20*time.Second, "the first sends", func() bool { return c.sim.Sends().Total >= 3 })
	paused := c.act(t, "pauseCampaign", cp.ID)
	if paused.Status != "PAUSED" || paused.PausedReason == nil || !strings.Contains(*paused.PausedReason, "send.owner@example.com") {
		t.Fatalf("paused: %+v", paused)
	}
	// Whatever was claimed before the pause still goes; nothing after it.
	var settled campaignOut
	testwait.For(t, 10*time.Second, "the claimed sends to settle", func() bool {
		settled = c.get(t, cp.ID)
		return settled.Stats.Queued == 0
	})
	atPause := c.sim.Sends().Total
	if settled.Stats.Pending == 0 || atPause >= 20 {
		t.Fatalf("the pause did not hold: %+v, %d sent", settled.Stats, atPause)
	}
	if again := c.get(t, cp.ID); again.Stats.Pending != settled.Stats.Pending || c.sim.Sends().Total != atPause {
		t.Fatalf("sends went on while paused: %+v", again.Stats)
	}

	// An agent's reply goes out while the campaign is paused, and first
	// when it runs.
	c.act(t, "resumeCampaign", cp.ID)
	reply := c.mustSend(t, map[string]any{"text": "A reply in the middle of a broadcast"})
	c.waitStatus(t, reply.ID, "READ")
	if mid := c.get(t, cp.ID); mid.Stats.Pending == 0 {
		t.Logf("the campaign finished before the reply was read (%+v)", mid.Stats)
	}
	done := c.waitCampaign(t, cp.ID, func(cp campaignOut) bool { return cp.Status == "COMPLETED" }, "the campaign to complete")
	if done.Stats.Read+done.Stats.Delivered+done.Stats.Sent != 20 {
		t.Fatalf("after resuming: %+v", done.Stats)
	}
	for id, n := range c.sim.Sends().ByCallbackData {
		if n != 1 {
			t.Fatalf("%s sent %d times", id, n)
		}
	}

	// Cancelling skips whoever has no message yet, and fails the messages
	// made ahead and still waiting, which the inbox hears of.
	cp2 := c.create(t, map[string]any{"name": "Second", "audience": map[string]any{"tags": []string{"buyers"}}})
	c.act(t, "startCampaign", cp2.ID)
	sys := viewer.System(t.Context())
	ofSecond := message.CampaignID(pulid.ID(cp2.ID))
	testwait.For(t, 10*time.Second, "the second campaign's first messages", func() bool {
		return c.env.DB.Client.Message.Query().Where(ofSecond).ExistX(sys)
	})
	cancelled := c.act(t, "cancelCampaign", cp2.ID)
	if cancelled.Status != "CANCELLED" {
		t.Fatalf("cancel: %+v", cancelled)
	}
	for _, m := range c.env.DB.Client.Message.Query().Where(ofSecond, message.StatusEQ(message.StatusFAILED)).AllX(sys) {
		if m.Error == nil || m.Error.Code != schematype.CodeCancelled {
			t.Fatalf("a failed message of the cancelled campaign: %+v", m.Error)
		}
		if !c.env.DB.Client.Event.Query().Where(event.MessageID(m.ID), event.KindEQ(event.KindMESSAGE_UPDATED)).ExistX(sys) {
			t.Fatalf("message %s failed as cancelled without a MESSAGE_UPDATED event", m.ID)
		}
	}
	final := c.waitCampaign(t, cp2.ID, func(cp campaignOut) bool { return cp.Stats.Queued == 0 }, "claimed sends to settle")
	st := final.Stats
	if st.Pending != 0 || st.Skipped == 0 || st.Total != 20 || st.Skipped+st.Sent+st.Delivered+st.Read+st.Failed != 20 {
		t.Fatalf("cancelled stats: %+v", st)
	}
}

// The messages a paused campaign had made ahead wait, and do not hold up
// another campaign on the same number.
func TestAPausedCampaignsMessagesDoNotHoldUpAnother(t *testing.T) {
	c := newCampaignEnv(t, graphapi.Config{AllWindowsOpen: true})
	c.setRate(t, 5)
	for i := range 20 {
		c.contact(t, fmt.Sprintf("+1415559%04d", i), fmt.Sprintf("First %d", i), "OPTED_IN", "first")
	}
	for i := range 5 {
		c.contact(t, fmt.Sprintf("+1415550%04d", i), fmt.Sprintf("Second %d", i), "OPTED_IN", "second")
	}
	first := c.create(t, map[string]any{"name": "First", "audience": map[string]any{"tags": []string{"first"}}})
	c.act(t, "startCampaign", first.ID)
	sys := viewer.System(t.Context())
	waiting := func() int {
		return c.env.DB.Client.Message.Query().Where(message.CampaignID(pulid.ID(first.ID)),
			message.SendStateEQ(message.SendStateREADY)).CountX(sys)
	}
	testwait.For(t, 10*time.Second, "a second of the first campaign made ahead", func() bool { return waiting() >= 5 })
	c.act(t, "pauseCampaign", first.ID)

	second := c.create(t, map[string]any{"name": "Second", "audience": map[string]any{"tags": []string{"second"}}})
	c.act(t, "startCampaign", second.ID)
	done := c.waitCampaign(t, second.ID, func(cp campaignOut) bool { return cp.Status == "COMPLETED" },
		"the second campaign to complete while the first is paused")
	if done.Stats.Sent+done.Stats.Delivered+done.Stats.Read != 5 {
		t.Fatalf("second campaign: %+v", done.Stats)
	}
	if still := c.get(t, first.ID); still.Status != "PAUSED" || waiting() == 0 {
		t.Fatalf("the first campaign went on while paused: %+v, %d waiting", still.Stats, waiting())
	}
}

func TestMessagingLimitPausesTheCampaignUntilAllowed(t *testing.T) {
	c := newCampaignEnv(t, graphapi.Config{AllWindowsOpen: true})
	c.env.MustQuery(t, c.owner.Token, `mutation($id: ID!) { updateChannel(id: $id, input: {messagingLimit: 3}) { id } }`,
		map[string]any{"id": c.channel}, nil)
	for i := range 5 {
		c.contact(t, fmt.Sprintf("+1415557%04d", i), fmt.Sprintf("Lead %d", i), "OPTED_IN", "leads")
	}
	cp := c.create(t, map[string]any{"audience": map[string]any{"tags": []string{"leads"}}})
	c.act(t, "startCampaign", cp.ID)
	// The three within the limit still go (a message not tried yet counts
	// as pending); the other two wait.
	paused := c.waitCampaign(t, cp.ID, func(cp campaignOut) bool {
		return cp.Status == "PAUSED" && cp.Stats.Queued == 0 && cp.Stats.Sent+cp.Stats.Delivered+cp.Stats.Read == 3
	}, "the limit to pause the campaign")
	if paused.PausedReason == nil || !strings.Contains(*paused.PausedReason, "messaging limit") || paused.Stats.Pending != 2 {
		t.Fatalf("at the limit: %+v %v", paused.Stats, paused.PausedReason)
	}
	if n := c.sim.Sends().Total; n != 3 {
		t.Fatalf("%d sends past a limit of 3", n)
	}
	// Meta raises the tier (business_capability_update): the campaign
	// resumes by itself.
	deliver(t, c.env, `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1764547200,`+
		`"changes":[{"field":"business_capability_update","value":{"max_daily_conversations_per_business":"TIER_10K"}}]}]}`)
	processed(t, c.env)
	var ch struct {
		Channels []struct{ MessagingLimit *int }
	}
	c.env.MustQuery(t, c.owner.Token, `{ channels { messagingLimit } }`, nil, &ch)
	if l := ch.Channels[0].MessagingLimit; l == nil || *l != 10000 {
		t.Fatalf("after business_capability_update: messagingLimit %v", l)
	}
	done := c.waitCampaign(t, cp.ID, func(cp campaignOut) bool { return cp.Status == "COMPLETED" }, "the campaign to resume and complete")
	if done.Stats.Pending != 0 || c.sim.Sends().Total != 5 {
		t.Fatalf("after the limit rose: %+v, %d sends", done.Stats, c.sim.Sends().Total)
	}
}

func TestCampaignProgressStreamsStats(t *testing.T) {
	c := newCampaignEnv(t, graphapi.Config{AllWindowsOpen: true})
	for i := range 3 {
		c.contact(t, fmt.Sprintf("+1415558%04d", i), fmt.Sprintf("Reader %d", i), "OPTED_IN", "readers")
	}
	cp := c.create(t, map[string]any{"audience": map[string]any{"tags": []string{"readers"}}})
	ws, err := dialWS(t, c.env, c.owner.Token)
	if err != nil {
		t.Fatal(err)
	}
	ws.send(map[string]any{"id": "p", "type": "subscribe", "payload": map[string]any{
		"query":     `subscription($id: ID!) { campaignProgress(id: $id) { status stats { total read } } }`,
		"variables": map[string]any{"id": cp.ID}}})
	first := readProgress(t, ws)
	if first.Status != "DRAFT" {
		t.Fatalf("first value: %+v", first)
	}
	c.act(t, "startCampaign", cp.ID)
	for {
		p := readProgress(t, ws)
		if p.Status == "COMPLETED" {
			if p.Stats.Read != 3 && p.Stats.Total != 3 {
				t.Fatalf("final value: %+v", p)
			}
			break
		}
	}
	// The stream ends after the final value.
	for {
		m, err := ws.read()
		if err != nil {
			t.Fatalf("waiting for complete: %v", err)
		}
		if m["type"] == "complete" {
			return
		}
	}
}

type progressValue struct {
	Status string
	Stats  struct{ Total, Read int }
}

func readProgress(t *testing.T, ws *wsClient) progressValue {
	t.Helper()
	for {
		m, err := ws.read()
		if err != nil {
			t.Fatalf("waiting for progress: %v", err)
		}
		switch m["type"] {
		case "next":
			var out struct {
				Data struct{ CampaignProgress progressValue }
			}
			b, _ := json.Marshal(m["payload"])
			_ = json.Unmarshal(b, &out)
			return out.Data.CampaignProgress
		case "error", "complete":
			t.Fatalf("progress stream: %v", m)
		}
	}
}

func TestTemplatePausedMidCampaignPausesIt(t *testing.T) {
	c := newCampaignEnv(t, graphapi.Config{AllWindowsOpen: true})
	c.setRate(t, 4)
	for i := range 16 {
		c.contact(t, fmt.Sprintf("+1415559%04d", i), fmt.Sprintf("Member %d", i), "OPTED_IN", "members")
	}
	cp := c.create(t, map[string]any{"audience": map[string]any{"tags": []string{"members"}}})
	c.act(t, "startCampaign", cp.ID)
	testwait.For(t, 20*time.Second, "the first sends", func() bool { return c.sim.Sends().Total >= 2 })
	// Meta pauses the template for its quality: its webhook pauses the
	// campaign, with the reason; sends in flight meet 132015.
	if err := c.sim.PauseTemplate(t.Context(), "winter_sale"); err != nil {
		t.Fatal(err)
	}
	paused := c.waitCampaign(t, cp.ID, func(cp campaignOut) bool { return cp.Status == "PAUSED" && cp.Stats.Queued == 0 },
		"the campaign to pause with its template")
	if paused.PausedReason == nil || paused.Stats.Pending == 0 {
		t.Fatalf("paused: %+v %v", paused.Stats, paused.PausedReason)
	}
	// Resuming needs the template approved again.
	r := c.env.Query(t, c.owner.Token, `mutation($id: ID!) { resumeCampaign(id: $id) { id } }`, map[string]any{"id": cp.ID})
	if r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("resuming with a paused template: %+v", r.Errors)
	}
	for id, n := range c.sim.Sends().ByCallbackData {
		if n != 1 {
			t.Fatalf("%s sent %d times", id, n)
		}
	}
}
