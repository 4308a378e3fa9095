package graphapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	const to = "16505551234"
	cases := []struct {
		name     string
		fault    Fault
		code     int  // HTTP status the client sees, 0 for no answer
		counted  bool // the send happened (and its statuses come)
		deadline time.Duration
	}{
		{"5xx", Fault5xx, http.StatusInternalServerError, false, 0},
		{"timeout", FaultTimeout, 0, false, 200 * time.Millisecond},
		{"lost response", FaultLost, 0, true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, Config{AllWindowsOpen: true})
			code, _ := h.post(t, "/_sim/faults", "", map[string]any{"fault": tc.fault, "count": 1})
			if code != http.StatusNoContent {
				t.Fatalf("inject: %d", code)
			}
			b, _ := json.Marshal(text(to, "msg-"+tc.name))
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, h.url+sendPath(), bytes.NewReader(b))
			req.Header.Set("Authorization", "Bearer "+testToken)
			resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
			switch {
			case tc.code == 0 && err == nil:
				resp.Body.Close()
				t.Fatalf("got %d, want no answer", resp.StatusCode)
			case tc.code == 0 && tc.deadline > 0 && !errors.Is(err, context.DeadlineExceeded):
				t.Fatalf("got %v, want the client's deadline", err)
			case tc.code != 0 && err != nil:
				t.Fatal(err)
			case tc.code != 0:
				var body map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if resp.StatusCode != tc.code || errorCode(t, body) != 131000 {
					t.Fatalf("got %d %v", resp.StatusCode, body)
				}
			}
			want := 0
			if tc.counted {
				want = 1
				for _, kind := range []string{"sent", "delivered", "read"} {
					if st := h.status(t); st["status"] != kind || st["biz_opaque_callback_data"] != "msg-"+tc.name {
						t.Fatalf("after a lost response: %v, want %s", st, kind)
					}
				}
			}
			if got := h.sim.Sends().ByCallbackData["msg-"+tc.name]; got != want {
				t.Errorf("counted %d sends, want %d", got, want)
			}
			// The next send is unaffected.
			if code, body := h.post(t, sendPath(), testToken, text(to, "next")); code != http.StatusOK {
				t.Errorf("send after the fault: %d %v", code, body)
			}
		})
	}
}

func TestRevokeEndpoint(t *testing.T) {
	h := start(t, Config{AllWindowsOpen: true})
	if code, _ := h.post(t, sendPath(), testToken, text("16505551234", "")); code != http.StatusOK {
		t.Fatalf("before revoking: %d", code)
	}
	if code, _ := h.post(t, "/_sim/revoke?token="+testToken, "", nil); code != http.StatusNoContent {
		t.Fatalf("revoke: %d", code)
	}
	code, body := h.post(t, sendPath(), testToken, text("16505551234", ""))
	if code != http.StatusUnauthorized || errorCode(t, body) != 190 {
		t.Fatalf("after revoking: %d %v", code, body)
	}
}

func TestSendsCounter(t *testing.T) {
	h := start(t, Config{AllWindowsOpen: true})
	for i, cb := range []string{"a", "b", "a", ""} {
		if code, body := h.post(t, sendPath(), testToken, text("1650555000"+string(rune('0'+i)), cb)); code != http.StatusOK {
			t.Fatalf("send %d: %d %v", i, code, body)
		}
	}
	resp, err := http.Get(h.url + "/_sim/sends")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got Sends
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Total != 4 || got.ByCallbackData["a"] != 2 || got.ByCallbackData["b"] != 1 || got.ByCallbackData[""] != 1 {
		t.Fatalf("sends %+v", got)
	}
}
