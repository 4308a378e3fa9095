package graph_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/ent/auditlog"
	"switchboard/ent/job"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim/graphapi"
)

const prFields = `id kind status source outcome confirmationCode dueAt completedAt export exportCsv contact { id }`

type prOut struct {
	ID, Kind, Status, Source, ConfirmationCode string
	Outcome                                    *string
	DueAt                                      time.Time
	CompletedAt                                *time.Time
	Export                                     json.RawMessage
	ExportCsv                                  *string
	Contact                                    *struct{ ID string }
}

// requestPrivacy records a request and returns it as created.
func requestPrivacy(t *testing.T, env *testenv.Env, token string, in map[string]any) prOut {
	t.Helper()
	var out struct{ CreatePrivacyRequest prOut }
	env.MustQuery(t, token, `mutation($in: CreatePrivacyRequestInput!) { createPrivacyRequest(input: $in) { `+prFields+` } }`,
		map[string]any{"in": in}, &out)
	return out.CreatePrivacyRequest
}

// finished waits for the request's job to finish it and returns it.
func finished(t *testing.T, env *testenv.Env, token, id string) prOut {
	t.Helper()
	var pr prOut
	testwait.For(t, 20*time.Second, "the privacy request to finish", func() bool {
		env.App.Jobs.Notify()
		var out struct{ Node prOut }
		env.MustQuery(t, token, `query($id: ID!) { node(id: $id) { ... on PrivacyRequest { `+prFields+` } } }`,
			map[string]any{"id": id}, &out)
		pr = out.Node
		return pr.Status == "COMPLETED" || pr.Status == "REJECTED"
	})
	return pr
}

// contactID returns the id of the tenant's contact with phone.
func contactID(t *testing.T, env *testenv.Env, token, phone string) string {
	t.Helper()
	var out struct{ Contacts ctConnection }
	env.MustQuery(t, token, `query($s: String) { contacts(first: 5, filter: {search: $s}) { edges { node { id phone } } } }`,
		map[string]any{"s": phone}, &out)
	for _, e := range out.Contacts.Edges {
		if e.Node.Phone == phone {
			return e.Node.ID
		}
	}
	t.Fatalf("no contact %s", phone)
	return ""
}

// The subject: the customer who sends the image (sendImage's sender).
const (
	subjectPhone = "+15551230001"
	subjectName  = "Zenobia Quintessa"
	subjectText  = "my secret order number is zq-4471-marker"
	otherPhone   = "+14155550999"
	otherText    = "bob keeps this message"
)

// seedSubject gives the tenant two customers: the subject, with a text
// message, an image, an opt-in and an export already produced; and another
// customer who must keep everything.
func seedSubject(t *testing.T) (*testenv.Env, testenv.Account, []byte) {
	env, meta := testenv.NewWithMeta(t, graphapi.Config{})
	owner := env.SignUp(t, "Privacy Owner")
	connect(t, env, owner.Token, mediaNumber)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	deliver(t, env, textWebhook(mediaNumber, strings.TrimPrefix(subjectPhone, "+"), subjectName, "wamid.subject.1", subjectText, t0))
	deliver(t, env, textWebhook(mediaNumber, strings.TrimPrefix(otherPhone, "+"), "Bob Other", "wamid.other.1", otherText, t0))
	image := pngOf(t, 23, 17)
	sendImage(t, env, meta, graphapi.MediaFile{Data: image, MIMEType: "image/png"})
	testwait.For(t, 30*time.Second, "the image to be stored", func() bool {
		env.App.Jobs.Notify()
		for _, m := range inboundMedia(t, env, owner.Token) {
			if m.Type == "IMAGE" && m.Media.State == "STORED" {
				return true
			}
		}
		return false
	})
	id := contactID(t, env, owner.Token, subjectPhone)
	env.MustQuery(t, owner.Token, `mutation($id: ID!) { updateContact(id: $id, input: {optInStatus: OPTED_IN, optInSource: "signup form"}) { id } }`,
		map[string]any{"id": id}, nil)
	return env, owner, image
}

func TestPrivacyExportHoldsTheSubjectAndNoOneElse(t *testing.T) {
	env, owner, image := seedSubject(t)
	id := contactID(t, env, owner.Token, subjectPhone)
	pr := requestPrivacy(t, env, owner.Token, map[string]any{"kind": "EXPORT", "phone": subjectPhone, "details": "asked by email"})
	if pr.Status != "RECEIVED" || pr.Source != "DASHBOARD" || len(pr.ConfirmationCode) < 20 ||
		time.Until(pr.DueAt) < 29*24*time.Hour || pr.Contact == nil || pr.Contact.ID != id {
		t.Fatalf("created: %+v", pr)
	}
	pr = finished(t, env, owner.Token, pr.ID)
	if pr.Status != "COMPLETED" || pr.CompletedAt == nil || pr.Outcome == nil {
		t.Fatalf("finished: %+v", pr)
	}
	var doc struct {
		Format  string
		Contact struct {
			ID, Phone, ProfileName, OptInStatus string
		}
		ConsentHistory []struct{ Status, Source string }
		Conversations  []struct {
			Messages []struct {
				Direction, Type, Text string
				Media                 *struct {
					MimeType, SHA256, State, MediaURL string
					Size                              int64
				}
			}
		}
		CampaignRecipients []any
		AuditEntries       []struct{ Action string }
	}
	if err := json.Unmarshal(pr.Export, &doc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if doc.Format != "switchboard.privacy-export.v1" || doc.Contact.ID != id || doc.Contact.Phone != subjectPhone ||
		doc.Contact.ProfileName == "" || doc.Contact.OptInStatus != "OPTED_IN" {
		t.Fatalf("document: %+v", doc)
	}
	if len(doc.ConsentHistory) != 1 || doc.ConsentHistory[0].Status != "OPTED_IN" || doc.ConsentHistory[0].Source != "signup form" {
		t.Fatalf("consent history: %+v", doc.ConsentHistory)
	}
	var texts []string
	var mediaURL string
	for _, c := range doc.Conversations {
		for _, m := range c.Messages {
			texts = append(texts, m.Text)
			if m.Media != nil {
				mediaURL = m.Media.MediaURL
			}
		}
	}
	if len(doc.Conversations) != 1 || len(texts) != 2 || texts[0] != subjectText || mediaURL == "" {
		t.Fatalf("conversations: %+v", doc.Conversations)
	}
	if res, body := get(t, env, onServer(t, env, mediaURL), ""); res.StatusCode != 200 || !bytes.Equal(body, image) {
		t.Fatalf("the export's media link: %d, %d bytes", res.StatusCode, len(body))
	}
	// So is fetching the file, even through a link that names no member.
	if n := env.DB.Client.AuditLog.Query().Where(auditlog.Action("media.download")).CountX(viewer.System(t.Context())); n != 1 {
		t.Fatalf("%d media.download audit entries after one download", n)
	}
	if bytes.Contains(pr.Export, []byte(otherText)) || bytes.Contains(pr.Export, []byte(strings.TrimPrefix(otherPhone, "+"))) {
		t.Fatalf("the export holds another customer's data: %s", pr.Export)
	}
	if pr.ExportCsv == nil || *pr.ExportCsv != "phone,name,tags,opt_in\n"+subjectPhone+",,,yes\n" {
		t.Fatalf("exportCsv = %q", deref(pr.ExportCsv))
	}
	// Reading the export is itself in the audit log.
	ctx := viewer.System(t.Context())
	if n := env.DB.Client.AuditLog.Query().Where(auditlog.Action("privacy.export")).CountX(ctx); n < 2 {
		t.Fatalf("%d privacy.export audit entries, want the JSON and CSV reads", n)
	}
	if n := env.DB.Client.AuditLog.Query().Where(auditlog.Action("privacy.request")).CountX(ctx); n != 1 {
		t.Fatalf("%d privacy.request audit entries", n)
	}

	// The document is deleted 30 days after it was made (the job's time
	// is moved to now, as if they had passed); the request stays.
	expire := env.DB.Client.Job.Query().Where(job.Kind("privacy.expire_export")).OnlyX(ctx)
	if d := time.Until(expire.RunAt); d < 29*24*time.Hour || d > 30*24*time.Hour {
		t.Fatalf("the export expires in %v", d)
	}
	env.DB.Client.Job.UpdateOne(expire).SetRunAt(time.Now().Add(-time.Second)).ExecX(ctx)
	testwait.For(t, 20*time.Second, "the export to expire", func() bool {
		env.App.Jobs.Notify()
		var out struct{ Node prOut }
		env.MustQuery(t, owner.Token, `query($id: ID!) { node(id: $id) { ... on PrivacyRequest { `+prFields+` } } }`,
			map[string]any{"id": pr.ID}, &out)
		return out.Node.Status == "COMPLETED" && (len(out.Node.Export) == 0 || string(out.Node.Export) == "null") && out.Node.ExportCsv == nil
	})
}

func TestPrivacyDeletionLeavesNoTrace(t *testing.T) {
	env, owner, image := seedSubject(t)
	export := requestPrivacy(t, env, owner.Token, map[string]any{"kind": "ACCESS", "phone": subjectPhone,
		"details": "emailed by " + subjectName})
	if pr := finished(t, env, owner.Token, export.ID); pr.Status != "COMPLETED" || !bytes.Contains(pr.Export, []byte(subjectText)) {
		t.Fatalf("access: %+v", pr)
	}
	del := requestPrivacy(t, env, owner.Token, map[string]any{"kind": "DELETION", "contactId": contactID(t, env, owner.Token, subjectPhone)})
	pr := finished(t, env, owner.Token, del.ID)
	if pr.Status != "COMPLETED" || pr.Contact != nil || pr.ConfirmationCode != del.ConfirmationCode {
		t.Fatalf("deletion: %+v", pr)
	}

	// The other customer keeps everything, raw webhook included.
	var box inbox
	env.MustQuery(t, owner.Token, inboxQuery, nil, &box)
	if box.Conversations.TotalCount != 1 || box.Conversations.Edges[0].Node.LastMessage.Text != otherText {
		t.Fatalf("inbox after the erasure: %+v", box)
	}
	// The subject is in no row of any table, raw payloads and jobs
	// included, nor (embedded mode) in the database files' bytes. The WAL
	// is checkpointed just after the erasure commits: give it a moment.
	digits := strings.TrimPrefix(subjectPhone, "+")
	var left []string
	gone := testwait.Until(10*time.Second, func() bool {
		dump := databaseDump(t, env)
		if !bytes.Contains(dump, []byte(otherText)) && !bytes.Contains(dump, []byte(hex.EncodeToString([]byte(otherText)))) {
			t.Fatal("the other customer's message is gone from the database")
		}
		left = left[:0]
		for _, marker := range []string{digits, subjectName, subjectText, "the broken part"} {
			if bytes.Contains(dump, []byte(marker)) || bytes.Contains(dump, []byte(hex.EncodeToString([]byte(marker)))) {
				left = append(left, marker)
			}
		}
		return len(left) == 0
	})
	if !gone {
		t.Errorf("still in the database: %q", left)
	}
	// No stored file holds the image.
	_ = filepath.WalkDir(env.Config.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(path); bytes.Contains(b, image) {
				t.Errorf("the image is still stored at %s", path)
			}
		}
		return nil
	})
	// The erasure is audited, and the request keeps its code for the
	// person to check.
	ctx := viewer.System(t.Context())
	if n := env.DB.Client.AuditLog.Query().Where(auditlog.Action("privacy.erase")).CountX(ctx); n != 1 {
		t.Fatalf("%d privacy.erase audit entries", n)
	}
	var out struct {
		PrivacyRequests struct{ Edges []struct{ Node prOut } }
	}
	env.MustQuery(t, owner.Token, `{ privacyRequests(first: 10) { edges { node { `+prFields+` } } } }`, nil, &out)
	if len(out.PrivacyRequests.Edges) != 2 || out.PrivacyRequests.Edges[0].Node.ID != del.ID ||
		out.PrivacyRequests.Edges[1].Node.Export != nil && string(out.PrivacyRequests.Edges[1].Node.Export) != "null" {
		t.Fatalf("requests after the erasure: %+v", out.PrivacyRequests.Edges)
	}
}

// databaseDump is every row of every table of the test's database as text
// (PostgreSQL: bytea as hex), or, embedded, the bytes of the database file
// and its WAL: what a copy of the database would give away.
func databaseDump(t *testing.T, env *testenv.Env) []byte {
	t.Helper()
	ctx := t.Context()
	if env.DB.Dialect != "postgres" {
		var file string
		if err := env.DB.SQL.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
			t.Fatal(err)
		}
		var out []byte
		for _, f := range []string{file, file + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			out = append(out, b...)
		}
		return out
	}
	var out bytes.Buffer
	for _, table := range queryStrings(t, env, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`) {
		for _, row := range queryStrings(t, env, `SELECT t::text FROM "`+table+`" t`) {
			out.WriteString(row + "\n")
		}
	}
	return out.Bytes()
}

// queryStrings runs a query of one text column and returns its values.
func queryStrings(t *testing.T, env *testenv.Env, q string, args ...any) []string {
	t.Helper()
	rows, err := env.DB.SQL.QueryContext(t.Context(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

const consentQuery = `query($id: ID!) { node(id: $id) { ... on Contact { optInStatus restricted name phone
  consentHistory { status source at } } } }`

type consentContact struct {
	OptInStatus    string
	Restricted     bool
	Name, Phone    string
	ConsentHistory []struct {
		Status, Source string
		At             time.Time
	}
}

func readContact(t *testing.T, env *testenv.Env, token, id string) consentContact {
	t.Helper()
	var out struct{ Node consentContact }
	env.MustQuery(t, token, consentQuery, map[string]any{"id": id}, &out)
	return out.Node
}

// Every opt-in and opt-out is in the contact's consent history with its
// source: the API, an import, the customer's keywords, an objection.
func TestConsentHistoryRecordsEveryChange(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Consent Owner")
	connect(t, env, owner.Token, "7001")
	var created struct{ CreateContact struct{ ID string } }
	env.MustQuery(t, owner.Token, `mutation { createContact(input: {phone: "+14155550123", optInStatus: OPTED_IN}) { id } }`, nil, &created)
	id := created.CreateContact.ID
	env.MustQuery(t, owner.Token, `mutation { importContacts(csv: "phone,name,tags,opt_in\n+14155550123,Alice,,no\n") { updated } }`, nil, nil)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	deliver(t, env, textWebhook("7001", "14155550123", "Alice", "wamid.c1", "START", t0))
	processed(t, env)
	deliver(t, env, textWebhook("7001", "14155550123", "Alice", "wamid.c2", "STOP", t0.Add(time.Minute)))
	processed(t, env)
	// A redelivered STOP is the same decision, not another change.
	deliver(t, env, textWebhook("7001", "14155550123", "Alice", "wamid.c2", "STOP", t0.Add(time.Minute)))
	processed(t, env)
	pr := requestPrivacy(t, env, owner.Token, map[string]any{"kind": "OBJECTION", "contactId": id, "details": "phoned in"})
	if pr = finished(t, env, owner.Token, pr.ID); pr.Status != "COMPLETED" {
		t.Fatalf("objection: %+v", pr)
	}
	got := readContact(t, env, owner.Token, id)
	var steps []string
	for _, h := range got.ConsentHistory {
		steps = append(steps, h.Status+" "+h.Source)
	}
	want := []string{"OPTED_IN api", "OPTED_OUT csv import", "OPTED_IN whatsapp:keyword", "OPTED_OUT whatsapp:keyword", "OPTED_OUT privacy:objection"}
	if strings.Join(steps, "|") != strings.Join(want, "|") || got.OptInStatus != "OPTED_OUT" {
		t.Fatalf("consent history %q (%s), want %q", steps, got.OptInStatus, want)
	}
}

func TestPrivacyCorrectionAndRestriction(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Correction Owner")
	var created struct{ A, B struct{ ID string } }
	env.MustQuery(t, owner.Token, `mutation {
		a: createContact(input: {phone: "+14155550123", name: "Alise Mispelled"}) { id }
		b: createContact(input: {phone: "+14155550124", name: "Bob"}) { id } }`, nil, &created)
	pr := requestPrivacy(t, env, owner.Token, map[string]any{"kind": "CORRECTION", "contactId": created.A.ID,
		"correction": map[string]any{"name": "Alice Spelled", "phone": "+1 415 555 0125"}})
	if pr = finished(t, env, owner.Token, pr.ID); pr.Status != "COMPLETED" || deref(pr.Outcome) != "Corrected: name, phone." {
		t.Fatalf("correction: %+v %s", pr, deref(pr.Outcome))
	}
	if c := readContact(t, env, owner.Token, created.A.ID); c.Name != "Alice Spelled" || c.Phone != "+14155550125" {
		t.Fatalf("corrected contact: %+v", c)
	}
	// A correction to a phone another contact holds is refused, with why,
	// and changes nothing.
	pr = requestPrivacy(t, env, owner.Token, map[string]any{"kind": "CORRECTION", "contactId": created.A.ID,
		"correction": map[string]any{"phone": "+14155550124"}})
	if pr = finished(t, env, owner.Token, pr.ID); pr.Status != "REJECTED" || !strings.Contains(deref(pr.Outcome), "another contact") {
		t.Fatalf("conflicting correction: %+v %s", pr, deref(pr.Outcome))
	}
	if c := readContact(t, env, owner.Token, created.A.ID); c.Phone != "+14155550125" {
		t.Fatalf("after the refused correction: %+v", c)
	}

	pr = requestPrivacy(t, env, owner.Token, map[string]any{"kind": "RESTRICTION", "phone": "+14155550124"})
	if pr = finished(t, env, owner.Token, pr.ID); pr.Status != "COMPLETED" {
		t.Fatalf("restriction: %+v", pr)
	}
	if c := readContact(t, env, owner.Token, created.B.ID); !c.Restricted {
		t.Fatalf("restricted contact: %+v", c)
	}
}

func TestPrivacyRequestBadInputs(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Input Owner")
	other := env.SignUp(t, "Other Tenant")
	var created, theirs struct{ CreateContact struct{ ID string } }
	env.MustQuery(t, owner.Token, `mutation { createContact(input: {phone: "+14155550123"}) { id } }`, nil, &created)
	env.MustQuery(t, other.Token, `mutation { createContact(input: {phone: "+14155550124"}) { id } }`, nil, &theirs)
	agentEmail := "agent@input.example.com"
	addMember(t, env, owner.Token, agentEmail, "AGENT")
	agent := logIn(t, env, agentEmail, "member password").LogIn.Token
	mine := created.CreateContact.ID
	const mut = `mutation($in: CreatePrivacyRequestInput!) { createPrivacyRequest(input: $in) { id } }`
	for _, c := range []struct {
		what, token string
		in          map[string]any
		code, field string
	}{
		{"both subjects", owner.Token, map[string]any{"kind": "ACCESS", "contactId": mine, "phone": "+14155550123"}, "BAD_USER_INPUT", "contactId"},
		{"no subject", owner.Token, map[string]any{"kind": "ACCESS"}, "BAD_USER_INPUT", "contactId"},
		{"an unknown phone", owner.Token, map[string]any{"kind": "ACCESS", "phone": "+14155550199"}, "NOT_FOUND", ""},
		{"a bad phone", owner.Token, map[string]any{"kind": "ACCESS", "phone": "call me"}, "BAD_USER_INPUT", "phone"},
		{"another tenant's contact", owner.Token, map[string]any{"kind": "DELETION", "contactId": theirs.CreateContact.ID}, "NOT_FOUND", ""},
		{"details too long", owner.Token, map[string]any{"kind": "ACCESS", "contactId": mine, "details": strings.Repeat("x", 2001)}, "BAD_USER_INPUT", "details"},
		{"a correction without values", owner.Token, map[string]any{"kind": "CORRECTION", "contactId": mine}, "BAD_USER_INPUT", "correction"},
		{"values on another kind", owner.Token, map[string]any{"kind": "DELETION", "contactId": mine, "correction": map[string]any{"name": "x"}}, "BAD_USER_INPUT", "correction"},
		{"a bad corrected phone", owner.Token, map[string]any{"kind": "CORRECTION", "contactId": mine, "correction": map[string]any{"phone": "12"}}, "BAD_USER_INPUT", "phone"},
		{"an agent", agent, map[string]any{"kind": "ACCESS", "contactId": mine}, "FORBIDDEN", ""},
		{"no token", "", map[string]any{"kind": "ACCESS", "contactId": mine}, "UNAUTHENTICATED", ""},
	} {
		res := env.Query(t, c.token, mut, map[string]any{"in": c.in})
		if res.Code() != c.code || c.field != "" && res.Field() != c.field {
			t.Errorf("%s: %s %s, want %s %s", c.what, res.Code(), res.Field(), c.code, c.field)
		}
	}
	ctx := viewer.System(t.Context())
	if n := env.DB.Client.PrivacyRequest.Query().CountX(ctx); n != 0 {
		t.Fatalf("%d requests recorded from bad inputs", n)
	}
	// An agent reads no request, even by id through node.
	pr := requestPrivacy(t, env, owner.Token, map[string]any{"kind": "ACCESS", "contactId": mine})
	finished(t, env, owner.Token, pr.ID)
	res := env.Query(t, agent, `query($id: ID!) { node(id: $id) { ... on PrivacyRequest { export } } }`, map[string]any{"id": pr.ID})
	if res.Code() != "FORBIDDEN" {
		t.Fatalf("an agent reading an export: %s", res.Code())
	}
	if res := env.Query(t, agent, `{ privacyRequests(first: 5) { totalCount } }`, nil); res.Code() != "FORBIDDEN" {
		t.Fatalf("an agent listing requests: %s", res.Code())
	}
	// The other tenant sees none of them.
	var list struct{ PrivacyRequests struct{ TotalCount int } }
	env.MustQuery(t, other.Token, `{ privacyRequests(first: 5) { totalCount } }`, nil, &list)
	if list.PrivacyRequests.TotalCount != 0 {
		t.Fatalf("another tenant lists %d requests", list.PrivacyRequests.TotalCount)
	}
}

// Audit entries show their metadata, and nothing but the server's own
// purges can change or remove them.
func TestAuditLogShowsMetadataAndIsImmutable(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Audit Owner")
	env.MustQuery(t, owner.Token, `mutation { importContacts(csv: "phone,name,tags,opt_in\n+14155550123,Alice,,yes\n") { created } }`, nil, nil)
	var out struct {
		AuditLogs struct {
			Edges []struct {
				Node struct {
					ID, Action string
					Metadata   map[string]any
				}
			}
		}
	}
	env.MustQuery(t, owner.Token, `{ auditLogs(first: 5, filter: {action: "contacts.import"}) { edges { node { id action metadata } } } }`, nil, &out)
	if len(out.AuditLogs.Edges) != 1 || out.AuditLogs.Edges[0].Node.Metadata["created"] != float64(1) {
		t.Fatalf("import entry: %+v", out.AuditLogs.Edges)
	}
	id := pulid.ID(out.AuditLogs.Edges[0].Node.ID)
	member := viewer.NewContext(t.Context(), viewer.Viewer{TenantID: pulid.ID(owner.TenantID), UserID: pulid.ID(owner.UserID), Role: viewer.RoleOwner})
	if err := env.DB.Client.AuditLog.UpdateOneID(id).Exec(member); err == nil {
		t.Fatal("a member's context changed an audit entry")
	}
	if err := env.DB.Client.AuditLog.UpdateOneID(id).Exec(viewer.System(t.Context())); err == nil {
		t.Fatal("even the system may not change an audit entry")
	}
	if _, err := env.DB.Client.AuditLog.Delete().Exec(member); err == nil {
		t.Fatal("a member's context deleted audit entries")
	}
	if n := env.DB.Client.AuditLog.Query().Where(auditlog.ID(id)).CountX(viewer.System(t.Context())); n != 1 {
		t.Fatal("the entry is gone")
	}
}
