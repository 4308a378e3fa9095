package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/auditlog"
	"switchboard/ent/contact"
	"switchboard/ent/conversation"
	"switchboard/ent/message"
	"switchboard/ent/user"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

const ctFields = `id phone name profileName tags optInStatus optInSource optInAt restricted createdAt`

type ctContact struct {
	ID, Phone, Name, ProfileName string
	Tags                         []string
	OptInStatus, OptInSource     string
	OptInAt                      *time.Time
	Restricted                   bool
	CreatedAt                    time.Time
}

type ctImport struct {
	Created, Updated, Failed int
	Errors                   []struct {
		Line    int
		Message string
	}
}

type ctConnection struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       string
	}
	Edges []struct {
		Cursor string
		Node   ctContact
	}
}

func (c ctConnection) phones() []string {
	out := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node.Phone
	}
	return out
}

const (
	ctCreateMutation = `mutation($in: CreateContactInput!) { createContact(input: $in) { ` + ctFields + ` } }`
	ctUpdateMutation = `mutation($id: ID!, $in: UpdateContactInput!) { updateContact(id: $id, input: $in) { ` + ctFields + ` } }`
	ctDeleteMutation = `mutation($id: ID!) { deleteContact(id: $id) }`
	ctImportMutation = `mutation($csv: String!) { importContacts(csv: $csv) { created updated failed errors { line message } } }`
	ctListQuery      = `query($first: Int, $after: Cursor, $last: Int, $before: Cursor, $orderBy: ContactOrder, $filter: ContactFilter) {
	  contacts(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy, filter: $filter) {
	    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
	    edges { cursor node { ` + ctFields + ` } } } }`
)

func ctCreate(t *testing.T, env *testenv.Env, token string, in map[string]any) ctContact {
	t.Helper()
	var out struct{ CreateContact ctContact }
	env.MustQuery(t, token, ctCreateMutation, map[string]any{"in": in}, &out)
	return out.CreateContact
}

func ctImportCSV(t *testing.T, env *testenv.Env, token, csv string) ctImport {
	t.Helper()
	var out struct{ ImportContacts ctImport }
	env.MustQuery(t, token, ctImportMutation, map[string]any{"csv": csv}, &out)
	return out.ImportContacts
}

func ctExport(t *testing.T, env *testenv.Env, token string) string {
	t.Helper()
	var out struct{ ExportContacts string }
	env.MustQuery(t, token, `{ exportContacts }`, nil, &out)
	return out.ExportContacts
}

func ctList(t *testing.T, env *testenv.Env, token string, vars map[string]any) ctConnection {
	t.Helper()
	var out struct{ Contacts ctConnection }
	env.MustQuery(t, token, ctListQuery, vars, &out)
	return out.Contacts
}

// ctSnapshot is every contact row of every tenant, read around the API, so
// a failed operation can be shown to have changed nothing at all.
func ctSnapshot(t *testing.T, env *testenv.Env) string {
	t.Helper()
	rows := env.DB.Client.Contact.Query().Order(ent.Asc(contact.FieldID)).AllX(viewer.System(t.Context()))
	var b strings.Builder
	for _, c := range rows {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%q|%s|%s|%v|%v|%s\n", c.ID, c.TenantID, *c.Phone, c.Name, c.Tags,
			c.OptInStatus, c.OptInSource, c.OptInAt, c.Restricted, c.UpdatedAt.Format(time.RFC3339Nano))
	}
	fmt.Fprintf(&b, "%d rows", len(rows))
	return b.String()
}

func ctWantError(t *testing.T, r *testenv.Response, code, field string) {
	t.Helper()
	if r.Code() != code || r.Field() != field {
		t.Fatalf("want %s on %q, got errors %+v (data %s)", code, field, r.Errors, r.Data)
	}
}

func TestContactCreate(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Create Owner")

	before := time.Now().Add(-time.Second)
	c := ctCreate(t, env, acct.Token, map[string]any{
		"phone": "1 (650) 555-1234", "name": "  Ada Lovelace ", "tags": []string{" vip", "lead", "vip"},
		"optInStatus": "OPTED_IN", "optInSource": "web form",
	})
	if c.Phone != "+16505551234" || c.Name != "Ada Lovelace" || strings.Join(c.Tags, ",") != "vip,lead" ||
		c.OptInStatus != "OPTED_IN" || c.OptInSource != "web form" || c.Restricted || !strings.HasPrefix(c.ID, "CT") {
		t.Fatalf("created %+v", c)
	}
	if c.OptInAt == nil || c.OptInAt.Before(before) || c.CreatedAt.Before(before) {
		t.Fatalf("optInAt %v createdAt %v, want now", c.OptInAt, c.CreatedAt)
	}
	plain := ctCreate(t, env, acct.Token, map[string]any{"phone": "+44 20 7183 8750"})
	if plain.OptInStatus != "UNKNOWN" || plain.OptInAt != nil || plain.Tags == nil || len(plain.Tags) != 0 || plain.Name != "" {
		t.Fatalf("minimal contact %+v", plain)
	}

	longTags := make([]string, 51)
	for i := range longTags {
		longTags[i] = fmt.Sprintf("t%d", i)
	}
	bad := []struct {
		name, code, field string
		in                map[string]any
	}{
		{"letters", "BAD_USER_INPUT", "phone", map[string]any{"phone": "call me"}},
		{"empty phone", "BAD_USER_INPUT", "phone", map[string]any{"phone": "  "}},
		{"too short", "BAD_USER_INPUT", "phone", map[string]any{"phone": "+1 555"}},
		{"too long", "BAD_USER_INPUT", "phone", map[string]any{"phone": "+1234567890123456"}},
		{"dots", "BAD_USER_INPUT", "phone", map[string]any{"phone": "+1.650.555.0000"}},
		{"extension", "BAD_USER_INPUT", "phone", map[string]any{"phone": "+16505550000 x12"}},
		{"no such number", "BAD_USER_INPUT", "phone", map[string]any{"phone": "+15551234567"}},
		{"duplicate", "CONFLICT", "", map[string]any{"phone": "+16505551234"}},
		{"duplicate other format", "CONFLICT", "", map[string]any{"phone": "16505551234", "name": "Other"}},
		{"tag with separator", "BAD_USER_INPUT", "tags", map[string]any{"phone": "+16505550100", "tags": []string{"a;b"}}},
		{"blank tag", "BAD_USER_INPUT", "tags", map[string]any{"phone": "+16505550100", "tags": []string{"ok", "  "}}},
		{"long tag", "BAD_USER_INPUT", "tags", map[string]any{"phone": "+16505550100", "tags": []string{strings.Repeat("x", 65)}}},
		{"too many tags", "BAD_USER_INPUT", "tags", map[string]any{"phone": "+16505550100", "tags": longTags}},
		{"long name", "BAD_USER_INPUT", "name", map[string]any{"phone": "+16505550100", "name": strings.Repeat("n", 201)}},
		{"newline in name", "BAD_USER_INPUT", "name", map[string]any{"phone": "+16505550100", "name": "a\nb"}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			snap := ctSnapshot(t, env)
			r := env.Query(t, acct.Token, ctCreateMutation, map[string]any{"in": tc.in})
			ctWantError(t, r, tc.code, tc.field)
			if got := ctSnapshot(t, env); got != snap {
				t.Fatalf("contacts changed:\n%s\n→\n%s", snap, got)
			}
		})
	}
	t.Run("unauthenticated", func(t *testing.T) {
		ctWantError(t, env.Query(t, "", ctCreateMutation, map[string]any{"in": map[string]any{"phone": "+16505550100"}}), "UNAUTHENTICATED", "")
	})
}

func TestContactUpdate(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Update Owner")
	other := env.SignUp(t, "Update Rival")
	c := ctCreate(t, env, acct.Token, map[string]any{"phone": "+16505551234", "name": "Ada", "tags": []string{"vip"}})
	ctCreate(t, env, acct.Token, map[string]any{"phone": "+16505551235"})
	theirs := ctCreate(t, env, other.Token, map[string]any{"phone": "+16505551236"})

	update := func(id string, in map[string]any) ctContact {
		t.Helper()
		var out struct{ UpdateContact ctContact }
		env.MustQuery(t, acct.Token, ctUpdateMutation, map[string]any{"id": id, "in": in}, &out)
		return out.UpdateContact
	}
	u := update(c.ID, map[string]any{"name": "Ada King"})
	if u.Name != "Ada King" || u.Phone != c.Phone || strings.Join(u.Tags, ",") != "vip" || u.OptInStatus != "UNKNOWN" {
		t.Fatalf("name-only update changed more: %+v", u)
	}
	u = update(c.ID, map[string]any{"phone": "44 7911 123456", "optInStatus": "OPTED_IN", "tags": []string{}, "restricted": true})
	if u.Phone != "+447911123456" || u.OptInStatus != "OPTED_IN" || u.OptInAt == nil || len(u.Tags) != 0 || !u.Restricted {
		t.Fatalf("update = %+v", u)
	}
	optedAt := *u.OptInAt
	if u = update(c.ID, map[string]any{"optInStatus": "OPTED_IN"}); u.OptInAt == nil || !u.OptInAt.Equal(optedAt) {
		t.Fatalf("re-confirming opt-in moved optInAt %v → %v", optedAt, u.OptInAt)
	}
	if u = update(c.ID, map[string]any{"optInStatus": "OPTED_OUT"}); u.OptInStatus != "OPTED_OUT" || u.OptInAt != nil {
		t.Fatalf("opt-out = %+v", u)
	}

	unknown := string(pulid.New("CT"))
	bad := []struct {
		name, id, code, field string
		in                    map[string]any
	}{
		{"unknown id", unknown, "NOT_FOUND", "", map[string]any{"name": "x"}},
		{"other tenant's id", theirs.ID, "NOT_FOUND", "", map[string]any{"name": "x"}},
		{"duplicate phone", c.ID, "CONFLICT", "", map[string]any{"phone": "(+1) 650-555-1235", "name": "half applied?"}},
		{"bad phone", c.ID, "BAD_USER_INPUT", "phone", map[string]any{"phone": "+1 650 CALL NOW", "name": "x"}},
		{"bad tags", c.ID, "BAD_USER_INPUT", "tags", map[string]any{"tags": []string{"a;b"}}},
	}
	var notFoundMsg string
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			snap := ctSnapshot(t, env)
			r := env.Query(t, acct.Token, ctUpdateMutation, map[string]any{"id": tc.id, "in": tc.in})
			ctWantError(t, r, tc.code, tc.field)
			if tc.code == "NOT_FOUND" {
				if notFoundMsg != "" && r.Errors[0].Message != notFoundMsg {
					t.Fatalf("NOT_FOUND messages differ: %q vs %q", notFoundMsg, r.Errors[0].Message)
				}
				notFoundMsg = r.Errors[0].Message
			}
			if got := ctSnapshot(t, env); got != snap {
				t.Fatalf("contacts changed:\n%s\n→\n%s", snap, got)
			}
		})
	}
}

func TestContactDelete(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Delete Owner")
	other := env.SignUp(t, "Delete Rival")
	keep := ctCreate(t, env, acct.Token, map[string]any{"phone": "+16505551234"})
	gone := ctCreate(t, env, acct.Token, map[string]any{"phone": "+16505551235"})
	theirs := ctCreate(t, env, other.Token, map[string]any{"phone": "+16505551235"})

	// A contact with history: a conversation with a message.
	ctx := viewer.System(t.Context())
	db := env.DB.Client
	tid := pulid.ID(acct.TenantID)
	ch := db.Channel.Create().SetTenantID(tid).SetName("Main").SetWabaID("waba").SetPhoneNumberID("pn-1").
		SetDisplayPhoneNumber("+1 650 555 0000").SaveX(ctx)
	conv := db.Conversation.Create().SetTenantID(tid).SetContactID(pulid.ID(gone.ID)).SetChannelID(ch.ID).
		SetStatus(conversation.StatusOPEN).SaveX(ctx)
	db.Message.Create().SetTenantID(tid).SetConversationID(conv.ID).SetChannelID(ch.ID).
		SetDirection(message.DirectionINBOUND).SetType(message.TypeTEXT).SetText("hi").
		SetStatus(message.StatusRECEIVED).SetExternalID("wamid.del").SetTimestamp(time.Now()).ExecX(ctx)

	for _, tc := range []struct{ name, id string }{
		{"unknown id", string(pulid.New("CT"))},
		{"other tenant's id", theirs.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			snap := ctSnapshot(t, env)
			ctWantError(t, env.Query(t, acct.Token, ctDeleteMutation, map[string]any{"id": tc.id}), "NOT_FOUND", "")
			if got := ctSnapshot(t, env); got != snap {
				t.Fatalf("contacts changed:\n%s\n→\n%s", snap, got)
			}
		})
	}

	var out struct{ DeleteContact bool }
	env.MustQuery(t, acct.Token, ctDeleteMutation, map[string]any{"id": gone.ID}, &out)
	if !out.DeleteContact {
		t.Fatal("deleteContact = false")
	}
	if n := db.Conversation.Query().CountX(ctx) + db.Message.Query().CountX(ctx); n != 0 {
		t.Fatalf("%d conversations/messages of the deleted contact remain", n)
	}
	if got := ctList(t, env, acct.Token, nil).phones(); len(got) != 1 || got[0] != keep.Phone {
		t.Fatalf("after delete the list is %v", got)
	}
	if got := ctList(t, env, other.Token, nil).phones(); len(got) != 1 {
		t.Fatalf("the other tenant's same phone was touched: %v", got)
	}
	ctWantError(t, env.Query(t, acct.Token, ctDeleteMutation, map[string]any{"id": gone.ID}), "NOT_FOUND", "")
}

func TestContactsFilter(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Filter Owner")
	seed := []map[string]any{
		{"phone": "+16505551234", "name": "Ada Lovelace", "tags": []string{"vip", "lead"}, "optInStatus": "OPTED_IN"},
		{"phone": "+16505559876", "name": "Grace Hopper", "tags": []string{"lead"}, "optInStatus": "OPTED_OUT"},
		{"phone": "+442071838750", "name": "100% Real_Name", "tags": []string{"VIP"}},
		{"phone": "+4915112345678", "name": "", "tags": []string{"vip-ish"}},
	}
	ids := make([]string, len(seed))
	for i, in := range seed {
		ids[i] = ctCreate(t, env, acct.Token, in).ID
	}
	env.DB.Client.Contact.UpdateOneID(pulid.ID(ids[3])).SetProfileName("Señor Müller").ExecX(viewer.System(t.Context()))

	cases := []struct {
		name   string
		filter map[string]any
		want   []string // phones, newest first
	}{
		{"no filter", nil, []string{"+4915112345678", "+442071838750", "+16505559876", "+16505551234"}},
		{"name any case", map[string]any{"search": "LOVE"}, []string{"+16505551234"}},
		{"profile name", map[string]any{"search": "señor"}, []string{"+4915112345678"}},
		{"phone digits as typed", map[string]any{"search": "650 555-98"}, []string{"+16505559876"}},
		{"phone with plus", map[string]any{"search": "+44"}, []string{"+442071838750"}},
		{"percent is literal", map[string]any{"search": "100%"}, []string{"+442071838750"}},
		{"underscore is literal", map[string]any{"search": "ada_love"}, nil},
		{"percent alone matches only literal", map[string]any{"search": "%"}, []string{"+442071838750"}},
		{"tag exact", map[string]any{"tag": "vip"}, []string{"+16505551234"}},
		{"tag other", map[string]any{"tag": "lead"}, []string{"+16505559876", "+16505551234"}},
		{"tag unknown", map[string]any{"tag": "nobody"}, nil},
		{"opted in", map[string]any{"optInStatus": "OPTED_IN"}, []string{"+16505551234"}},
		{"unknown status", map[string]any{"optInStatus": "UNKNOWN"}, []string{"+4915112345678", "+442071838750"}},
		{"combined", map[string]any{"tag": "lead", "optInStatus": "OPTED_OUT", "search": "grace"}, []string{"+16505559876"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn := ctList(t, env, acct.Token, map[string]any{"filter": tc.filter})
			if got := conn.phones(); strings.Join(got, ",") != strings.Join(tc.want, ",") || conn.TotalCount != len(tc.want) {
				t.Fatalf("got %v (totalCount %d), want %v", got, conn.TotalCount, tc.want)
			}
		})
	}
	t.Run("order by name", func(t *testing.T) {
		conn := ctList(t, env, acct.Token, map[string]any{"orderBy": map[string]any{"field": "NAME", "direction": "ASC"},
			"filter": map[string]any{"tag": "lead"}})
		if got := conn.phones(); strings.Join(got, ",") != "+16505551234,+16505559876" {
			t.Fatalf("by name: %v", got)
		}
	})
}

func TestContactsPaginationAndIsolation(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Page Owner")
	other := env.SignUp(t, "Page Rival")
	var b strings.Builder
	b.WriteString("phone,name,tags,opt_in\n")
	for i := range 7 {
		fmt.Fprintf(&b, "+1650555%04d,Person %d,,\n", 1000+i, i)
	}
	if res := ctImportCSV(t, env, acct.Token, b.String()); res.Created != 7 {
		t.Fatalf("import %+v", res)
	}

	p1 := ctList(t, env, acct.Token, map[string]any{"first": 3})
	if p1.TotalCount != 7 || len(p1.Edges) != 3 || !p1.PageInfo.HasNextPage || p1.Edges[0].Node.Phone != "+16505551006" {
		t.Fatalf("page 1 = %+v", p1)
	}
	p2 := ctList(t, env, acct.Token, map[string]any{"first": 3, "after": p1.PageInfo.EndCursor})
	p3 := ctList(t, env, acct.Token, map[string]any{"first": 3, "after": p2.PageInfo.EndCursor})
	all := append(append(p1.phones(), p2.phones()...), p3.phones()...)
	if p3.PageInfo.HasNextPage || len(all) != 7 || p2.TotalCount != 7 {
		t.Fatalf("pages: %v, last %+v", all, p3.PageInfo)
	}
	seen := map[string]bool{}
	for _, p := range all {
		if seen[p] {
			t.Fatalf("%s on two pages: %v", p, all)
		}
		seen[p] = true
	}
	back := ctList(t, env, acct.Token, map[string]any{"last": 2, "before": p3.Edges[0].Cursor})
	if got := back.phones(); strings.Join(got, ",") != strings.Join(p2.phones()[1:], ",") || !back.PageInfo.HasPreviousPage {
		t.Fatalf("last 2 before page 3 = %v, want %v", got, p2.phones()[1:])
	}

	asc := ctList(t, env, acct.Token, map[string]any{"first": 3, "orderBy": map[string]any{"field": "CREATED_AT", "direction": "ASC"}})
	asc2 := ctList(t, env, acct.Token, map[string]any{"first": 3, "after": asc.PageInfo.EndCursor,
		"orderBy": map[string]any{"field": "CREATED_AT", "direction": "ASC"}})
	if got := strings.Join(append(asc.phones(), asc2.phones()...), ","); got != "+16505551000,+16505551001,+16505551002,+16505551003,+16505551004,+16505551005" {
		t.Fatalf("oldest first: %s", got)
	}

	// The other tenant sees none of it, by list, search, export or id.
	if conn := ctList(t, env, other.Token, map[string]any{"filter": map[string]any{"search": "Person"}}); conn.TotalCount != 0 || len(conn.Edges) != 0 {
		t.Fatalf("other tenant sees %+v", conn)
	}
	if exp := ctExport(t, env, other.Token); exp != "phone,name,tags,opt_in\n" {
		t.Fatalf("other tenant's export = %q", exp)
	}
	var node struct{ Node *struct{ ID string } }
	r := env.Query(t, other.Token, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": p1.Edges[0].Node.ID})
	if len(r.Errors) == 0 {
		r.Decode(t, &node)
		if node.Node != nil {
			t.Fatalf("other tenant reads contact by id: %+v", node.Node)
		}
	} else if r.Code() != "NOT_FOUND" {
		t.Fatalf("node(id) of other tenant's contact: %+v", r.Errors)
	}
	// The same phone may exist in both tenants.
	ctCreate(t, env, other.Token, map[string]any{"phone": "+16505551000"})
}

func TestContactImport(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Import Owner")
	ctCreate(t, env, acct.Token, map[string]any{"phone": "+16505551234", "name": "Ada", "tags": []string{"old"}, "optInStatus": "OPTED_IN"})
	ctCreate(t, env, acct.Token, map[string]any{"phone": "+16505551235", "name": "Bob", "tags": []string{"keep"}, "optInStatus": "OPTED_OUT"})

	csv := "\uFEFFPhone, Name ,TAGS,opt_in\r\n" + // 1 header, any case, BOM
		"1 650 555 1234,Ada King,vip;lead,yes\r\n" + // 2 update: name, tags; stays OPTED_IN
		"+16505551235,,,\r\n" + // 3 update: nothing given, nothing changes
		"+44 20 7183 8750,\"Lovelace, Ada\",a; b ;,no\r\n" + // 4 create OPTED_OUT
		"not-a-phone,X,,\r\n" + // 5 bad phone
		"+447911123456,Y,,maybe\r\n" + // 6 bad opt_in
		"\r\n" + // 7 blank, ignored
		"+4915112345678,Z,\"x" + strings.Repeat("y", 64) + "\",\r\n" + // 8 bad tag
		"16505551234,Dup,,no\r\n" + // 9 duplicate of line 2
		"+5511987654321,Solo\r\n" + // 10 wrong column count
		"+5511987654321,\"Multi\nLine\",,\r\n" + // 11-12 line break in name
		"+5511987654322,,,YES\r\n" // 13 create OPTED_IN
	res := ctImportCSV(t, env, acct.Token, csv)
	if res.Created != 2 || res.Updated != 2 || res.Failed != 6 {
		t.Fatalf("result %+v", res)
	}
	wantLines := []int{5, 6, 8, 9, 10, 11}
	for i, e := range res.Errors {
		if i >= len(wantLines) || e.Line != wantLines[i] || e.Message == "" {
			t.Fatalf("errors %+v, want lines %v", res.Errors, wantLines)
		}
	}
	if !strings.Contains(res.Errors[1].Message, "opt_in") || !strings.Contains(res.Errors[3].Message, "line 2") {
		t.Fatalf("messages don't say what is wrong: %+v", res.Errors)
	}

	byPhone := map[string]ctContact{}
	for _, e := range ctList(t, env, acct.Token, map[string]any{"first": 100}).Edges {
		byPhone[e.Node.Phone] = e.Node
	}
	check := func(phone, name, tags, status string, optedIn bool) {
		t.Helper()
		c := byPhone[phone]
		if c.Name != name || strings.Join(c.Tags, ";") != tags || c.OptInStatus != status || (c.OptInAt != nil) != optedIn {
			t.Fatalf("%s = %+v, want %q %q %s", phone, c, name, tags, status)
		}
	}
	check("+16505551234", "Ada King", "vip;lead", "OPTED_IN", true)
	check("+16505551235", "Bob", "keep", "OPTED_OUT", false)
	check("+442071838750", "Lovelace, Ada", "a;b", "OPTED_OUT", false)
	check("+5511987654322", "", "", "OPTED_IN", true)
	if len(byPhone) != 4 {
		t.Fatalf("%d contacts, want 4", len(byPhone))
	}
	if byPhone["+5511987654322"].OptInSource != "csv import" {
		t.Fatalf("opt-in source = %q", byPhone["+5511987654322"].OptInSource)
	}

	// Audited with counts, never with phone numbers.
	entry := env.DB.Client.AuditLog.Query().Where(auditlog.Action("contacts.import")).OnlyX(viewer.System(t.Context()))
	meta, _ := json.Marshal(entry.Metadata)
	if !strings.Contains(string(meta), `"created":2`) || !strings.Contains(string(meta), `"failed":6`) || strings.Contains(string(meta), "650") {
		t.Fatalf("audit metadata %s", meta)
	}
}

func TestContactImportRejectsMalformedFile(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Malformed Owner")
	ctCreate(t, env, acct.Token, map[string]any{"phone": "+16505551234", "name": "Ada"})
	row := "+16505551235,Bob,,yes\n"
	cases := map[string]string{
		"empty":             "",
		"missing header":    row,
		"wrong header":      "phone,name,labels,opt_in\n" + row,
		"header extra col":  "phone,name,tags,opt_in,email\n" + row,
		"header only phone": "phone\n" + row,
		"binary junk":       "phone,name,tags,opt_in\n" + row + "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		"invalid utf-8":     "phone,name,tags,opt_in\n" + row + "+16505551236,\xc3\x28,,\n",
		"unterminated":      "phone,name,tags,opt_in\n" + row + "+16505551236,\"Carol,,yes\n+16505551237,Dan,,\n",
		"bare quote":        "phone,name,tags,opt_in\n" + row + "+16505551236,Carol \"C\",,yes\n",
		"too many rows":     "phone,name,tags,opt_in\n" + strings.Repeat("1,,,\n", 100_001),
	}
	for name, csv := range cases {
		t.Run(name, func(t *testing.T) {
			snap := ctSnapshot(t, env)
			r := env.Query(t, acct.Token, ctImportMutation, map[string]any{"csv": csv})
			if name == "too many rows" && r.Status == 413 {
				t.Skip("the request body limit refuses the file before the row cap")
			}
			ctWantError(t, r, "BAD_USER_INPUT", "csv")
			if len(r.Errors) != 1 || r.Errors[0].Message == "" {
				t.Fatalf("want one clear error, got %+v", r.Errors)
			}
			if got := ctSnapshot(t, env); got != snap {
				t.Fatalf("contacts changed:\n%s\n→\n%s", snap, got)
			}
		})
	}
	if n := env.DB.Client.AuditLog.Query().Where(auditlog.Action("contacts.import")).CountX(viewer.System(t.Context())); n != 0 {
		t.Fatalf("%d import audit entries for rejected files", n)
	}
}

func TestContactExportImportRoundTrip(t *testing.T) {
	env := testenv.New(t)
	src := env.SignUp(t, "Export Source")
	dst := env.SignUp(t, "Export Target")
	for _, in := range []map[string]any{
		{"phone": "+16505551234", "name": `Ada "Countess" Lovelace, Esq.`, "tags": []string{"vip", "a,b"}, "optInStatus": "OPTED_IN"},
		{"phone": "+16505551235", "name": "Zoë Ünïcode 李", "optInStatus": "OPTED_OUT"},
		{"phone": "+442071838750"},
		{"phone": "+4915112345678", "name": "=1+1", "tags": []string{"x"}},
	} {
		ctCreate(t, env, src.Token, in)
	}
	// Enough rows to cross an import batch boundary.
	var b strings.Builder
	b.WriteString("phone,name,tags,opt_in\n")
	for i := range 2100 {
		fmt.Fprintf(&b, "+1415%07d,Bulk %d,t%d;bulk,%s\n", 2000000+i, i, i%7, []string{"yes", "no", ""}[i%3])
	}
	if res := ctImportCSV(t, env, src.Token, b.String()); res.Created != 2100 || res.Failed != 0 {
		t.Fatalf("bulk import %+v", res)
	}

	exported := ctExport(t, env, src.Token)
	lines := strings.Split(strings.TrimSuffix(exported, "\n"), "\n")
	if lines[0] != "phone,name,tags,opt_in" || len(lines) != 1+4+2100 {
		t.Fatalf("export has %d lines, header %q", len(lines), lines[0])
	}
	if lines[1] != `+16505551234,"Ada ""Countess"" Lovelace, Esq.","vip;a,b",yes` {
		t.Fatalf("first row %q", lines[1])
	}

	if res := ctImportCSV(t, env, dst.Token, exported); res.Created != 2104 || res.Updated != 0 || res.Failed != 0 {
		t.Fatalf("import into empty tenant %+v", res)
	}
	if again := ctExport(t, env, dst.Token); again != exported {
		t.Fatalf("export(import(export)) differs")
	}
	if res := ctImportCSV(t, env, src.Token, exported); res.Created != 0 || res.Updated != 2104 || res.Failed != 0 {
		t.Fatalf("re-import into source %+v", res)
	}
	if again := ctExport(t, env, src.Token); again != exported {
		t.Fatalf("re-importing its own export changed the tenant")
	}
	// A small file into a large tenant looks phones up batch by batch.
	small := "phone,name,tags,opt_in\n1 650 555 1235,Zoë Renamed,,\n+16505550199,New,,\n"
	if res := ctImportCSV(t, env, src.Token, small); res.Created != 1 || res.Updated != 1 || res.Failed != 0 {
		t.Fatalf("small import into large tenant %+v", res)
	}
	conn := ctList(t, env, src.Token, map[string]any{"filter": map[string]any{"search": "Zoë"}})
	if len(conn.Edges) != 1 || conn.Edges[0].Node.Name != "Zoë Renamed" || conn.Edges[0].Node.OptInStatus != "OPTED_OUT" {
		t.Fatalf("after small import: %+v", conn.Edges)
	}
	if n := env.DB.Client.AuditLog.Query().Where(auditlog.Action("contacts.export")).CountX(viewer.System(t.Context())); n != 3 {
		t.Fatalf("%d export audit entries, want 3", n)
	}
}

// Agents work contacts (API.md, Roles): every contact operation is open to
// the least privileged member role.
func TestContactsAgentMayManage(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Agent Smith")
	env.DB.Client.User.UpdateOneID(pulid.ID(acct.UserID)).SetRole(user.RoleAGENT).ExecX(viewer.System(t.Context()))
	var me struct{ Me struct{ Role string } }
	env.MustQuery(t, acct.Token, `{ me { role } }`, nil, &me)
	if me.Me.Role != "AGENT" {
		t.Fatalf("role = %s", me.Me.Role)
	}
	c := ctCreate(t, env, acct.Token, map[string]any{"phone": "+16505551234"})
	var up struct{ UpdateContact ctContact }
	env.MustQuery(t, acct.Token, ctUpdateMutation, map[string]any{"id": c.ID, "in": map[string]any{"name": "Renamed"}}, &up)
	if res := ctImportCSV(t, env, acct.Token, "phone,name,tags,opt_in\n+16505551235,B,,yes\n"); res.Created != 1 {
		t.Fatalf("agent import %+v", res)
	}
	if exp := ctExport(t, env, acct.Token); !strings.Contains(exp, "+16505551234,Renamed,,") {
		t.Fatalf("agent export %q", exp)
	}
	env.MustQuery(t, acct.Token, ctDeleteMutation, map[string]any{"id": c.ID}, nil)
	if n := ctList(t, env, acct.Token, nil).TotalCount; n != 1 {
		t.Fatalf("%d contacts left, want 1", n)
	}
}
