package graphapi

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSendAccepted(t *testing.T) {
	to := "16505551234"
	cases := []struct {
		name string
		body map[string]any
	}{
		{"text", text(to, "m1")},
		{"image", map[string]any{"messaging_product": "whatsapp", "to": to, "type": "image", "image": map[string]any{"id": "123", "caption": "c"}}},
		{"interactive", map[string]any{"messaging_product": "whatsapp", "to": to, "type": "interactive", "interactive": map[string]any{
			"type": "button", "body": map[string]any{"text": "pick"}, "action": map[string]any{"buttons": []any{}}}}},
		{"template", map[string]any{"messaging_product": "whatsapp", "to": "16505559999", "type": "template", "template": map[string]any{
			"name": "hello_world", "language": map[string]any{"code": "en_US"}}}},
		{"version-less path", text(to, "m2")},
	}
	h := start(t, Config{OpenWindows: []string{to}})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := sendPath()
			if tc.name == "version-less path" {
				path = "/" + testNumber + "/messages"
			}
			code, body := h.post(t, path, testToken, tc.body)
			if code != http.StatusOK {
				t.Fatalf("status %d: %v", code, body)
			}
			if body["messaging_product"] != "whatsapp" {
				t.Errorf("messaging_product: %v", body)
			}
			c := body["contacts"].([]any)[0].(map[string]any)
			if c["input"] != tc.body["to"] || c["wa_id"] != tc.body["to"] {
				t.Errorf("contacts: %v", c)
			}
			m := body["messages"].([]any)[0].(map[string]any)
			if id, _ := m["id"].(string); !strings.HasPrefix(id, "wamid.") {
				t.Errorf("message id %q is not a wamid", id)
			}
			if tc.name == "template" && m["message_status"] != "accepted" {
				t.Errorf("template message_status: %v", m)
			}
		})
	}
}

func TestSendRejected(t *testing.T) {
	const a, b = "16505550001", "16505550002"
	cases := []struct {
		name  string
		cfg   Config
		sends []map[string]any
		token string
		want  []int // Meta's code per send, 0 for success
	}{
		{"throughput", Config{Rate: 2, AllWindowsOpen: true}, []map[string]any{text(a, ""), text(b, ""), text("16505550003", "")}, testToken, []int{0, 0, 130429}},
		{"pair rate, other recipient unaffected", Config{PairBurst: 2, AllWindowsOpen: true}, []map[string]any{text(a, ""), text(a, ""), text(a, ""), text(b, "")}, testToken, []int{0, 0, 131056, 0}},
		{"no window", Config{OpenWindows: []string{a}}, []map[string]any{text(a, ""), text(b, "")}, testToken, []int{0, 131047}},
		{"revoked token", Config{AllWindowsOpen: true, RevokedTokens: []string{"old"}}, []map[string]any{text(a, "")}, "old", []int{190}},
		{"unknown token", Config{AllWindowsOpen: true, Tokens: []string{testToken}}, []map[string]any{text(a, "")}, "other", []int{190}},
		{"no token", Config{AllWindowsOpen: true}, []map[string]any{text(a, "")}, "", []int{190}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, tc.cfg)
			for i, s := range tc.sends {
				code, body := h.post(t, sendPath(), tc.token, s)
				if tc.want[i] == 0 {
					if code != http.StatusOK {
						t.Fatalf("send %d: status %d %v", i, code, body)
					}
					continue
				}
				if code < 400 {
					t.Fatalf("send %d: status %d, want an error", i, code)
				}
				if got := errorCode(t, body); got != tc.want[i] {
					t.Fatalf("send %d: code %d, want %d (%v)", i, got, tc.want[i], body)
				}
			}
			if n := h.sim.Sends().Total; n != countZero(tc.want) {
				t.Errorf("counted %d sends, want %d", n, countZero(tc.want))
			}
		})
	}
}

func countZero(xs []int) (n int) {
	for _, x := range xs {
		if x == 0 {
			n++
		}
	}
	return n
}

func TestTemplateNeedsNoWindow(t *testing.T) {
	h := start(t, Config{})
	code, body := h.post(t, sendPath(), testToken, map[string]any{"messaging_product": "whatsapp", "to": "16505550009",
		"type": "template", "template": map[string]any{"name": "hello_world", "language": map[string]any{"code": "en_US"}}})
	if code != http.StatusOK {
		t.Fatalf("template without a window: %d %v", code, body)
	}
}

func TestMarkAsRead(t *testing.T) {
	h := start(t, Config{})
	code, body := h.post(t, sendPath(), testToken, map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"})
	if code != http.StatusOK || body["success"] != true {
		t.Fatalf("mark as read: %d %v", code, body)
	}
	if n := h.sim.Sends().Total; n != 0 {
		t.Errorf("mark as read counted as a send: %d", n)
	}
}

// TestWindowExpires: a customer who wrote 24 hours ago needs a template again; one who wrote
// an hour ago does not.
func TestWindowExpires(t *testing.T) {
	h := start(t, Config{})
	h.sim.OpenWindow("16505550001", time.Now().Add(-24*time.Hour-time.Second))
	h.sim.OpenWindow("16505550002", time.Now().Add(-time.Hour))
	if code, body := h.post(t, sendPath(), testToken, text("16505550001", "")); code != http.StatusBadRequest || errorCode(t, body) != 131047 {
		t.Errorf("window closed a day ago: %d %v", code, body)
	}
	if code, body := h.post(t, sendPath(), testToken, text("16505550002", "")); code != http.StatusOK {
		t.Errorf("window opened an hour ago: %d %v", code, body)
	}
}

func TestSendInvalid(t *testing.T) {
	cases := []struct {
		name string
		body map[string]any
	}{
		{"callback data over 512 characters", text("16505550001", strings.Repeat("x", 513))},
		{"no messaging_product", map[string]any{"to": "16505550001", "type": "text", "text": map[string]any{"body": "hi"}}},
		{"no recipient", map[string]any{"messaging_product": "whatsapp", "type": "text", "text": map[string]any{"body": "hi"}}},
		{"type without its object", map[string]any{"messaging_product": "whatsapp", "to": "16505550001", "type": "image"}},
		{"unknown type", map[string]any{"messaging_product": "whatsapp", "to": "16505550001", "type": "fax", "fax": map[string]any{}}},
	}
	h := start(t, Config{AllWindowsOpen: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := h.post(t, sendPath(), testToken, tc.body); code != http.StatusBadRequest || errorCode(t, body) != 100 {
				t.Fatalf("got %d %v, want 400 with code 100", code, body)
			}
		})
	}
	if n := h.sim.Sends().Total; n != 0 {
		t.Errorf("invalid requests counted as %d sends", n)
	}
}

// TestInboundUsesThroughput: Meta counts a number's inbound and outbound messages together, so
// a customer writing uses the second's only slot at Rate 1.
func TestInboundUsesThroughput(t *testing.T) {
	h := start(t, Config{Rate: 1})
	if code, body := h.post(t, "/_sim/inbound", "", map[string]any{"from": "16505550001", "text": "hi", "phone_number_id": testNumber}); code != http.StatusOK {
		t.Fatalf("inbound: %d %v", code, body)
	}
	<-h.hooks
	if code, body := h.post(t, sendPath(), testToken, text("16505550001", "")); code != http.StatusBadRequest || errorCode(t, body) != 130429 {
		t.Fatalf("reply in the same second: %d %v, want 130429", code, body)
	}
}
