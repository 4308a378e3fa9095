package server_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchboard/internal/config"
	"switchboard/internal/testenv"
)

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	env := testenv.New(t)
	for _, path := range []string{"/", "/healthz", "/readyz", "/metrics", "/playground", "/playground/assets/graphiql.js", "/graphql", "/webhooks/whatsapp", "/nope"} {
		res, _ := get(t, env.Server.URL+path, nil)
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"X-Frame-Options":        "DENY",
		} {
			if got := res.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", path, h, got, want)
			}
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if path == "/playground" && !strings.Contains(csp, "script-src") {
			t.Errorf("playground CSP %q names no script source", csp)
		}
		if path != "/playground" && !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("%s: API CSP %q", path, csp)
		}
	}
}

func TestPlaygroundSwitchAndMetricsToken(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.Playground = false; c.MetricsToken = "s3cret-scrape" })
	if res, _ := get(t, env.Server.URL+"/playground", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("playground with PLAYGROUND=false: %d", res.StatusCode)
	}
	for _, auth := range []string{"", "Bearer wrong", "s3cret-scrape", "Bearer s3cret-scrape-and-more"} {
		if res, body := get(t, env.Server.URL+"/metrics", map[string]string{"Authorization": auth}); res.StatusCode != http.StatusUnauthorized ||
			strings.Contains(body, "switchboard_") {
			t.Fatalf("metrics with %q: %d", auth, res.StatusCode)
		}
	}
	get(t, env.Server.URL+"/readyz", nil) // something to count
	res, body := get(t, env.Server.URL+"/metrics", map[string]string{"Authorization": "Bearer s3cret-scrape"})
	if res.StatusCode != 200 || !strings.Contains(body, "switchboard_http_requests_total") {
		t.Fatalf("metrics with the token: %d", res.StatusCode)
	}
}

// slowPost opens a raw connection, sends a POST's headers announcing a
// 100-byte body, then one byte every 200ms, and returns the status line the
// server answers with (or the error ending the read).
func slowPost(t *testing.T, addr, path, extraHeader string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n%s\r\n", path, extraHeader)
	answered := make(chan string, 1)
	go func() {
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second)) // the test's own bound
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil {
			line = "error: " + err.Error()
		}
		answered <- strings.TrimSpace(line)
	}()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for range 100 { // 20 s at most, the test's bound
		select {
		case line := <-answered:
			return line
		case <-tick.C:
			_, _ = conn.Write([]byte(" "))
		}
	}
	return "no answer"
}

func TestSlowBodiesAreTimedOut(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.BodyReadTimeout = time.Second })
	addr := strings.TrimPrefix(env.Server.URL, "http://")
	for _, path := range []string{"/graphql", "/webhooks/whatsapp"} {
		t.Run(path, func(t *testing.T) {
			done := make(chan string, 5)
			for i := range 5 {
				// One names an Upgrade: only a GET upgrade is exempt.
				extra := ""
				if i == 0 {
					extra = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
				}
				go func() { done <- slowPost(t, addr, path, extra) }()
			}
			// Meanwhile the server answers others.
			env.SignUp(t, "Patient "+strings.Trim(path, "/"))
			for range 5 {
				if line := <-done; line != "HTTP/1.1 408 Request Timeout" {
					t.Fatalf("slow body answered %q, want 408", line)
				}
			}
		})
	}
}
