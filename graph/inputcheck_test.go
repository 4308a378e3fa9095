package graph_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/ent"
	"switchboard/ent/tenant"
	"switchboard/ent/user"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

// inputSnapshot is what a refused request must leave as it was: contacts,
// members, tenants and the audit log.
func inputSnapshot(t *testing.T, env *testenv.Env) string {
	t.Helper()
	sys := viewer.System(t.Context())
	var b strings.Builder
	b.WriteString(ctSnapshot(t, env))
	for _, u := range env.DB.Client.User.Query().Order(ent.Asc(user.FieldID)).AllX(sys) {
		fmt.Fprintf(&b, "\n%s|%s|%s", u.ID, u.Email, u.Name)
	}
	for _, tn := range env.DB.Client.Tenant.Query().Order(ent.Asc(tenant.FieldID)).AllX(sys) {
		fmt.Fprintf(&b, "\n%s|%s|%d", tn.ID, tn.Name, tn.MessageRetentionDays)
	}
	fmt.Fprintf(&b, "\n%d audit entries", env.DB.Client.AuditLog.Query().CountX(sys))
	return b.String()
}

// TestStringArgumentsRefuseNUL: a NUL character in any string argument is
// BAD_USER_INPUT on that argument's path, on both databases (PostgreSQL
// answered INTERNAL; SQLite stored it), and changes nothing.
func TestStringArgumentsRefuseNUL(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Nul Owner")
	contact := ctCreate(t, env, acct.Token, map[string]any{"phone": "+16505551234", "name": "Ada"})
	signUp := func(field, value string) map[string]any {
		in := map[string]any{"email": "nul.person@example.com", "password": "a long enough passphrase", "name": "Nul Person", "businessName": "Nul Ltd", "acceptTerms": true, "confirmAdult": true}
		in[field] = value
		return map[string]any{"in": in}
	}
	for _, tc := range []struct {
		name, token, query string
		vars               map[string]any
		field              string
	}{
		{"contacts search", acct.Token, `query($s: String) { contacts(filter: {search: $s}) { totalCount } }`,
			map[string]any{"s": "Ad\x00a"}, "filter.search"},
		{"contacts search, literal in the document", acct.Token, `{ contacts(filter: {search: "Ad\u0000a"}) { totalCount } }`,
			nil, "filter.search"},
		{"createContact name", acct.Token, ctCreateMutation,
			map[string]any{"in": map[string]any{"phone": "+16505550199", "name": "Bad\x00Name"}}, "input.name"},
		{"createContact tag", acct.Token, ctCreateMutation,
			map[string]any{"in": map[string]any{"phone": "+16505550199", "tags": []string{"ok", "b\x00d"}}}, "input.tags.1"},
		{"updateContact id", acct.Token, ctUpdateMutation,
			map[string]any{"id": contact.ID + "\x00", "in": map[string]any{"name": "Changed"}}, "id"},
		{"signUp email", "", signUpMutation, signUp("email", "nul.person\x00@example.com"), "input.email"},
		{"signUp name", "", signUpMutation, signUp("name", "Nul\x00Person"), "input.name"},
		{"signUp password", "", signUpMutation, signUp("password", "a long enough\x00passphrase"), "input.password"},
		{"updateTenantSettings name", acct.Token, updateTenantMu,
			map[string]any{"in": map[string]any{"name": "Renamed\x00Ltd"}}, "input.name"},
		{"logIn email", "", logInMutation,
			map[string]any{"in": map[string]any{"email": acct.Email + "\x00", "password": ownerPassword}}, "input.email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := inputSnapshot(t, env)
			r := env.Query(t, tc.token, tc.query, tc.vars)
			wantError(t, r, "BAD_USER_INPUT", tc.field)
			if !strings.Contains(r.Errors[0].Message, "NUL") {
				t.Fatalf("message %q does not say what is wrong", r.Errors[0].Message)
			}
			if after := inputSnapshot(t, env); after != before {
				t.Fatalf("a refused request changed the database:\n%s\n→\n%s", before, after)
			}
		})
	}
	// Ordinary text, non-ASCII included, still goes through.
	var out struct{ Contacts struct{ TotalCount int } }
	env.MustQuery(t, acct.Token, `query($s: String) { contacts(filter: {search: $s}) { totalCount } }`, map[string]any{"s": "Ada"}, &out)
	if out.Contacts.TotalCount != 1 {
		t.Fatalf("search for Ada found %d", out.Contacts.TotalCount)
	}
	ctCreate(t, env, acct.Token, map[string]any{"phone": "+16505550198", "name": "Zoë Ørsted 李"})
}

// TestDocumentLiteralRefusesInvalidUTF8: JSON bodies cannot carry invalid
// UTF-8 (decoding replaces it), but a GET request's query string can put it
// in a string literal of the document itself.
func TestDocumentLiteralRefusesInvalidUTF8(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Utf Owner")
	q := url.Values{"query": {"{ contacts(filter: {search: \"Ad\xffa\"}) { totalCount } }"}}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, env.Server.URL+"/graphql?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+acct.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r testenv.Response
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	if len(r.Errors) == 0 {
		t.Fatalf("invalid UTF-8 accepted: %s", raw)
	}
	// The parser may refuse it first (no code: a GraphQL syntax error);
	// if it gets through to the field, it is BAD_USER_INPUT on the argument.
	if c := r.Code(); c != "" && (c != "BAD_USER_INPUT" || r.Field() != "filter.search") {
		t.Fatalf("invalid UTF-8 answered %s on %q: %s", c, r.Field(), raw)
	}
}

// TestMalformedCursorIsBadInput: an after/before cursor that does not
// decode is BAD_USER_INPUT on that argument, for every connection (top
// level and nested, as a literal or a variable), never INTERNAL.
func TestMalformedCursorIsBadInput(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Cursor Owner")
	ctCreate(t, env, acct.Token, map[string]any{"phone": "+16505551234", "name": "Ada"})
	notMsgpack := "bm90IGEgY3Vyc29y" // base64 of "not a cursor"
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		field       string
	}{
		{"contacts after, not base64", `{ contacts(after: "%%%") { totalCount } }`, nil, "after"},
		{"contacts before, not msgpack", `query($c: Cursor) { contacts(before: $c, last: 5) { totalCount } }`, map[string]any{"c": notMsgpack}, "before"},
		{"conversations after", `query($c: Cursor) { conversations(after: $c) { totalCount } }`, map[string]any{"c": "garbage"}, "after"},
		{"auditLogs before", `query($c: Cursor) { auditLogs(before: $c, last: 1) { totalCount } }`, map[string]any{"c": notMsgpack}, "before"},
		{"nested contact conversations after", `query($c: Cursor) { contacts { edges { node { conversations(after: $c) { totalCount } } } } }`,
			map[string]any{"c": "garbage"}, "after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Query(t, acct.Token, tc.query, tc.vars)
			wantError(t, r, "BAD_USER_INPUT", tc.field)
			if !strings.Contains(r.Errors[0].Message, "cursor") {
				t.Fatalf("message %q does not name the cursor", r.Errors[0].Message)
			}
		})
	}
	// A cursor the connection returned still pages.
	var page struct{ Contacts ctConnection }
	env.MustQuery(t, acct.Token, `{ contacts(first: 1) { totalCount pageInfo { endCursor } edges { cursor node { id } } } }`, nil, &page)
	env.MustQuery(t, acct.Token, `query($c: Cursor) { contacts(after: $c) { totalCount } }`, map[string]any{"c": page.Contacts.PageInfo.EndCursor}, nil)
}
