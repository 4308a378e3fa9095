package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"switchboard/ent/auditlog"
	"switchboard/ent/campaign"
	"switchboard/ent/channel"
	"switchboard/ent/message"
	"switchboard/ent/user"
	"switchboard/ent/webhookevent"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim"
	"switchboard/internal/whatsapp/sim/graphapi"
)

const tplWABA = "102290129340398" // connectInput's wabaId, the simulator's default

// tplEnv is a sendEnv whose simulator reviews templates quickly and
// rejects names containing "casino", with its channel's id.
type tplEnv struct {
	*sendEnv
	channel string
}

func newTplEnv(t *testing.T) *tplEnv {
	t.Helper()
	s := newSendEnv(t, graphapi.Config{RejectTemplateWord: "casino", TemplateReviewDelay: 30 * time.Millisecond, TemplatePageSize: 2})
	var out struct{ Channels []struct{ ID string } }
	s.env.MustQuery(t, s.owner.Token, `{ channels { id } }`, nil, &out)
	return &tplEnv{sendEnv: s, channel: out.Channels[0].ID}
}

type tplOut struct {
	ID, Name, Language, Category, Status, ParameterFormat string
	RejectedReason, StatusReason, LastEvent, QualityScore *string
	PendingCategory                                       *string
	PendingCategoryAt                                     *time.Time
	ExternalID                                            *string
	Body                                                  *string
	Components                                            json.RawMessage
	Channel                                               struct{ ID string }
}

const tplFields = `id name language category status parameterFormat rejectedReason statusReason lastEvent qualityScore
  pendingCategory pendingCategoryAt externalId body components channel { id }`

func orderBody() []any {
	return []any{
		map[string]any{"type": "HEADER", "format": "TEXT", "text": "Your order"},
		map[string]any{"type": "BODY", "text": "Hi {{1}}, your order {{2}} is ready for pickup.",
			"example": map[string]any{"body_text": []any{[]any{"Ann", "A-1042"}}}},
		map[string]any{"type": "FOOTER", "text": "Reply STOP to opt out"},
		map[string]any{"type": "BUTTONS", "buttons": []any{
			map[string]any{"type": "QUICK_REPLY", "text": "Thanks"},
			map[string]any{"type": "URL", "text": "Track", "url": "https://example.com/track"},
		}},
	}
}

func (e *tplEnv) create(t *testing.T, token string, in map[string]any) (*testenv.Response, tplOut) {
	t.Helper()
	if _, ok := in["channelId"]; !ok {
		in["channelId"] = e.channel
	}
	for k, v := range map[string]any{"language": "en_US", "category": "UTILITY"} {
		if _, ok := in[k]; !ok {
			in[k] = v
		}
	}
	if _, ok := in["components"]; !ok {
		in["components"] = orderBody()
	}
	r := e.env.Query(t, token, `mutation($in: CreateTemplateInput!) { createTemplate(input: $in) { `+tplFields+` } }`,
		map[string]any{"in": in})
	var out struct{ CreateTemplate tplOut }
	if len(r.Errors) == 0 {
		r.Decode(t, &out)
	}
	return r, out.CreateTemplate
}

func (e *tplEnv) mustCreate(t *testing.T, name string, in map[string]any) tplOut {
	t.Helper()
	if in == nil {
		in = map[string]any{}
	}
	in["name"] = name
	r, tp := e.create(t, e.owner.Token, in)
	if len(r.Errors) > 0 {
		t.Fatalf("createTemplate %s: %+v", name, r.Errors)
	}
	return tp
}

func (e *tplEnv) template(t *testing.T, id string) tplOut {
	t.Helper()
	var out struct{ Node tplOut }
	e.env.MustQuery(t, e.owner.Token, `query($id: ID!) { node(id: $id) { ... on Template { `+tplFields+` } } }`,
		map[string]any{"id": id}, &out)
	return out.Node
}

// waitTemplate waits until the template satisfies ok, and returns it.
func (e *tplEnv) waitTemplate(t *testing.T, id, what string, ok func(tplOut) bool) tplOut {
	t.Helper()
	var tp tplOut
	testwait.For(t, 10*time.Second, "template "+id+" "+what, func() bool {
		e.env.App.Jobs.Notify()
		tp = e.template(t, id)
		return ok(tp)
	})
	return tp
}

func (e *tplEnv) waitStatus(t *testing.T, id, status string) tplOut {
	t.Helper()
	return e.waitTemplate(t, id, "to be "+status, func(tp tplOut) bool { return tp.Status == status })
}

func (e *tplEnv) list(t *testing.T, filter map[string]any) (int, []tplOut) {
	t.Helper()
	var out struct {
		Templates struct {
			TotalCount int
			Edges      []struct{ Node tplOut }
		}
	}
	e.env.MustQuery(t, e.owner.Token, `query($f: TemplateFilter) { templates(first: 50, filter: $f) { totalCount edges { node { `+tplFields+` } } } }`,
		map[string]any{"f": filter}, &out)
	var nodes []tplOut
	for _, ed := range out.Templates.Edges {
		nodes = append(nodes, ed.Node)
	}
	return out.Templates.TotalCount, nodes
}

func sv(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func bodyComp(text string, example any) map[string]any {
	c := map[string]any{"type": "BODY", "text": text}
	if example != nil {
		c["example"] = example
	}
	return c
}

func examples(vals ...string) map[string]any {
	row := make([]any, len(vals))
	for i, v := range vals {
		row[i] = v
	}
	return map[string]any{"body_text": []any{row}}
}

// TestCreateTemplateRefusesBadInput: every rule refuses with
// BAD_USER_INPUT on the field at fault, and nothing reaches Meta.
func TestCreateTemplateRefusesBadInput(t *testing.T) {
	e := newTplEnv(t)
	okBody := bodyComp("Hi {{1}}, welcome.", examples("Ann"))
	buttons := func(bs ...any) map[string]any { return map[string]any{"type": "BUTTONS", "buttons": bs} }
	qr := func(text string) any { return map[string]any{"type": "QUICK_REPLY", "text": text} }
	many := make([]any, 11)
	for i := range many {
		many[i] = qr("Option " + strconv.Itoa(i))
	}
	cases := []struct {
		name  string
		in    map[string]any
		field string
	}{
		{"uppercase name", map[string]any{"name": "Order_Ready"}, "input.name"},
		{"name starting with a digit", map[string]any{"name": "1order"}, "input.name"},
		{"name with a dash", map[string]any{"name": "order-ready"}, "input.name"},
		{"name over 512", map[string]any{"name": "a" + strings.Repeat("b", 512)}, "input.name"},
		{"language", map[string]any{"language": "english"}, "input.language"},
		{"components not an array", map[string]any{"components": map[string]any{"type": "BODY"}}, "input.components"},
		{"no body", map[string]any{"components": []any{map[string]any{"type": "FOOTER", "text": "x"}}}, "input.components"},
		{"two bodies", map[string]any{"components": []any{okBody, okBody}}, "input.components[1].type"},
		{"unknown component", map[string]any{"components": []any{okBody, map[string]any{"type": "CAROUSEL"}}}, "input.components[1].type"},
		{"body without text", map[string]any{"components": []any{map[string]any{"type": "BODY"}}}, "input.components[0].text"},
		{"body over 1,024", map[string]any{"components": []any{bodyComp(strings.Repeat("x", 1025), nil)}}, "input.components[0].text"},
		{"variables with a gap", map[string]any{"components": []any{bodyComp("Hi {{1}}, order {{3}} ready.", examples("a", "b"))}}, "input.components[0].text"},
		{"variables out of order", map[string]any{"components": []any{bodyComp("Hi {{2}}, order {{1}} ready.", examples("a", "b"))}}, "input.components[0].text"},
		{"malformed variable", map[string]any{"components": []any{bodyComp("Hi {{ first }}, welcome.", examples("a"))}}, "input.components[0].text"},
		{"variable at the start", map[string]any{"components": []any{bodyComp("{{1}}, welcome.", examples("a"))}}, "input.components[0].text"},
		{"no example", map[string]any{"components": []any{bodyComp("Hi {{1}}, welcome.", nil)}}, "input.components[0].example.body_text"},
		{"too few examples", map[string]any{"components": []any{bodyComp("Hi {{1}}, order {{2}} ready.", examples("a"))}}, "input.components[0].example.body_text"},
		{"empty example", map[string]any{"components": []any{bodyComp("Hi {{1}}, welcome.", examples(" "))}}, "input.components[0].example.body_text[0][0]"},
		{"named variable in a positional template", map[string]any{"components": []any{bodyComp("Hi {{name}}, welcome.", nil)}}, "input.components[0].text"},
		{"named without its example", map[string]any{"parameterFormat": "NAMED", "components": []any{bodyComp("Hi {{first_name}}, welcome.",
			map[string]any{"body_text_named_params": []any{map[string]any{"param_name": "other", "example": "x"}}})}}, "input.components[0].example.body_text_named_params"},
		{"header text over 60", map[string]any{"components": []any{map[string]any{"type": "HEADER", "format": "TEXT", "text": strings.Repeat("h", 61)}, okBody}}, "input.components[0].text"},
		{"header with two variables", map[string]any{"components": []any{map[string]any{"type": "HEADER", "format": "TEXT", "text": "{{1}} and {{2}}"}, okBody}}, "input.components[0].text"},
		{"header variable without example", map[string]any{"components": []any{map[string]any{"type": "HEADER", "format": "TEXT", "text": "Hi {{1}}"}, okBody}}, "input.components[0].example.header_text"},
		{"image header without a sample", map[string]any{"components": []any{map[string]any{"type": "HEADER", "format": "IMAGE"}, okBody}}, "input.components[0].example.header_handle"},
		{"header format", map[string]any{"components": []any{map[string]any{"type": "HEADER", "format": "GIF"}, okBody}}, "input.components[0].format"},
		{"footer with a variable", map[string]any{"components": []any{okBody, map[string]any{"type": "FOOTER", "text": "Bye {{1}}"}}}, "input.components[1].text"},
		{"footer over 60", map[string]any{"components": []any{okBody, map[string]any{"type": "FOOTER", "text": strings.Repeat("f", 61)}}}, "input.components[1].text"},
		{"eleven buttons", map[string]any{"components": []any{okBody, buttons(many...)}}, "input.components[1].buttons"},
		{"button text over 25", map[string]any{"components": []any{okBody, buttons(qr(strings.Repeat("b", 26)))}}, "input.components[1].buttons[0].text"},
		{"quick replies split", map[string]any{"components": []any{okBody, buttons(qr("a"),
			map[string]any{"type": "URL", "text": "Go", "url": "https://example.com"}, qr("b"))}}, "input.components[1].buttons[2].type"},
		{"url button without a url", map[string]any{"components": []any{okBody, buttons(map[string]any{"type": "URL", "text": "Go", "url": "ftp://x"})}}, "input.components[1].buttons[0].url"},
		{"two phone buttons", map[string]any{"components": []any{okBody, buttons(
			map[string]any{"type": "PHONE_NUMBER", "text": "Call", "phone_number": "+15550100"},
			map[string]any{"type": "PHONE_NUMBER", "text": "Call 2", "phone_number": "+15550101"})}}, "input.components[1].buttons"},
		{"unknown button", map[string]any{"components": []any{okBody, buttons(map[string]any{"type": "TELEPORT", "text": "Go"})}}, "input.components[1].buttons[0].type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := c.in["name"]; !ok {
				c.in["name"] = "order_ready"
			}
			r, _ := e.create(t, e.owner.Token, c.in)
			if r.Code() != "BAD_USER_INPUT" || r.Field() != c.field {
				t.Fatalf("got %s on %q (%+v), want BAD_USER_INPUT on %s", r.Code(), r.Field(), r.Errors, c.field)
			}
		})
	}
	if n := e.sim.TemplateCalls(); n != 0 {
		t.Errorf("the simulator got %d template submissions, want none", n)
	}
	if n, _ := e.list(t, nil); n != 0 {
		t.Errorf("%d templates stored", n)
	}

	// Only admins manage templates.
	agent := e.env.SignUp(t, "Template Agent")
	e.env.DB.Client.User.UpdateOneID(pulid.ID(agent.UserID)).SetRole(user.RoleAGENT).ExecX(viewer.System(t.Context()))
	if r, _ := e.create(t, agent.Token, map[string]any{"name": "agent_made"}); r.Code() != "FORBIDDEN" {
		t.Errorf("agent: %s %+v", r.Code(), r.Errors)
	}
}

// TestCreateTemplateApprovedByWebhook: PENDING with Meta's id at once,
// APPROVED when the review webhook arrives; audited.
func TestCreateTemplateApprovedByWebhook(t *testing.T) {
	e := newTplEnv(t)
	tp := e.mustCreate(t, "order_ready", nil)
	if tp.Status != "PENDING" || sv(tp.ExternalID) == "" || tp.Channel.ID != e.channel || tp.Category != "UTILITY" ||
		sv(tp.Body) != "Hi {{1}}, your order {{2}} is ready for pickup." || tp.ParameterFormat != "POSITIONAL" {
		t.Fatalf("created %+v", tp)
	}
	if _, err := strconv.ParseInt(sv(tp.ExternalID), 10, 64); err != nil {
		t.Errorf("externalId %q is not Meta's numeric id", sv(tp.ExternalID))
	}
	var comps []map[string]any
	if err := json.Unmarshal(tp.Components, &comps); err != nil || len(comps) != 4 || comps[1]["type"] != "BODY" {
		t.Errorf("components %s", tp.Components)
	}
	got := e.waitStatus(t, tp.ID, "APPROVED")
	if sv(got.LastEvent) != "APPROVED" || sv(got.RejectedReason) != "" {
		t.Errorf("approved %+v", got)
	}
	if e.sim.TemplateStatus("order_ready", "en_US") != "APPROVED" {
		t.Error("the simulator does not hold it approved")
	}
	n := e.env.DB.Client.AuditLog.Query().Where(auditlog.Action("template.create"), auditlog.TargetID(tp.ID)).CountX(viewer.System(t.Context()))
	if n != 1 {
		t.Errorf("%d template.create audit entries", n)
	}

	// The same name and language again is a conflict, found before Meta.
	if r, _ := e.create(t, e.owner.Token, map[string]any{"name": "order_ready"}); r.Code() != "CONFLICT" {
		t.Errorf("duplicate: %s %+v", r.Code(), r.Errors)
	}
	if e.sim.TemplateCalls() != 1 {
		t.Errorf("the simulator got %d submissions, want 1", e.sim.TemplateCalls())
	}

	// A NAMED template, components sent as a JSON string.
	named, _ := json.Marshal([]any{bodyComp("Hello {{first_name}}, your code is {{code}} today.",
		map[string]any{"body_text_named_params": []any{
			map[string]any{"param_name": "first_name", "example": "Ann"}, map[string]any{"param_name": "code", "example": "X1"}}})})
	tn := e.mustCreate(t, "named_code", map[string]any{"parameterFormat": "NAMED", "components": string(named), "category": "MARKETING"})
	if tn.ParameterFormat != "NAMED" || tn.Category != "MARKETING" {
		t.Errorf("named %+v", tn)
	}
	e.waitStatus(t, tn.ID, "APPROVED")

	// Filters: status, category, search, channel; newest first.
	if n, nodes := e.list(t, map[string]any{"status": "APPROVED"}); n != 2 || nodes[0].ID != tn.ID {
		t.Errorf("APPROVED: %d %+v", n, nodes)
	}
	if n, _ := e.list(t, map[string]any{"category": "MARKETING"}); n != 1 {
		t.Errorf("MARKETING: %d", n)
	}
	if n, nodes := e.list(t, map[string]any{"search": "ORDER"}); n != 1 || nodes[0].ID != tp.ID {
		t.Errorf("search: %d %+v", n, nodes)
	}
	if n, _ := e.list(t, map[string]any{"channelId": e.channel, "status": "PENDING"}); n != 0 {
		t.Errorf("PENDING: %d", n)
	}
}

// TestCreateTemplateRejectedByWord: Meta's rejection with its reason and
// recommendation.
func TestCreateTemplateRejectedByWord(t *testing.T) {
	e := newTplEnv(t)
	tp := e.mustCreate(t, "casino_night", map[string]any{"category": "MARKETING"})
	got := e.waitStatus(t, tp.ID, "REJECTED")
	if sv(got.RejectedReason) != "INVALID_FORMAT" || !strings.Contains(sv(got.StatusReason), "casino") || sv(got.LastEvent) != "REJECTED" {
		t.Errorf("rejected %+v (reason %q, status reason %q)", got, sv(got.RejectedReason), sv(got.StatusReason))
	}
}

// TestSyncTemplatesPullsEveryPage: the simulator lists 2 per page; the
// WABA holds Meta's hello_world and three more.
func TestSyncTemplatesPullsEveryPage(t *testing.T) {
	e := newTplEnv(t)
	for _, name := range []string{"made_elsewhere_a", "made_elsewhere_b", "made_elsewhere_c"} {
		body, _ := json.Marshal(map[string]any{"name": name, "language": "en", "category": "MARKETING",
			"components": []any{bodyComp("Hello there, a deal for you.", nil)}})
		req, _ := http.NewRequest(http.MethodPost, e.env.Config.MetaAPIBaseURL+"/v21.0/"+tplWABA+"/message_templates", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer EAAGtest-secret-token-"+sendNumber)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("create at the simulator: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	testwait.For(t, 5*time.Second, "the simulator to approve them", func() bool {
		return e.sim.TemplateStatus("made_elsewhere_c", "en") == "APPROVED"
	})
	var out struct{ SyncTemplates []tplOut }
	e.env.MustQuery(t, e.owner.Token, `mutation($c: ID!) { syncTemplates(channelId: $c) { `+tplFields+` } }`,
		map[string]any{"c": e.channel}, &out)
	byName := map[string]tplOut{}
	for _, tp := range out.SyncTemplates {
		byName[tp.Name] = tp
	}
	if len(out.SyncTemplates) != 4 || byName["hello_world"].Status != "APPROVED" || byName["made_elsewhere_b"].Category != "MARKETING" ||
		sv(byName["made_elsewhere_a"].ExternalID) == "" || sv(byName["hello_world"].Body) == "" {
		t.Fatalf("synced %d: %+v", len(out.SyncTemplates), out.SyncTemplates)
	}
	// Again: the same rows, nothing duplicated.
	e.env.MustQuery(t, e.owner.Token, `mutation($c: ID!) { syncTemplates(channelId: $c) { id } }`, map[string]any{"c": e.channel}, &out)
	if n, _ := e.list(t, nil); n != 4 {
		t.Errorf("%d templates after a second sync, want 4", n)
	}
	n := e.env.DB.Client.AuditLog.Query().Where(auditlog.Action("template.sync")).CountX(viewer.System(t.Context()))
	if n != 2 {
		t.Errorf("%d template.sync audit entries", n)
	}
}

// TestDeleteTemplate: deleted at Meta and marked DELETED here (kept for
// the campaigns that name it); deleting again changes nothing.
func TestDeleteTemplate(t *testing.T) {
	e := newTplEnv(t)
	tp := e.mustCreate(t, "order_ready", nil)
	e.waitStatus(t, tp.ID, "APPROVED")
	for range 2 {
		var out struct{ DeleteTemplate bool }
		e.env.MustQuery(t, e.owner.Token, `mutation($id: ID!) { deleteTemplate(id: $id) }`, map[string]any{"id": tp.ID}, &out)
		if !out.DeleteTemplate {
			t.Fatal("deleteTemplate = false")
		}
	}
	if got := e.template(t, tp.ID); got.Status != "DELETED" {
		t.Errorf("after delete: %+v", got)
	}
	if s := e.sim.TemplateStatus("order_ready", "en_US"); s != "" {
		t.Errorf("the simulator still holds it %s", s)
	}
	n := e.env.DB.Client.AuditLog.Query().Where(auditlog.Action("template.delete")).CountX(viewer.System(t.Context()))
	if n != 1 {
		t.Errorf("%d template.delete audit entries", n)
	}
	other := e.env.SignUp(t, "Other Tenant")
	r := e.env.Query(t, other.Token, `mutation($id: ID!) { deleteTemplate(id: $id) }`, map[string]any{"id": tp.ID})
	if r.Code() != "NOT_FOUND" {
		t.Errorf("another tenant's delete: %s", r.Code())
	}
}

// TestTemplateWebhooks: Meta's lifecycle, quality and category webhooks
// act on the template; a pause pauses the campaigns sending it.
func TestTemplateWebhooks(t *testing.T) {
	e := newTplEnv(t)
	tp := e.mustCreate(t, "order_ready", nil)
	e.waitStatus(t, tp.ID, "APPROVED")
	id, _ := strconv.ParseInt(sv(tp.ExternalID), 10, 64)
	ctx := viewer.System(t.Context())
	c := e.env.DB.Client
	// A running campaign with a recipient still to send, on a number that
	// needs a new token: no sender claims it, so campaigns' clock does not
	// complete it while the test runs.
	held := c.Channel.Create().SetTenantID(pulid.ID(e.owner.TenantID)).SetName("held").SetWabaID("held-waba").
		SetPhoneNumberID("held-number").SetDisplayPhoneNumber("+1 555 0199").SetStatus(channel.StatusNEEDS_REAUTH).SaveX(ctx)
	running := c.Campaign.Create().SetTenantID(pulid.ID(e.owner.TenantID)).SetName("Spring").SetChannelID(held.ID).
		SetTemplateID(pulid.ID(tp.ID)).SetStatus(campaign.StatusRUNNING).SaveX(ctx)
	buyer := c.Contact.Create().SetTenantID(pulid.ID(e.owner.TenantID)).SetPhone("+14155550177").SaveX(ctx)
	c.CampaignRecipient.Create().SetTenantID(pulid.ID(e.owner.TenantID)).SetCampaignID(running.ID).SetContactID(buyer.ID).ExecX(ctx)
	draft := c.Campaign.Create().SetTenantID(pulid.ID(e.owner.TenantID)).SetName("Later").SetChannelID(pulid.ID(e.channel)).
		SetTemplateID(pulid.ID(tp.ID)).SaveX(ctx)

	if err := e.sim.PauseTemplate(t.Context(), "order_ready"); err != nil {
		t.Fatal(err)
	}
	got := e.waitStatus(t, tp.ID, "PAUSED")
	if !strings.Contains(sv(got.StatusReason), "FIRST_PAUSE") || sv(got.LastEvent) != "PAUSED" {
		t.Errorf("paused %+v", got)
	}
	cp := c.Campaign.GetX(ctx, running.ID)
	if cp.Status != campaign.StatusPAUSED || !strings.Contains(cp.PausedReason, "order_ready") || !strings.Contains(cp.PausedReason, "FIRST_PAUSE") {
		t.Errorf("running campaign: %s %q", cp.Status, cp.PausedReason)
	}
	if c.Campaign.GetX(ctx, draft.ID).Status != campaign.StatusDRAFT {
		t.Error("a draft campaign was paused")
	}

	hook := func(env sim.Envelope) {
		t.Helper()
		b, err := sim.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		deliver(t, e.env, string(b))
		processed(t, e.env)
	}
	review := func(ev sim.TemplateReview) sim.Envelope {
		ev.ID, ev.Name, ev.Language = id, "order_ready", "en_US"
		return sim.TemplateStatus(tplWABA, ev, time.Now())
	}
	now := time.Now().Truncate(time.Second)
	steps := []struct {
		name        string
		env         sim.Envelope
		status      string
		reasonHas   string
		lastEvent   string
		check       func(tplOut) bool
		description string
	}{
		{"reinstated", review(sim.TemplateReview{Event: "REINSTATED", Reason: "NONE"}), "APPROVED", "", "REINSTATED", nil, ""},
		{"flagged keeps it sendable", review(sim.TemplateReview{Event: "FLAGGED", DisableDate: now.Add(7 * 24 * time.Hour)}), "APPROVED", "flagged", "FLAGGED", nil, ""},
		{"disabled", review(sim.TemplateReview{Event: "DISABLED", Reason: "NONE", DisableDate: now}), "DISABLED", "disable date", "DISABLED", nil, ""},
		{"in appeal", review(sim.TemplateReview{Event: "IN_APPEAL"}), "DISABLED", "in appeal", "IN_APPEAL", nil, ""},
		{"approved again", review(sim.TemplateReview{Event: "APPROVED", Reason: "NONE"}), "APPROVED", "", "APPROVED", nil, ""},
		{"archived", review(sim.TemplateReview{Event: "ARCHIVED"}), "ARCHIVED", "", "ARCHIVED", nil, ""},
		{"unarchived", review(sim.TemplateReview{Event: "UNARCHIVED"}), "APPROVED", "", "UNARCHIVED", nil, ""},
		{"quality", sim.TemplateQuality(tplWABA, id, "order_ready", "en_US", "GREEN", "RED", time.Now()), "APPROVED", "", "UNARCHIVED",
			func(tp tplOut) bool { return sv(tp.QualityScore) == "RED" }, ""},
		{"category notice", sim.TemplateCategoryNotice(tplWABA, id, "order_ready", "en_US", "MARKETING", now.Add(24*time.Hour), time.Now()), "APPROVED", "", "UNARCHIVED",
			func(tp tplOut) bool {
				return sv(tp.PendingCategory) == "MARKETING" && tp.PendingCategoryAt != nil && tp.PendingCategoryAt.Equal(now.Add(24*time.Hour)) && tp.Category == "UTILITY"
			}, ""},
		{"category changed", sim.TemplateCategoryChange(tplWABA, id, "order_ready", "en_US", "UTILITY", "MARKETING", time.Now()), "APPROVED", "", "UNARCHIVED",
			func(tp tplOut) bool {
				return tp.Category == "MARKETING" && sv(tp.PendingCategory) == "" && tp.PendingCategoryAt == nil
			}, ""},
		{"pending deletion", review(sim.TemplateReview{Event: "PENDING_DELETION"}), "DELETED", "", "PENDING_DELETION", nil, ""},
	}
	for _, s := range steps {
		hook(s.env)
		got := e.template(t, tp.ID)
		if got.Status != s.status || !strings.Contains(sv(got.StatusReason), s.reasonHas) || sv(got.LastEvent) != s.lastEvent ||
			(s.check != nil && !s.check(got)) {
			t.Errorf("%s: status %s, reason %q, last event %q: %+v", s.name, got.Status, sv(got.StatusReason), sv(got.LastEvent), got)
		}
		if s.name == "disabled" || s.name == "reinstated" {
			hook(s.env) // redelivered: the same
			if again := e.template(t, tp.ID); again.Status != got.Status || sv(again.StatusReason) != sv(got.StatusReason) {
				t.Errorf("%s redelivered: %+v", s.name, again)
			}
		}
	}
	// The campaign stays paused until someone resumes it.
	if cp := c.Campaign.GetX(ctx, running.ID); cp.Status != campaign.StatusPAUSED {
		t.Errorf("campaign %s after the lifecycle", cp.Status)
	}

	// A template no channel knows: processed, nothing else.
	hook(sim.TemplateStatus(tplWABA, sim.TemplateReview{Event: "APPROVED", ID: 999, Name: "unknown", Language: "en"}, time.Now()))
	if n := c.WebhookEvent.Query().Where(webhookevent.StatusNEQ(webhookevent.StatusPROCESSED)).CountX(ctx); n != 0 {
		t.Errorf("%d webhook events not PROCESSED", n)
	}
}

// TestSendTemplate: an approved template with its parameters goes outside
// the window and is read; wrong parameters, an unapproved template and
// another tenant's are refused before anything is stored.
func TestSendTemplate(t *testing.T) {
	e := newTplEnv(t)
	tp := e.mustCreate(t, "pickup_ready", map[string]any{"components": []any{
		bodyComp("Hi {{1}}, your order {{2}} is ready for pickup.", examples("Ann", "A-1042"))}})
	rejected := e.mustCreate(t, "casino_bonus", map[string]any{"components": []any{bodyComp("Hello there, a deal.", nil)}})
	e.waitStatus(t, tp.ID, "APPROVED")
	e.waitStatus(t, rejected.ID, "REJECTED")

	// A customer whose window closed a day ago (at the simulator too).
	late, _ := e.customerWrites(t, "14155550999", "wamid.late.1", "Hi", time.Now().Add(-49*time.Hour))
	m := e.mustSend(t, map[string]any{"conversationId": late,
		"template": map[string]any{"templateId": tp.ID, "parameters": []any{"Ann", "A-1042"}}})
	if m.Status != "QUEUED" || m.Type != "TEMPLATE" || m.Text != "Hi Ann, your order A-1042 is ready for pickup." {
		t.Fatalf("queued %+v", m)
	}
	read := e.sendEnv.waitStatus(t, m.ID, "READ")
	if read.ExternalID == "" {
		t.Errorf("read %+v", read)
	}
	row := e.env.DB.Client.Message.GetX(viewer.System(t.Context()), pulid.ID(m.ID))
	if !row.OutsideWindow {
		t.Error("a template outside the window is not flagged outside_window")
	}
	req := e.sim.Request(m.ID)
	var sent struct {
		Name       string
		Language   struct{ Code string }
		Components []struct {
			Type       string
			Parameters []struct{ Type, Text string }
		}
	}
	if err := json.Unmarshal(req["template"], &sent); err != nil || sent.Name != "pickup_ready" || sent.Language.Code != "en_US" ||
		len(sent.Components) != 1 || len(sent.Components[0].Parameters) != 2 || sent.Components[0].Parameters[1].Text != "A-1042" {
		t.Errorf("Meta got %s (%v)", req["template"], err)
	}

	// Inside the window a template is not flagged.
	in := e.mustSend(t, map[string]any{"template": map[string]any{"templateId": tp.ID, "parameters": []any{"Al", "B-7"}}})
	if e.env.DB.Client.Message.GetX(viewer.System(t.Context()), pulid.ID(in.ID)).OutsideWindow {
		t.Error("a template inside the window is flagged outside_window")
	}

	other := e.env.SignUp(t, "Other Shop")
	connect(t, e.env, other.Token, "106540352242999")
	var och struct{ Channels []struct{ ID string } }
	e.env.MustQuery(t, other.Token, `{ channels { id } }`, nil, &och)
	theirs := e.env.Query(t, other.Token, `mutation($in: CreateTemplateInput!) { createTemplate(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"channelId": och.Channels[0].ID, "name": "their_notice", "language": "en_US",
			"category": "UTILITY", "components": []any{bodyComp("Hello there, a notice.", nil)}}})
	var theirsOut struct{ CreateTemplate struct{ ID string } }
	theirs.Decode(t, &theirsOut)

	before := e.sim.Sends().Total
	for _, c := range []struct {
		name, code, field string
		in                map[string]any
	}{
		{"too few parameters", "BAD_USER_INPUT", "input.template.parameters", map[string]any{"templateId": tp.ID, "parameters": []any{"Ann"}}},
		{"no parameters", "BAD_USER_INPUT", "input.template.parameters", map[string]any{"templateId": tp.ID}},
		{"a parameter with a new line", "BAD_USER_INPUT", "input.template.parameters", map[string]any{"templateId": tp.ID, "parameters": []any{"Ann\nX", "1"}}},
		{"rejected template", "BAD_USER_INPUT", "input.template.templateId", map[string]any{"templateId": rejected.ID}},
		{"another tenant's template", "NOT_FOUND", "input.template.templateId", map[string]any{"templateId": theirsOut.CreateTemplate.ID}},
	} {
		r, _ := e.send(t, map[string]any{"conversationId": late, "template": c.in})
		if r.Code() != c.code || r.Field() != c.field {
			t.Errorf("%s: %s on %q (%+v), want %s on %s", c.name, r.Code(), r.Field(), r.Errors, c.code, c.field)
		}
	}
	if r, _ := e.send(t, map[string]any{"conversationId": late, "text": "hi",
		"template": map[string]any{"templateId": tp.ID, "parameters": []any{"a", "b"}}}); r.Code() != "BAD_USER_INPUT" || r.Field() != "input" {
		t.Errorf("text and template: %s %q", r.Code(), r.Field())
	}
	// Free-form text outside the window is still refused.
	if r, _ := e.send(t, map[string]any{"conversationId": late, "text": "hi"}); r.Code() != "OUTSIDE_SERVICE_WINDOW" {
		t.Errorf("text outside the window: %s", r.Code())
	}
	// Nothing of the refused sends was queued: once the outbox holds no
	// QUEUED message, Meta has seen all it ever will.
	testwait.For(t, 10*time.Second, "the outbox to settle", func() bool {
		return e.env.DB.Client.Message.Query().Where(message.StatusEQ(message.StatusQUEUED)).
			CountX(viewer.System(t.Context())) == 0
	})
	if after := e.sim.Sends().Total; after != before {
		t.Errorf("refused sends reached Meta: %d → %d", before, after)
	}
}
