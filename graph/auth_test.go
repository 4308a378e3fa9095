package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/ent/auditlog"
	"switchboard/ent/tenant"
	"switchboard/internal/auth"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

const (
	ownerPassword  = "correct horse battery"
	logInMutation  = `mutation($in: LogInInput!) { logIn(input: $in) { token user { id email role } tenant { id name } } }`
	addMemberMut   = `mutation($in: AddMemberInput!) { addMember(input: $in) { id email name role createdAt } }`
	createKeyMut   = `mutation($name: String!) { createApiKey(input: {name: $name}) { secret apiKey { id name createdAt lastUsedAt } } }`
	revokeKeyMut   = `mutation($id: ID!) { revokeApiKey(id: $id) }`
	updateTenantMu = `mutation($in: UpdateTenantSettingsInput!) { updateTenantSettings(input: $in) { id name messageRetentionDays } }`
	membersQuery   = `{ members { id email name role } }`
	apiKeysQuery   = `{ apiKeys { id name lastUsedAt revokedAt } }`
)

// logInFrom posts logIn from the loopback address ip (127.0.0.0/8 is all
// local on Linux), so throttling by client IP can be observed.
func logInFrom(t *testing.T, env *testenv.Env, ip, email, password string) *testenv.Response {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	defer client.CloseIdleConnections()
	body, _ := json.Marshal(map[string]any{"query": logInMutation,
		"variables": map[string]any{"in": map[string]any{"email": email, "password": password}}})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, env.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql from %s: %v", ip, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := &testenv.Response{Status: res.StatusCode}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	return out
}

type authPayload struct {
	LogIn struct {
		Token  string
		User   struct{ ID, Email, Role string }
		Tenant struct{ ID, Name string }
	}
}

func logIn(t *testing.T, env *testenv.Env, email, password string) authPayload {
	t.Helper()
	var out authPayload
	env.MustQuery(t, "", logInMutation, map[string]any{"in": map[string]any{"email": email, "password": password}}, &out)
	return out
}

type memberOut struct{ ID, Email, Name, Role string }

func addMember(t *testing.T, env *testenv.Env, token, email, role string) memberOut {
	t.Helper()
	var out struct{ AddMember memberOut }
	env.MustQuery(t, token, addMemberMut, map[string]any{"in": map[string]any{
		"email": email, "name": "Member " + role, "role": role, "password": "member password"}}, &out)
	return out.AddMember
}

func members(t *testing.T, env *testenv.Env, token string) []memberOut {
	t.Helper()
	var out struct{ Members []memberOut }
	env.MustQuery(t, token, membersQuery, nil, &out)
	return out.Members
}

type keyOut struct {
	ID, Name              string
	LastUsedAt, RevokedAt *time.Time
}

func createKey(t *testing.T, env *testenv.Env, token, name string) (keyOut, string) {
	t.Helper()
	var out struct {
		CreateAPIKey struct {
			Secret string
			APIKey keyOut
		} `json:"createApiKey"`
	}
	env.MustQuery(t, token, createKeyMut, map[string]any{"name": name}, &out)
	return out.CreateAPIKey.APIKey, out.CreateAPIKey.Secret
}

func apiKeys(t *testing.T, env *testenv.Env, token string) []keyOut {
	t.Helper()
	var out struct{ APIKeys []keyOut }
	env.MustQuery(t, token, apiKeysQuery, nil, &out)
	return out.APIKeys
}

type tenantOut struct {
	ID, Name             string
	MessageRetentionDays int
}

func tenantOf(t *testing.T, env *testenv.Env, token string) tenantOut {
	t.Helper()
	var out struct{ Tenant tenantOut }
	env.MustQuery(t, token, `{ tenant { id name messageRetentionDays } }`, nil, &out)
	return out.Tenant
}

type auditOut struct{ Action, TargetID, ActorID string }

// auditLog returns the tenant's audit entries, newest first.
func auditLog(t *testing.T, env *testenv.Env, token string) []auditOut {
	t.Helper()
	var out struct {
		AuditLogs struct {
			Edges []struct {
				Node struct {
					Action, TargetID string
					Actor            *struct{ ID string }
				}
			}
		}
	}
	env.MustQuery(t, token, `{ auditLogs(first: 50) { edges { node { action targetId actor { id } } } } }`, nil, &out)
	var entries []auditOut
	for _, e := range out.AuditLogs.Edges {
		a := auditOut{Action: e.Node.Action, TargetID: e.Node.TargetID}
		if e.Node.Actor != nil {
			a.ActorID = e.Node.Actor.ID
		}
		entries = append(entries, a)
	}
	return entries
}

func countAction(entries []auditOut, action string) int {
	n := 0
	for _, e := range entries {
		if e.Action == action {
			n++
		}
	}
	return n
}

func wantAudit(t *testing.T, entries []auditOut, want auditOut) {
	t.Helper()
	for _, e := range entries {
		if e == want {
			return
		}
	}
	t.Fatalf("audit log lacks %+v; have %+v", want, entries)
}

func wantError(t *testing.T, r *testenv.Response, code, field string) {
	t.Helper()
	if r.Code() != code || r.Field() != field {
		t.Fatalf("want %s (field %q), got code %q field %q: %+v", code, field, r.Code(), r.Field(), r.Errors)
	}
}

// fakeClock is an injectable clock for the throttle window.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestLogInStartsSessionAndAudits(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Grace Hopper")
	out := logIn(t, env, "  Grace.Hopper@EXAMPLE.com ", ownerPassword)
	if out.LogIn.User.ID != acct.UserID || out.LogIn.Tenant.ID != acct.TenantID || out.LogIn.User.Role != "OWNER" ||
		out.LogIn.Tenant.Name != "Grace Hopper Ltd" || !strings.HasPrefix(out.LogIn.Token, "sbs_") {
		t.Fatalf("logIn = %+v", out.LogIn)
	}
	var me struct{ Me struct{ ID string } }
	env.MustQuery(t, out.LogIn.Token, `{ me { id } }`, nil, &me)
	if me.Me.ID != acct.UserID {
		t.Fatalf("me with the new token = %+v", me.Me)
	}
	wantAudit(t, auditLog(t, env, acct.Token), auditOut{Action: "auth.sign_in", TargetID: acct.UserID, ActorID: acct.UserID})
}

func TestLogInRejectsBadCredentialsAlike(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Alan Turing")
	var messages []string
	for _, tc := range []struct{ name, email, password string }{
		{"wrong password", acct.Email, "not the password"},
		{"unknown email", "nobody@example.com", ownerPassword},
		{"empty password", acct.Email, ""},
		{"malformed email", "not an email", ownerPassword},
		{"password over bcrypt's limit", acct.Email, strings.Repeat("x", 100)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Query(t, "", logInMutation, map[string]any{"in": map[string]any{"email": tc.email, "password": tc.password}})
			wantError(t, r, "UNAUTHENTICATED", "")
			messages = append(messages, r.Errors[0].Message)
		})
	}
	for _, m := range messages[1:] {
		if m != messages[0] {
			t.Fatalf("answers differ, revealing which emails exist: %q", messages)
		}
	}
	if n := countAction(auditLog(t, env, acct.Token), "auth.sign_in"); n != 0 {
		t.Fatalf("%d sign-ins audited after only failures", n)
	}
}

func TestLogInRefusesDisabledMemberAndDeletingTenant(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Edsger Dijkstra")
	agent := addMember(t, env, owner.Token, "agent@dijkstra.example.com", "AGENT")
	sys := viewer.System(context.Background())
	if err := env.DB.Client.User.UpdateOneID(pulid.ID(agent.ID)).SetDisabled(true).Exec(sys); err != nil {
		t.Fatal(err)
	}
	r := env.Query(t, "", logInMutation, map[string]any{"in": map[string]any{"email": agent.Email, "password": "member password"}})
	wantError(t, r, "UNAUTHENTICATED", "")

	logIn(t, env, owner.Email, ownerPassword) // still fine before deletion starts
	if err := env.DB.Client.Tenant.UpdateOneID(pulid.ID(owner.TenantID)).SetStatus(tenant.StatusDELETING).Exec(sys); err != nil {
		t.Fatal(err)
	}
	r = env.Query(t, "", logInMutation, map[string]any{"in": map[string]any{"email": owner.Email, "password": ownerPassword}})
	wantError(t, r, "UNAUTHENTICATED", "")
	n, err := env.DB.Client.AuditLog.Query().Where(auditlog.Action("auth.sign_in")).Count(sys)
	if err != nil || n != 1 {
		t.Fatalf("sign-ins audited = %d (%v), want only the one before deletion", n, err)
	}
}

func TestLogInThrottlesByEmail(t *testing.T) {
	env := testenv.New(t)
	clock := &fakeClock{now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	env.App.Auth.SetClock(clock.Now)
	victim := env.SignUp(t, "Barbara Liskov")
	bystander := env.SignUp(t, "Frances Allen")

	// Ten failures from ten addresses: only the email's count reaches the limit.
	for i := 0; i < auth.LoginMaxFailures; i++ {
		ip := fmt.Sprintf("127.0.0.%d", 30+i)
		wantError(t, logInFrom(t, env, ip, victim.Email, "wrong password"), "UNAUTHENTICATED", "")
		clock.Advance(time.Minute)
	}
	r := logInFrom(t, env, "127.0.0.99", victim.Email, ownerPassword)
	wantError(t, r, "RATE_LIMITED", "")
	if r.Status != http.StatusOK || len(r.Data) > 0 && string(r.Data) != "null" {
		t.Fatalf("throttled logIn answered status %d data %s", r.Status, r.Data)
	}
	// The same address may still sign someone else in.
	if r := logInFrom(t, env, "127.0.0.99", bystander.Email, ownerPassword); len(r.Errors) > 0 {
		t.Fatalf("bystander throttled: %+v", r.Errors)
	}
	// The window slides: 15 minutes after the first failure one slot frees up.
	clock.Advance(auth.LoginWindow - 10*time.Minute - time.Second)
	wantError(t, logInFrom(t, env, "127.0.0.99", victim.Email, ownerPassword), "RATE_LIMITED", "")
	clock.Advance(time.Second)
	if r := logInFrom(t, env, "127.0.0.99", victim.Email, ownerPassword); len(r.Errors) > 0 {
		t.Fatalf("logIn after the window: %+v", r.Errors)
	}
	entries := auditLog(t, env, victim.Token)
	if n := countAction(entries, "auth.sign_in"); n != 1 {
		t.Fatalf("sign-ins audited = %d, want 1 (none while throttled)", n)
	}
}

func TestLogInThrottlesByIP(t *testing.T) {
	env := testenv.New(t)
	clock := &fakeClock{now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	env.App.Auth.SetClock(clock.Now)
	acct := env.SignUp(t, "Ken Thompson")

	const attacker = "127.0.0.20"
	for i := 0; i < auth.LoginMaxFailures; i++ {
		email := "guess" + string(rune('a'+i)) + "@example.com"
		wantError(t, logInFrom(t, env, attacker, email, "guess"), "UNAUTHENTICATED", "")
	}
	wantError(t, logInFrom(t, env, attacker, acct.Email, ownerPassword), "RATE_LIMITED", "")
	if r := logInFrom(t, env, "127.0.0.21", acct.Email, ownerPassword); len(r.Errors) > 0 {
		t.Fatalf("logIn from another address: %+v", r.Errors)
	}
	clock.Advance(auth.LoginWindow + time.Second)
	if r := logInFrom(t, env, attacker, acct.Email, ownerPassword); len(r.Errors) > 0 {
		t.Fatalf("logIn after the window: %+v", r.Errors)
	}
}

func TestLogOutEndsOnlyThatSession(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Donald Knuth")
	second := logIn(t, env, acct.Email, ownerPassword).LogIn.Token

	var out struct{ LogOut bool }
	env.MustQuery(t, second, `mutation { logOut }`, nil, &out)
	if !out.LogOut {
		t.Fatal("logOut = false")
	}
	wantError(t, env.Query(t, second, `{ me { id } }`, nil), "UNAUTHENTICATED", "")
	wantError(t, env.Query(t, second, `mutation { logOut }`, nil), "UNAUTHENTICATED", "")
	env.MustQuery(t, acct.Token, `{ me { id } }`, nil, nil) // the sign-up session lives on
	wantError(t, env.Query(t, "", `mutation { logOut }`, nil), "UNAUTHENTICATED", "")

	// An API key has no session: logOut is refused and the key keeps working.
	_, secret := createKey(t, env, acct.Token, "ci")
	wantError(t, env.Query(t, secret, `mutation { logOut }`, nil), "BAD_USER_INPUT", "")
	env.MustQuery(t, secret, `{ tenant { id } }`, nil, nil)
}

func TestUpdateTenantSettings(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Niklaus Wirth")
	admin := addMember(t, env, acct.Token, "admin@wirth.example.com", "ADMIN")
	adminToken := logIn(t, env, admin.Email, "member password").LogIn.Token

	var out struct{ UpdateTenantSettings tenantOut }
	env.MustQuery(t, acct.Token, updateTenantMu, map[string]any{"in": map[string]any{"name": "  Pascal GmbH ", "messageRetentionDays": 30}}, &out)
	if got := out.UpdateTenantSettings; got.Name != "Pascal GmbH" || got.MessageRetentionDays != 30 || got.ID != acct.TenantID {
		t.Fatalf("updateTenantSettings = %+v", got)
	}
	// Every field is optional; an admin may change settings too.
	env.MustQuery(t, adminToken, updateTenantMu, map[string]any{"in": map[string]any{"messageRetentionDays": 3650}}, &out)
	if got := tenantOf(t, env, acct.Token); got.Name != "Pascal GmbH" || got.MessageRetentionDays != 3650 {
		t.Fatalf("tenant after retention-only update = %+v", got)
	}
	env.MustQuery(t, adminToken, updateTenantMu, map[string]any{"in": map[string]any{"messageRetentionDays": 1}}, &out)

	entries := auditLog(t, env, acct.Token)
	wantAudit(t, entries, auditOut{Action: "tenant.update", TargetID: acct.TenantID, ActorID: acct.UserID})
	wantAudit(t, entries, auditOut{Action: "tenant.update", TargetID: acct.TenantID, ActorID: admin.ID})
	first, err := env.DB.Client.AuditLog.Query().Where(auditlog.Action("tenant.update"), auditlog.ActorID(pulid.ID(acct.UserID))).
		Only(viewer.System(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	if fields, _ := json.Marshal(first.Metadata["fields"]); string(fields) != `["name","messageRetentionDays"]` {
		t.Fatalf("audited fields = %s", fields)
	}

	before := tenantOf(t, env, acct.Token)
	for _, tc := range []struct {
		name  string
		in    map[string]any
		field string
	}{
		{"retention zero", map[string]any{"messageRetentionDays": 0}, "messageRetentionDays"},
		{"retention negative", map[string]any{"messageRetentionDays": -5}, "messageRetentionDays"},
		{"retention over ten years", map[string]any{"messageRetentionDays": 3651}, "messageRetentionDays"},
		{"empty name", map[string]any{"name": ""}, "name"},
		{"blank name", map[string]any{"name": "   "}, "name"},
		{"name too long", map[string]any{"name": strings.Repeat("n", 201)}, "name"},
		{"good name, bad retention", map[string]any{"name": "Changed", "messageRetentionDays": 4000}, "messageRetentionDays"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, env.Query(t, acct.Token, updateTenantMu, map[string]any{"in": tc.in}), "BAD_USER_INPUT", tc.field)
			if got := tenantOf(t, env, acct.Token); got != before {
				t.Fatalf("tenant changed by a refused update: %+v, was %+v", got, before)
			}
		})
	}
	if n := countAction(auditLog(t, env, acct.Token), "tenant.update"); n != 3 {
		t.Fatalf("tenant.update entries = %d, want 3", n)
	}
}

func TestAddMemberAndMembers(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Leslie Lamport")
	other := env.SignUp(t, "Tony Hoare")

	admin := addMember(t, env, owner.Token, "  Admin@Lamport.Example.com ", "ADMIN")
	if admin.Email != "admin@lamport.example.com" || admin.Role != "ADMIN" || admin.Name != "Member ADMIN" {
		t.Fatalf("addMember = %+v", admin)
	}
	adminSession := logIn(t, env, admin.Email, "member password").LogIn
	if adminSession.User.ID != admin.ID || adminSession.Tenant.ID != owner.TenantID || adminSession.User.Role != "ADMIN" {
		t.Fatalf("new member's logIn = %+v", adminSession)
	}
	agent := addMember(t, env, adminSession.Token, "agent@lamport.example.com", "AGENT")
	coOwner := addMember(t, env, owner.Token, "co-owner@lamport.example.com", "OWNER")

	got := members(t, env, owner.Token)
	want := []string{owner.UserID, admin.ID, agent.ID, coOwner.ID}
	if len(got) != len(want) {
		t.Fatalf("members = %+v", got)
	}
	for i, m := range got {
		if m.ID != want[i] {
			t.Fatalf("members not oldest first: %+v", got)
		}
	}
	if len(members(t, env, other.Token)) != 1 {
		t.Fatal("another tenant sees these members")
	}

	entries := auditLog(t, env, owner.Token)
	wantAudit(t, entries, auditOut{Action: "member.add", TargetID: admin.ID, ActorID: owner.UserID})
	wantAudit(t, entries, auditOut{Action: "member.add", TargetID: agent.ID, ActorID: admin.ID})

	for _, tc := range []struct {
		name, token string
		in          map[string]any
		code, field string
	}{
		{"admin adds an owner", adminSession.Token, map[string]any{"email": "x@lamport.example.com", "role": "OWNER"}, "FORBIDDEN", ""},
		{"duplicate email", owner.Token, map[string]any{"email": "AGENT@lamport.example.com"}, "CONFLICT", "email"},
		{"email of another tenant", owner.Token, map[string]any{"email": other.Email}, "CONFLICT", "email"},
		{"bad email", owner.Token, map[string]any{"email": "not-an-email"}, "BAD_USER_INPUT", "email"},
		{"short password", owner.Token, map[string]any{"password": "short"}, "BAD_USER_INPUT", "password"},
		{"empty name", owner.Token, map[string]any{"name": "  "}, "BAD_USER_INPUT", "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]any{"email": "new@lamport.example.com", "name": "New", "role": "AGENT", "password": "member password"}
			for k, v := range tc.in {
				in[k] = v
			}
			wantError(t, env.Query(t, tc.token, addMemberMut, map[string]any{"in": in}), tc.code, tc.field)
			if n := len(members(t, env, owner.Token)); n != len(want) {
				t.Fatalf("members = %d after a refused addMember, want %d", n, len(want))
			}
		})
	}
	if n := countAction(auditLog(t, env, owner.Token), "member.add"); n != 3 {
		t.Fatalf("member.add entries = %d, want 3", n)
	}
}

func TestAgentIsForbiddenToAdminister(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Margaret Hamilton")
	agent := addMember(t, env, owner.Token, "agent@hamilton.example.com", "AGENT")
	agentToken := logIn(t, env, agent.Email, "member password").LogIn.Token
	key, _ := createKey(t, env, owner.Token, "existing")
	before := tenantOf(t, env, owner.Token)

	for _, tc := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"addMember", addMemberMut, map[string]any{"in": map[string]any{"email": "x@hamilton.example.com", "name": "X", "role": "AGENT", "password": "member password"}}},
		{"createApiKey", createKeyMut, map[string]any{"name": "agent key"}},
		{"revokeApiKey", revokeKeyMut, map[string]any{"id": key.ID}},
		{"updateTenantSettings", updateTenantMu, map[string]any{"in": map[string]any{"name": "Hijacked", "messageRetentionDays": 5}}},
		{"apiKeys", apiKeysQuery, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, env.Query(t, agentToken, tc.query, tc.vars), "FORBIDDEN", "")
		})
	}
	if got := members(t, env, agentToken); len(got) != 2 { // agents may see their colleagues
		t.Fatalf("members seen by the agent = %+v", got)
	}
	if got := tenantOf(t, env, owner.Token); got != before {
		t.Fatalf("tenant changed by an agent: %+v", got)
	}
	keys := apiKeys(t, env, owner.Token)
	if len(keys) != 1 || keys[0].RevokedAt != nil {
		t.Fatalf("api keys after agent attempts = %+v", keys)
	}
}

func TestAPIKeyLifecycle(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Dennis Ritchie")
	other := env.SignUp(t, "Brian Kernighan")

	first, secret := createKey(t, env, owner.Token, " zapier ")
	if !strings.HasPrefix(secret, "sbk_") || first.Name != "zapier" || first.LastUsedAt != nil {
		t.Fatalf("createApiKey = %+v, secret %q", first, secret)
	}
	second, _ := createKey(t, env, owner.Token, "backup")
	if keys := apiKeys(t, env, owner.Token); len(keys) != 2 || keys[0].ID != second.ID || keys[1].ID != first.ID {
		t.Fatalf("apiKeys not newest first: %+v", keys)
	}

	// The key authenticates as an ADMIN of its tenant.
	if got := tenantOf(t, env, secret); got.ID != owner.TenantID {
		t.Fatalf("tenant through the key = %+v", got)
	}
	if got := members(t, env, secret); len(got) != 1 || got[0].ID != owner.UserID {
		t.Fatalf("members through the key = %+v", got)
	}
	if keys := apiKeys(t, env, secret); keys[1].LastUsedAt == nil {
		t.Fatal("lastUsedAt not recorded")
	}
	third, thirdSecret := createKey(t, env, secret, "made by a key")

	// Another tenant's key and an unknown id are answered alike.
	otherKey, otherSecret := createKey(t, env, other.Token, "theirs")
	r1 := env.Query(t, owner.Token, revokeKeyMut, map[string]any{"id": otherKey.ID})
	r2 := env.Query(t, owner.Token, revokeKeyMut, map[string]any{"id": "AK01ARZ3NDEKTSV4RRFFQ69G5FAV"})
	wantError(t, r1, "NOT_FOUND", "")
	wantError(t, r2, "NOT_FOUND", "")
	if r1.Errors[0].Message != r2.Errors[0].Message {
		t.Fatalf("another tenant's key is told apart: %q vs %q", r1.Errors[0].Message, r2.Errors[0].Message)
	}
	env.MustQuery(t, otherSecret, `{ tenant { id } }`, nil, nil)

	var out struct{ RevokeAPIKey bool }
	env.MustQuery(t, owner.Token, revokeKeyMut, map[string]any{"id": first.ID}, &out)
	if !out.RevokeAPIKey {
		t.Fatal("revokeApiKey = false")
	}
	wantError(t, env.Query(t, secret, `{ tenant { id } }`, nil), "UNAUTHENTICATED", "")
	env.MustQuery(t, owner.Token, revokeKeyMut, map[string]any{"id": first.ID}, &out) // idempotent
	env.MustQuery(t, thirdSecret, `{ tenant { id } }`, nil, nil)
	keys := apiKeys(t, env, owner.Token)
	if len(keys) != 3 || keys[2].ID != first.ID || keys[2].RevokedAt == nil || keys[1].RevokedAt != nil {
		t.Fatalf("apiKeys after revoke = %+v", keys)
	}

	for _, name := range []string{"", "   ", strings.Repeat("k", 101)} {
		wantError(t, env.Query(t, owner.Token, createKeyMut, map[string]any{"name": name}), "BAD_USER_INPUT", "name")
	}
	if n := len(apiKeys(t, env, owner.Token)); n != 3 {
		t.Fatalf("apiKeys = %d after refused creates, want 3", n)
	}

	entries := auditLog(t, env, owner.Token)
	wantAudit(t, entries, auditOut{Action: "api_key.create", TargetID: first.ID, ActorID: owner.UserID})
	wantAudit(t, entries, auditOut{Action: "api_key.create", TargetID: third.ID}) // by a key, not a member
	wantAudit(t, entries, auditOut{Action: "api_key.revoke", TargetID: first.ID, ActorID: owner.UserID})
	if n := countAction(entries, "api_key.revoke"); n != 1 {
		t.Fatalf("api_key.revoke entries = %d, want 1", n)
	}
	if n := countAction(entries, "api_key.create"); n != 3 {
		t.Fatalf("api_key.create entries = %d, want 3", n)
	}
}

// TestLogInThrottleIsSharedByReplicas: failures counted on one replica
// count on every other, so replicas do not multiply an attacker's budget.
func TestLogInThrottleIsSharedByReplicas(t *testing.T) {
	a := testenv.New(t)
	b := a.Replica(t)
	victim := a.SignUp(t, "Shared Victim")
	for i := 0; i < auth.LoginMaxFailures; i++ {
		env := a
		if i%2 == 1 {
			env = b
		}
		wantError(t, logInFrom(t, env, fmt.Sprintf("127.0.0.%d", 40+i), victim.Email, "wrong password"), "UNAUTHENTICATED", "")
	}
	for _, env := range []*testenv.Env{a, b} {
		wantError(t, logInFrom(t, env, "127.0.0.99", victim.Email, ownerPassword), "RATE_LIMITED", "")
	}
}
