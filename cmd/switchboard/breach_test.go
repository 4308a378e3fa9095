package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/internal/pulid"
	"switchboard/internal/store"
	"switchboard/internal/viewer"
)

// commandDatabase is a fresh, migrated database that the commands run by
// switchboard() open (DATABASE_URL, with an ENCRYPTION_KEY as PostgreSQL
// needs), the same one the test reads and writes directly.
func commandDatabase(t *testing.T) *store.DB {
	t.Helper()
	url, db := rotateDatabase(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("ENCRYPTION_KEY", base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x07", 32))))
	t.Setenv("ENCRYPTION_KEYS_OLD", "")
	return db
}

// breachSeed writes contacts, conversations, messages and consent changes
// with chosen times around a window, and remembers every phone and name so
// that the test can check none is printed.
type breachSeed struct {
	t        *testing.T
	client   *ent.Client
	ctx      context.Context
	personal []string
	n        int
}

func (s *breachSeed) tenant(name string) pulid.ID {
	return s.client.Tenant.Create().SetName(name).SaveX(s.ctx).ID
}

// contact is a contact of the tenant created at created and last updated
// at updated.
func (s *breachSeed) contact(tenant pulid.ID, created, updated time.Time) pulid.ID {
	s.n++
	phone, name := fmt.Sprintf("+1415555%04d", s.n), fmt.Sprintf("Private Person %d", s.n)
	s.personal = append(s.personal, phone, strings.TrimPrefix(phone, "+"), name)
	return s.client.Contact.Create().SetTenantID(tenant).SetPhone(phone).SetName(name).
		SetCreatedAt(created).SetUpdatedAt(updated).SaveX(s.ctx).ID
}

// message stores a conversation of the contact, created with its message
// when the message is stored, and the message sent at timestamp.
func (s *breachSeed) message(tenant, contact pulid.ID, timestamp, stored time.Time) {
	s.n++
	ch := s.client.Channel.Create().SetTenantID(tenant).SetName("Line").SetWabaID("102290129340398").
		SetPhoneNumberID(fmt.Sprintf("3%014d", s.n)).SetDisplayPhoneNumber("+1 555 0100").
		SetCreatedAt(stored).SetUpdatedAt(stored).SaveX(s.ctx)
	cv := s.client.Conversation.Create().SetTenantID(tenant).SetContactID(contact).SetChannelID(ch.ID).
		SetCreatedAt(stored).SetUpdatedAt(stored).SaveX(s.ctx)
	text := fmt.Sprintf("private message %d", s.n)
	s.personal = append(s.personal, text)
	s.client.Message.Create().SetTenantID(tenant).SetConversationID(cv.ID).SetChannelID(ch.ID).
		SetDirection(message.DirectionINBOUND).SetType(message.TypeTEXT).SetStatus(message.StatusRECEIVED).
		SetText(text).SetTimestamp(timestamp).SetCreatedAt(stored).SetUpdatedAt(stored).SaveX(s.ctx)
}

// `switchboard breach-report` over seeded data: for each tenant, the
// distinct contacts that the named tables' rows written in [from, to) lead
// to, per table and in all, exactly; tenants with none are left out; the
// output names tenants but no contact's phone, name or message.
func TestBreachReportCommand(t *testing.T) {
	db := commandDatabase(t)
	ctx := viewer.System(context.Background())
	from := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	before, inside, after := from.Add(-48*time.Hour), from.Add(6*time.Hour), to.Add(48*time.Hour)
	s := &breachSeed{t: t, client: db.Client, ctx: ctx}

	acme := s.tenant("Acme Ltd")
	c1 := s.contact(acme, from, from)                  // created at the window's first instant
	s.contact(acme, before, inside)                    // c2: updated inside
	c3 := s.contact(acme, before, before)              // c3: only its message is inside
	c4 := s.contact(acme, before, before)              // c4: nothing inside
	s.contact(acme, to, to)                            // created at the window's end: outside
	s.message(acme, c1, inside, inside)                // c1 again, through messages
	s.message(acme, c3, inside.Add(time.Hour), before) // Meta's timestamp inside, stored before
	s.message(acme, c4, before, before)                // outside
	s.message(acme, c4, to, to.Add(time.Minute))       // at the end: outside
	s.contact(acme, after, after)                      // after the window
	beta := s.tenant("Beta GmbH")
	c6 := s.contact(beta, before, before)
	db.Client.ConsentEvent.Create().SetTenantID(beta).SetContactID(c6).SetStatus("OPTED_OUT").
		SetSource("whatsapp:keyword").SetAt(inside).ExecX(ctx)
	s.tenant("Calm Co") // nothing of it in the window
	s.contact(s.tenant("Dormant Inc"), before, before)

	window := []string{"-from", from.Format(time.RFC3339), "-to", to.Format(time.RFC3339)}
	stdout, stderr, status := switchboard(t, append([]string{"breach-report", "-tables", "contacts,messages"}, window...)...)
	noPersonalData(t, s.personal, stdout, stderr)
	if status != 0 {
		t.Fatalf("breach-report: exit %d\nstdout %s\nstderr %s", status, stdout, stderr)
	}
	wantLines(t, stdout,
		"breach of contacts, messages from 2026-11-10T00:00:00Z to 2026-11-11T00:00:00Z",
		"TENANT NAME AFFECTED CONTACTS MESSAGES",
		string(acme)+" Acme Ltd 3 2 2",
		"1 tenant, 3 contacts affected")
	if strings.Contains(stdout, "Beta") || strings.Contains(stdout, "Calm") || strings.Contains(stdout, "Dormant") {
		t.Errorf("tenants with no contact in these tables are listed:\n%s", stdout)
	}

	stdout, stderr, status = switchboard(t, append([]string{"breach-report", "-json", "-tables", "messages, consent_events,contacts,messages"}, window...)...)
	noPersonalData(t, s.personal, stdout, stderr)
	if status != 0 {
		t.Fatalf("breach-report -json: exit %d\nstderr %s", status, stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	want := map[string]any{
		"from": "2026-11-10T00:00:00Z", "to": "2026-11-11T00:00:00Z",
		"tables": []any{"messages", "consent_events", "contacts"},
		"tenants": []any{
			map[string]any{"tenantId": string(acme), "tenantName": "Acme Ltd", "contacts": 3.0,
				"byTable": map[string]any{"messages": 2.0, "consent_events": 0.0, "contacts": 2.0}},
			map[string]any{"tenantId": string(beta), "tenantName": "Beta GmbH", "contacts": 1.0,
				"byTable": map[string]any{"messages": 0.0, "consent_events": 1.0, "contacts": 0.0}},
		},
		"totalContacts": 4.0,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("breach-report -json =\n%v\nwant\n%v", got, want)
	}

	// A window no row was written in affects no one, and says so.
	stdout, _, status = switchboard(t, "breach-report", "-tables", "contacts", "-from", "2020-01-01T00:00:00Z", "-to", "2020-01-02T00:00:00+02:00")
	if status != 0 || !strings.Contains(stdout, "no tenant has contacts in these tables in this window") {
		t.Errorf("an empty window: exit %d\n%s", status, stdout)
	}
}

// Mistakes in breach-report's arguments exit 2 with the reason, before the
// database is opened.
func TestBreachReportRefusesBadInput(t *testing.T) {
	t.Setenv("DATA_DIR", t.TempDir())
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?sslmode=disable") // never reached
	ok := []string{"-from", "2026-11-10T00:00:00Z", "-to", "2026-11-11T00:00:00Z", "-tables", "contacts"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad from", []string{"-from", "yesterday", "-to", ok[3], "-tables", "contacts"}, `-from "yesterday" is not an RFC 3339 time`},
		{"date only", []string{"-from", "2026-11-10", "-to", ok[3], "-tables", "contacts"}, `-from "2026-11-10" is not an RFC 3339 time`},
		{"no to", []string{"-from", ok[1], "-tables", "contacts"}, "-to is required"},
		{"from after to", []string{"-from", ok[3], "-to", ok[1], "-tables", "contacts"}, "must be before -to"},
		{"empty window", []string{"-from", ok[1], "-to", ok[1], "-tables", "contacts"}, "must be before -to"},
		{"unknown table", []string{"-from", ok[1], "-to", ok[3], "-tables", "contacts,users"}, `unknown table "users" (known: contacts, conversations, messages, consent_events, campaign_recipients)`},
		{"no tables", []string{"-from", ok[1], "-to", ok[3]}, "no tables given"},
		{"unknown flag", append([]string{"-since", "1h"}, ok...), "flag provided but not defined: -since"},
		{"stray argument", append(append([]string{}, ok...), "now"), `unexpected argument "now"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, status := switchboard(t, append([]string{"breach-report"}, tc.args...)...)
			if status != 2 || !strings.HasPrefix(stderr, "switchboard: breach-report: ") || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 2 and a message with %q", status, stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
}

// noPersonalData fails when any output holds a phone number, name or
// message text of a contact.
func noPersonalData(t *testing.T, personal []string, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		for _, p := range personal {
			if strings.Contains(o, p) {
				t.Errorf("the output shows %q of a contact:\n%s", p, o)
			}
		}
		if strings.Contains(o, "+1415555") || strings.Contains(o, "Private Person") {
			t.Errorf("the output shows contact data:\n%s", o)
		}
	}
}

// wantLines fails unless out has these lines (whitespace-normalized), in
// order.
func wantLines(t *testing.T, out string, want ...string) {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	i := 0
	for _, w := range want {
		for i < len(lines) && lines[i] != w {
			i++
		}
		if i == len(lines) {
			t.Fatalf("output lacks line %q (in order); got\n%s", w, out)
		}
	}
}
