package graphapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

const (
	testSecret = "app-secret"
	testToken  = "EAAtoken"
	testNumber = "106540352242922"
)

// webhook is one POST the simulator made to the test receiver.
type webhook struct {
	body      []byte
	signature string
}

// harness is a simulator behind httptest with a receiver for its webhooks.
type harness struct {
	sim   *Server
	url   string
	hooks chan webhook
}

func start(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{hooks: make(chan webhook, 64)}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.hooks <- webhook{b, r.Header.Get("X-Hub-Signature-256")}
	}))
	t.Cleanup(recv.Close)
	cfg.Target, cfg.AppSecret = recv.URL, testSecret
	if cfg.StatusDelay == 0 {
		cfg.StatusDelay = time.Millisecond
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	h.sim, h.url = s, ts.URL
	return h
}

// post sends a JSON body with the token and decodes the JSON answer.
func (h *harness) post(t *testing.T, path, token string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, h.url+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func text(to, cb string) map[string]any {
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
		"type": "text", "text": map[string]any{"body": "hello"}, "biz_opaque_callback_data": cb}
}

func sendPath() string { return "/v24.0/" + testNumber + "/messages" }

// status reads the next webhook, checks its signature with crypto/hmac and returns its single
// statuses[] element.
func (h *harness) status(t *testing.T) map[string]any {
	t.Helper()
	select {
	case w := <-h.hooks:
		mac := hmac.New(sha256.New, []byte(testSecret))
		mac.Write(w.body)
		if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(w.signature), []byte(want)) {
			t.Fatalf("signature %q, want %q", w.signature, want)
		}
		var env struct {
			Entry []struct {
				Changes []struct {
					Value map[string]any `json:"value"`
				} `json:"changes"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(w.body, &env); err != nil {
			t.Fatal(err)
		}
		v := env.Entry[0].Changes[0].Value
		sts, _ := v["statuses"].([]any)
		if len(sts) != 1 {
			t.Fatalf("want one status in %s", w.body)
		}
		return sts[0].(map[string]any)
	case <-time.After(5 * time.Second):
		t.Fatal("no status webhook")
		return nil
	}
}

// errorCode checks Meta's error shape and returns its code.
func errorCode(t *testing.T, body map[string]any) int {
	t.Helper()
	e, ok := body["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object in %v", body)
	}
	for _, k := range []string{"message", "type", "fbtrace_id"} {
		if s, _ := e[k].(string); s == "" {
			t.Errorf("error.%s missing in %v", k, e)
		}
	}
	code, _ := e["code"].(float64)
	if code != 190 {
		if d, _ := e["error_data"].(map[string]any); d == nil || d["details"] == "" || d["details"] == nil {
			t.Errorf("error.error_data.details missing in %v", e)
		}
	}
	return int(code)
}
