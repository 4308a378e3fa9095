package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/whatsapp/sim"
)

func TestServeFlags(t *testing.T) {
	refuse := []struct {
		name string
		args []string
		want string
	}{
		{"non-loopback listen", []string{"-app-secret", "s", "-listen", "0.0.0.0:8090"}, "loopback"},
		{"non-loopback target", []string{"-app-secret", "s", "-target", "http://10.0.0.1/webhooks"}, "loopback"},
		{"no secret for the target", []string{}, "app-secret"},
		{"fail share over 1", []string{"-app-secret", "s", "-fail", "2"}, "between 0 and 1"},
	}
	for _, tc := range refuse {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseServeFlags(tc.args, io.Discard, noEnv); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("parseServeFlags(%v) = %v, want %q", tc.args, err, tc.want)
			}
		})
	}
	cfg, err := parseServeFlags([]string{"-target", "", "-rate", "5", "-window-customers", "2", "-open-window", "US.1",
		"-bsuid", "-url-ttl", "1s", "-fault-lost", "0.5", "-revoke", "old"}, io.Discard, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.api
	if a.Rate != 5 || !a.BSUID || a.URLTTL != time.Second || a.FaultLost != 0.5 || len(a.RevokedTokens) != 1 ||
		strings.Join(a.OpenWindows, ",") != sim.CustomerN(0).WAID+","+sim.CustomerN(1).WAID+",US.1" {
		t.Fatalf("parsed %+v", a)
	}
}

// TestServe runs the serve mode on a loopback port: the webhook mode's customers have an open
// window, anyone else needs a template, and cancelling stops the server.
func TestServe(t *testing.T) {
	cfg, err := parseServeFlags([]string{"-target", "", "-window-customers", "1"}, io.Discard, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveOn(ctx, ln, cfg.api) }()

	send := func(to string) int {
		b, _ := json.Marshal(map[string]any{"messaging_product": "whatsapp", "to": to, "type": "text", "text": map[string]any{"body": "hi"}})
		req, _ := http.NewRequest(http.MethodPost, "http://"+ln.Addr().String()+"/v24.0/106540352242922/messages", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send(sim.CustomerN(0).WAID); code != http.StatusOK {
		t.Errorf("customer who wrote: %d", code)
	}
	if code := send(sim.CustomerN(1).WAID); code != http.StatusBadRequest {
		t.Errorf("customer outside the window: %d, want 400 (131047)", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
