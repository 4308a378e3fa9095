package graphapi

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// templateHook reads the next webhook as a message_template_status_update value.
func (h *harness) templateHook(t *testing.T) map[string]any {
	t.Helper()
	select {
	case w := <-h.hooks:
		var env struct {
			Entry []struct {
				ID      string `json:"id"`
				Changes []struct {
					Field string         `json:"field"`
					Value map[string]any `json:"value"`
				} `json:"changes"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(w.body, &env); err != nil || env.Entry[0].Changes[0].Field != "message_template_status_update" {
			t.Fatalf("not a template webhook: %s", w.body)
		}
		return env.Entry[0].Changes[0].Value
	case <-time.After(5 * time.Second):
		t.Fatal("no template webhook")
		return nil
	}
}

func templateSend(name, lang string, params ...string) map[string]any {
	var ps []any
	for _, p := range params {
		ps = append(ps, map[string]any{"type": "text", "text": p})
	}
	tpl := map[string]any{"name": name, "language": map[string]any{"code": lang}}
	if len(ps) > 0 {
		tpl["components"] = []any{map[string]any{"type": "body", "parameters": ps}}
	}
	return map[string]any{"messaging_product": "whatsapp", "to": "16505550001", "type": "template", "template": tpl}
}

// TestTemplateLifecycle: created PENDING, reviewed by webhook (approved, or
// rejected by the configured word), listed page by page, sent with the
// right parameters only, paused (132015), deleted (132001).
func TestTemplateLifecycle(t *testing.T) {
	h := start(t, Config{RejectTemplateWord: "casino", TemplateReviewDelay: 10 * time.Millisecond, TemplatePageSize: 2})
	create := func(name string) (int, map[string]any) {
		return h.post(t, "/v24.0/1022/message_templates", testToken, map[string]any{"name": name, "language": "en_US",
			"category": "MARKETING", "components": []any{map[string]any{"type": "BODY", "text": "Hi {{1}}, {{2}} off!",
				"example": map[string]any{"body_text": []any{[]any{"Ann", "10%"}}}}}})
	}
	code, body := create("spring_sale")
	if code != http.StatusOK || body["status"] != "PENDING" || body["id"] == "" {
		t.Fatalf("create: %d %v", code, body)
	}
	v := h.templateHook(t)
	if v["event"] != "APPROVED" || v["message_template_name"] != "spring_sale" || v["message_template_id"].(float64) == 0 {
		t.Fatalf("review %v", v)
	}
	if code, body := create("spring_sale"); code != http.StatusBadRequest || errorCode(t, body) != 100 {
		t.Errorf("duplicate: %d %v", code, body)
	}
	create("casino_night")
	if v := h.templateHook(t); v["event"] != "REJECTED" || v["rejection_info"] == nil {
		t.Errorf("rejection %v", v)
	}

	// Three live templates in 1022 (plus hello_world in the default WABA): two pages.
	var names []string
	after := ""
	for range 5 {
		req, _ := http.NewRequest(http.MethodGet, h.url+"/v24.0/1022/message_templates?limit=50&after="+after, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		code, body := do(t, req)
		if code != http.StatusOK {
			t.Fatalf("list: %d %v", code, body)
		}
		for _, d := range body["data"].([]any) {
			names = append(names, d.(map[string]any)["name"].(string))
		}
		paging := body["paging"].(map[string]any)
		if paging["next"] == nil {
			break
		}
		after = paging["cursors"].(map[string]any)["after"].(string)
	}
	if len(names) != 2 || names[0] != "spring_sale" || names[1] != "casino_night" {
		t.Errorf("listed %v", names)
	}

	for _, c := range []struct {
		body map[string]any
		code int
	}{
		{templateSend("spring_sale", "en_US", "Ann", "10%"), 0},
		{templateSend("spring_sale", "en_US", "Ann"), 132000},
		{templateSend("spring_sale", "pt_BR", "Ann", "10%"), 132001},
		{templateSend("casino_night", "en_US", "Ann", "10%"), 132001},
		{templateSend("nope", "en_US"), 132001},
		{templateSend("hello_world", "en_US"), 0},
	} {
		code, body := h.post(t, sendPath(), testToken, c.body)
		if c.code == 0 && code != http.StatusOK || c.code != 0 && (code != http.StatusBadRequest || errorCode(t, body) != c.code) {
			t.Errorf("send %v: %d %v, want %d", c.body["template"], code, body, c.code)
		}
	}
	for range 2 { // the two accepted sends' statuses
		h.status(t)
		h.status(t)
		h.status(t)
	}

	if err := h.sim.PauseTemplate(t.Context(), "spring_sale"); err != nil {
		t.Fatal(err)
	}
	if v := h.templateHook(t); v["event"] != "PAUSED" || v["other_info"].(map[string]any)["title"] != "FIRST_PAUSE" {
		t.Errorf("pause %v", v)
	}
	if code, body := h.post(t, sendPath(), testToken, templateSend("spring_sale", "en_US", "Ann", "10%")); code != http.StatusBadRequest || errorCode(t, body) != 132015 {
		t.Errorf("paused send: %d %v", code, body)
	}

	req, _ := http.NewRequest(http.MethodDelete, h.url+"/v24.0/1022/message_templates?name=spring_sale", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if code, body := do(t, req); code != http.StatusOK || body["success"] != true {
		t.Fatalf("delete: %d %v", code, body)
	}
	if code, body := h.post(t, sendPath(), testToken, templateSend("spring_sale", "en_US", "Ann", "10%")); code != http.StatusBadRequest || errorCode(t, body) != 132001 {
		t.Errorf("deleted send: %d %v", code, body)
	}
	if h.sim.TemplateCalls() != 3 {
		t.Errorf("TemplateCalls = %d, want 3", h.sim.TemplateCalls())
	}
}
