package graphapi

import (
	"net/http"
	"strings"
	"testing"
)

func TestStatusWebhooks(t *testing.T) {
	const to = "16505551234"
	cases := []struct {
		name         string
		cfg          Config
		body         map[string]any
		kinds        []string
		pricingType  string
		pricingCat   string
		errorCode    float64
		callbackEcho bool
	}{
		{"free-form reply", Config{AllWindowsOpen: true}, text(to, "msg-1"),
			[]string{"sent", "delivered", "read"}, "free_customer_service", "service", 0, true},
		{"template", Config{}, map[string]any{"messaging_product": "whatsapp", "to": to, "type": "template",
			"biz_opaque_callback_data": "msg-2", "template": map[string]any{"name": "hello_world", "language": map[string]any{"code": "en_US"}}},
			[]string{"sent", "delivered", "read"}, "regular", "marketing", 0, true},
		{"failed share", Config{AllWindowsOpen: true, FailShare: 1}, text(to, "msg-3"),
			[]string{"sent", "failed"}, "free_customer_service", "service", 131026, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, tc.cfg)
			code, body := h.post(t, sendPath(), testToken, tc.body)
			if code != http.StatusOK {
				t.Fatalf("send: %d %v", code, body)
			}
			wamid := body["messages"].([]any)[0].(map[string]any)["id"]
			for i, kind := range tc.kinds {
				st := h.status(t) // verifies the signature
				if st["status"] != kind || st["id"] != wamid || st["recipient_id"] != to {
					t.Fatalf("status %d: %v, want %s for %s", i, st, kind, wamid)
				}
				if ts, _ := st["timestamp"].(string); ts == "" {
					t.Errorf("status %s without timestamp", kind)
				}
				wantEcho := kind != "failed"
				if got := st["biz_opaque_callback_data"]; wantEcho && got != tc.body["biz_opaque_callback_data"] {
					t.Errorf("%s: callback data %v not echoed", kind, got)
				}
				if kind == "sent" || kind == "delivered" {
					p, _ := st["pricing"].(map[string]any)
					if p["pricing_model"] != "PMP" || p["type"] != tc.pricingType || p["category"] != tc.pricingCat {
						t.Errorf("%s pricing %v, want PMP %s %s", kind, p, tc.pricingType, tc.pricingCat)
					}
					if _, ok := st["conversation"]; ok {
						t.Errorf("%s carries the pre-v24 conversation object", kind)
					}
				}
				if kind == "failed" {
					errs, _ := st["errors"].([]any)
					if len(errs) != 1 || errs[0].(map[string]any)["code"] != tc.errorCode {
						t.Errorf("failed status errors %v, want code %v", errs, tc.errorCode)
					}
				}
			}
		})
	}
}

func TestBSUIDMode(t *testing.T) {
	const phone = "16505551234"
	h := start(t, Config{BSUID: true})

	code, body := h.post(t, "/_sim/inbound", "", map[string]any{"from": phone, "text": "hi", "phone_number_id": testNumber})
	if code != http.StatusOK {
		t.Fatalf("inbound: %d %v", code, body)
	}
	w := <-h.hooks
	for _, want := range []string{`"wa_id":""`, `"from":""`, `"user_id":"` + UserID(phone) + `"`, `"from_user_id":"` + UserID(phone) + `"`} {
		if !strings.Contains(string(w.body), want) {
			t.Errorf("inbound webhook lacks %s: %s", want, w.body)
		}
	}
	if !strings.HasPrefix(UserID(phone), "US.") {
		t.Errorf("user id %q", UserID(phone))
	}

	// The customer wrote, so a free-form reply is inside the window.
	code, body = h.post(t, sendPath(), testToken, text(phone, "r1"))
	if code != http.StatusOK {
		t.Fatalf("reply after inbound: %d %v", code, body)
	}
	st := h.status(t)
	if st["recipient_id"] != "" || st["recipient_user_id"] != UserID(phone) {
		t.Errorf("BSUID status: %v", st)
	}
}
