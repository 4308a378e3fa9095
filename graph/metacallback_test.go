package graph_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/ent/auditlog"
	"switchboard/ent/channel"
	"switchboard/internal/pulid"
	"switchboard/internal/signedrequest"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

// signed is a signed_request from Meta for user, issued at at.
func signed(user string, at time.Time) string {
	return signedrequest.Sign(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": at.Unix(), "user_id": user},
		[]byte(testenv.AppSecret))
}

// postCallback posts form to one of Meta's callback endpoints.
func postCallback(t *testing.T, env *testenv.Env, path string, form url.Values) (int, map[string]string) {
	t.Helper()
	res, err := http.PostForm(env.Server.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out map[string]string
	_ = json.Unmarshal(body, &out)
	return res.StatusCode, out
}

func getStatus(t *testing.T, env *testenv.Env, code, accept string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.Server.URL+"/privacy/deletion-status/"+url.PathEscape(code), nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// connectAs connects a number for the account as the given Meta user.
func connectAs(t *testing.T, env *testenv.Env, token, phoneNumberID, metaUser string) channelOut {
	t.Helper()
	in := connectInput(phoneNumberID)
	in["metaUserId"] = metaUser
	var out struct{ ConnectWhatsApp channelOut }
	env.MustQuery(t, token, connectMutation, map[string]any{"in": in}, &out)
	return out.ConnectWhatsApp
}

// Meta's data-deletion callback for a user who connected numbers in two
// tenants revokes those channels, erases their tokens and the link to the
// user, answers a code whose status page says it is done, and leaves
// everyone else's channels alone.
func TestMetaDataDeletionCallback(t *testing.T) {
	env := testenv.New(t)
	a, b := env.SignUp(t, "Tenant A"), env.SignUp(t, "Tenant B")
	chA := connectAs(t, env, a.Token, "8001", "77001")
	chB := connectAs(t, env, b.Token, "8002", "77001")
	keep := connectAs(t, env, b.Token, "8003", "77002")

	code, out := postCallback(t, env, "/meta/data-deletion", url.Values{"signed_request": {signed("77001", time.Now())}})
	if code != 200 || len(out["confirmation_code"]) < 20 ||
		out["url"] != env.Config.PublicBaseURL+"/privacy/deletion-status/"+out["confirmation_code"] {
		t.Fatalf("callback answered %d %v", code, out)
	}
	ctx := viewer.System(t.Context())
	for _, id := range []string{chA.ID, chB.ID} {
		ch := env.DB.Client.Channel.GetX(ctx, pulid.ID(id))
		if ch.Status != channel.StatusREVOKED || ch.AccessTokenCiphertext != nil || ch.MetaUserID != "" {
			t.Fatalf("channel %s after the callback: %s token %v user %q", id, ch.Status, ch.AccessTokenCiphertext != nil, ch.MetaUserID)
		}
	}
	if ch := env.DB.Client.Channel.GetX(ctx, pulid.ID(keep.ID)); ch.Status != channel.StatusCONNECTED || ch.MetaUserID != "77002" {
		t.Fatalf("another user's channel: %s %q", ch.Status, ch.MetaUserID)
	}
	for _, tenant := range []string{a.TenantID, b.TenantID} {
		n := env.DB.Client.AuditLog.Query().Where(auditlog.TenantID(pulid.ID(tenant)), auditlog.Action("channel.disconnect")).CountX(ctx)
		if n != 1 {
			t.Fatalf("tenant %s has %d channel.disconnect entries", tenant, n)
		}
	}
	mc := env.DB.Client.MetaCallback.Query().OnlyX(ctx)
	if mc.MetaUserID != "" || mc.Channels != 2 || mc.Tenants != 2 {
		t.Fatalf("the callback's record: %+v", mc)
	}

	status, body := getStatus(t, env, out["confirmation_code"], "")
	var st map[string]any
	if err := json.Unmarshal([]byte(body), &st); err != nil || status != 200 ||
		st["confirmation_code"] != out["confirmation_code"] || st["status"] != "COMPLETED" {
		t.Fatalf("status: %d %s", status, body)
	}
	if status, body := getStatus(t, env, out["confirmation_code"], "text/html"); status != 200 || !strings.Contains(body, "Your data was deleted") {
		t.Fatalf("status page: %d %s", status, body)
	}

	// A user Switchboard does not know still gets a recorded request and
	// a code; deauthorize revokes the rest.
	code, unknown := postCallback(t, env, "/meta/data-deletion", url.Values{"signed_request": {signed("99999", time.Now())}})
	if code != 200 || unknown["confirmation_code"] == "" || unknown["confirmation_code"] == out["confirmation_code"] {
		t.Fatalf("unknown user: %d %v", code, unknown)
	}
	if status, _ := getStatus(t, env, unknown["confirmation_code"], ""); status != 200 {
		t.Fatalf("unknown user's status: %d", status)
	}
	if code, _ := postCallback(t, env, "/meta/deauthorize", url.Values{"signed_request": {signed("77002", time.Now())}}); code != 200 {
		t.Fatalf("deauthorize: %d", code)
	}
	if ch := env.DB.Client.Channel.GetX(ctx, pulid.ID(keep.ID)); ch.Status != channel.StatusREVOKED || ch.AccessTokenCiphertext != nil {
		t.Fatalf("after deauthorize: %s", ch.Status)
	}
}

// A signed_request that is not Meta's, or not fresh, is refused and
// changes nothing.
func TestMetaCallbacksRefuseBadRequests(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Callback Owner")
	ch := connectAs(t, env, owner.Token, "8101", "77001")
	now := time.Now()
	for name, form := range map[string]url.Values{
		"no field":        {},
		"empty":           {"signed_request": {""}},
		"garbage":         {"signed_request": {"not.signed"}},
		"wrong secret":    {"signed_request": {signedrequest.Sign(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now.Unix(), "user_id": "77001"}, []byte("not the secret"))}},
		"other algorithm": {"signed_request": {signedrequest.Sign(map[string]any{"algorithm": "none", "issued_at": now.Unix(), "user_id": "77001"}, []byte(testenv.AppSecret))}},
		"stale":           {"signed_request": {signed("77001", now.Add(-25*time.Hour))}},
		"from the future": {"signed_request": {signed("77001", now.Add(time.Hour))}},
	} {
		for _, path := range []string{"/meta/data-deletion", "/meta/deauthorize"} {
			if code, out := postCallback(t, env, path, form); code != 400 || out["error"] == "" {
				t.Errorf("%s to %s: %d %v", name, path, code, out)
			}
		}
	}
	res, err := http.Post(env.Server.URL+"/meta/data-deletion", "application/x-www-form-urlencoded",
		strings.NewReader("signed_request="+strings.Repeat("a", 20<<10)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 20 KiB body: %d", res.StatusCode)
	}
	ctx := viewer.System(t.Context())
	if n := env.DB.Client.MetaCallback.Query().CountX(ctx); n != 0 {
		t.Fatalf("%d callbacks recorded from bad requests", n)
	}
	if c := env.DB.Client.Channel.GetX(ctx, pulid.ID(ch.ID)); c.Status != channel.StatusCONNECTED || c.MetaUserID != "77001" {
		t.Fatalf("the channel changed: %s %q", c.Status, c.MetaUserID)
	}
	// The server still answers others.
	if code, _ := postCallback(t, env, "/meta/deauthorize", url.Values{"signed_request": {signed("77001", now)}}); code != 200 {
		t.Fatalf("a good callback after the bad ones: %d", code)
	}
}

// The status page also follows privacy requests recorded in the
// dashboard, and knows no other code.
func TestDeletionStatusPage(t *testing.T) {
	env := testenv.NewIdle(t) // the request stays RECEIVED: no job runs it
	owner := env.SignUp(t, "Status Owner")
	var created struct{ CreateContact struct{ ID string } }
	env.MustQuery(t, owner.Token, `mutation { createContact(input: {phone: "+14155550123"}) { id } }`, nil, &created)
	pr := requestPrivacy(t, env, owner.Token, map[string]any{"kind": "DELETION", "contactId": created.CreateContact.ID})
	status, body := getStatus(t, env, pr.ConfirmationCode, "")
	if status != 200 || !strings.Contains(body, `"status":"RECEIVED"`) || !strings.Contains(body, `"due_at"`) {
		t.Fatalf("a received request: %d %s", status, body)
	}
	if status, body := getStatus(t, env, pr.ConfirmationCode, "text/html,application/xhtml+xml"); status != 200 ||
		!strings.Contains(body, "Received.") || !strings.Contains(body, pr.DueAt.UTC().Format("2 January 2006")) {
		t.Fatalf("a received request's page: %d %s", status, body)
	}
	for _, code := range []string{"abcdefghijklmnopqrstuvwx", "short", strings.Repeat("a", 65), "../../etc/passwd", "' or 1=1 --"} {
		if status, body := getStatus(t, env, code, ""); status != 404 || !strings.Contains(body, "error") {
			t.Errorf("code %q: %d %s", code, status, body)
		}
	}
	if status, body := getStatus(t, env, "abcdefghijklmnopqrstuvwx", "text/html"); status != 404 || !strings.Contains(body, "could not find") {
		t.Errorf("unknown code's page: %d %s", status, body)
	}
}
