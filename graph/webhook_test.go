package graph_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp"
)

// textWebhook is Meta's payload for one inbound text message.
func textWebhook(phoneNumberID, waID, name, wamid, text string, ts time.Time) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages",
"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100","phone_number_id":%q},
"contacts":[{"profile":{"name":%q},"wa_id":%q}],
"messages":[{"from":%q,"id":%q,"timestamp":"%d","type":"text","text":{"body":%q}}]}}]}]}`,
		phoneNumberID, name, waID, waID, wamid, ts.Unix(), text)
}

// statusWebhook is Meta's payload for one delivery status.
func statusWebhook(phoneNumberID, wamid, status string, ts time.Time) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages",
"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100","phone_number_id":%q},
"statuses":[{"id":%q,"status":%q,"timestamp":"%d","recipient_id":"14155550123"}]}}]}]}`,
		phoneNumberID, wamid, status, ts.Unix())
}

// postWebhook sends a body as Meta would, signed with the given secret.
func postWebhook(t *testing.T, env *testenv.Env, body, secret string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/webhooks/whatsapp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Hub-Signature-256", whatsapp.Sign(secret, []byte(body)))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func storedWebhooks(t *testing.T, env *testenv.Env) int {
	return env.DB.Client.WebhookEvent.Query().CountX(viewer.System(t.Context()))
}

func TestWebhookHandshake(t *testing.T) {
	env := testenv.New(t)
	cases := []struct {
		query string
		code  int
		body  string
	}{
		{"hub.mode=subscribe&hub.verify_token=" + testenv.VerifyToken + "&hub.challenge=1158201444", 200, "1158201444"},
		{"hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", 403, ""},
		{"hub.mode=unsubscribe&hub.verify_token=" + testenv.VerifyToken + "&hub.challenge=1", 403, ""},
		{"hub.challenge=1", 403, ""},
	}
	for _, tc := range cases {
		res, err := http.Get(env.Server.URL + "/webhooks/whatsapp?" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.code || (tc.body != "" && (string(b) != tc.body || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain"))) {
			t.Errorf("%s: %d %q", tc.query, res.StatusCode, b)
		}
	}
}

func TestWebhookRejectsBadDeliveriesAndStoresNothing(t *testing.T) {
	env := testenv.New(t)
	good := textWebhook("1", "14155550123", "Alice", "wamid.A", "hi", time.Now())
	cases := []struct {
		name, body, secret string
		want               int
	}{
		{"no signature", good, "", 401},
		{"wrong secret", good, "not-the-secret", 401},
		{"not JSON", "not json at all", testenv.AppSecret, 400},
		{"too large", `{"pad":"` + strings.Repeat("x", 5<<20) + `"}`, testenv.AppSecret, 413},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if code, _ := postWebhook(t, env, tc.body, tc.secret); code != tc.want {
				t.Fatalf("status %d, want %d", code, tc.want)
			}
		})
	}
	// A body signed for other bytes fails too.
	req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/webhooks/whatsapp", strings.NewReader(good+" "))
	req.Header.Set("X-Hub-Signature-256", whatsapp.Sign(testenv.AppSecret, []byte(good)))
	res, _ := http.DefaultClient.Do(req)
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("tampered body: %d", res.StatusCode)
	}
	if n := storedWebhooks(t, env); n != 0 {
		t.Fatalf("%d rejected deliveries were stored", n)
	}
}

func TestWebhookAnswers503WhenStorageIsDown(t *testing.T) {
	env := testenv.New(t)
	env.DB.SQL.Close()
	body := textWebhook("1", "14155550123", "Alice", "wamid.down", "hi", time.Now())
	if code, _ := postWebhook(t, env, body, testenv.AppSecret); code != http.StatusServiceUnavailable {
		t.Fatalf("storage down: status %d, want 503 so that Meta retries", code)
	}
}
