package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/testbin"
	"switchboard/internal/testwait"
)

// binaries are cmd/switchboard and cmd/metasim, built once as make demo
// builds them.
var binaries = &testbin.Builds{Packages: []string{"switchboard/cmd/switchboard", "switchboard/cmd/metasim"}}

func TestMain(m *testing.M) {
	code := m.Run()
	binaries.Remove()
	os.Exit(code)
}

// TestDemoEndToEnd runs the demo as make demo does, with a 3 s simulator on a free loopback
// port and a temporary data dir: the server becomes ready, the demo tenant signs up, the
// printed output has the playground URL, the token and the headers to paste, the simulator's
// messages are in the inbox when asked with that token, and the server exits 0 when the demo
// is stopped. A second run on the same data logs in instead of signing up.
func TestDemoEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("go not in PATH in CI: %v", err)
		}
		t.Skipf("go not in PATH, cannot build the server: %v", err)
	}
	dir, err := binaries.Dir()
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dataDir := t.TempDir()
	base := "http://" + addr

	first := runDemo(t, dir, addr, dataDir, 3*time.Second, func(out, token string) {
		if !strings.Contains(out, "demo: server ready") {
			t.Errorf("no readiness line in:\n%s", out)
		}
		resp, err := http.Get(base + "/readyz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("/readyz: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		if !strings.Contains(out, "signed up a demo tenant") {
			t.Errorf("no sign-up in:\n%s", out)
		}
		waitForMessages(t, base, token)
	})
	for _, want := range []string{
		"Playground:   " + base + "/playground\n",
		subscriptionQuery,
		"acknowledged", // metasim's summary
		"demo: server stopped",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("output lacks %q:\n%s", want, first)
		}
	}

	// Again on the same data: the account and channel exist, so it logs in.
	second := runDemo(t, dir, addr, dataDir, time.Second, func(out, token string) {
		c := &client{base: base}
		var r struct{ Me struct{ Email string } }
		if err := c.do(context.Background(), token, `{ me { email } }`, nil, &r); err != nil || r.Me.Email != demoEmail {
			t.Errorf("me with the second run's token: %+v, %v", r, err)
		}
	})
	for _, want := range []string{"logged in (the demo tenant exists", "already connected"} {
		if !strings.Contains(second, want) {
			t.Errorf("second run's output lacks %q:\n%s", want, second)
		}
	}
}

var tokenLine = regexp.MustCompile(`(?m)^  Token:\s+(\S+)$`)

// runDemo runs the demo until its simulator has finished, calls check with the output so far
// and the printed token, then stops it as Ctrl-C does and requires a clean exit (run returns
// nil only when the server exited 0). It returns the whole output.
func runDemo(t *testing.T, dir, addr, dataDir string, d time.Duration, check func(out, token string)) string {
	t.Helper()
	out := &syncBuffer{}
	o := &options{server: filepath.Join(dir, "switchboard"), metasim: filepath.Join(dir, "metasim"),
		addr: addr, dataDir: dataDir, duration: d, rate: 2, customers: 20, stdout: out, stderr: out}
	ctx, cancel := context.WithCancel(context.Background())
	simulated := make(chan struct{})
	result := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		err := run(ctx, o, func() { close(simulated) })
		close(finished)
		result <- err
	}()
	// On an early t.Fatal, still stop the server before the temporary dirs go.
	defer func() { cancel(); <-finished }()
	select {
	case <-simulated:
	case err := <-result:
		t.Fatalf("demo ended early: %v\n%s", err, out)
	case <-time.After(90 * time.Second):
		t.Fatalf("simulator not done after 90s:\n%s", out)
	}
	m := tokenLine.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no token printed:\n%s", out)
	}
	token := m[1]
	if want := `{"Authorization": "Bearer ` + token + `"}`; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks the headers %s:\n%s", want, out)
	}
	check(out.String(), token)
	cancel()
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("demo stopped with %v\n%s\nserver log:\n%s", err, out, tail(filepath.Join(dataDir, "switchboard.log")))
		}
	case <-time.After(45 * time.Second):
		t.Fatalf("demo did not stop within 45s:\n%s", out)
	}
	return out.String()
}

// waitForMessages asks conversations with the printed token until the simulator's messages
// have been processed into the inbox.
func waitForMessages(t *testing.T, base, token string) {
	t.Helper()
	c := &client{base: base}
	var r struct {
		Conversations struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					Messages struct {
						Edges []struct {
							Node struct{ Type, Direction string }
						}
					}
				}
			}
		}
	}
	n := 0
	if !testwait.Until(20*time.Second, func() bool {
		err := c.do(context.Background(), token,
			`{ conversations(first: 50) { totalCount edges { node { messages(last: 20) { edges { node { type direction } } } } } } }`, nil, &r)
		if err != nil {
			t.Fatalf("conversations: %v", err)
		}
		n = 0
		for _, e := range r.Conversations.Edges {
			for _, m := range e.Node.Messages.Edges {
				if m.Node.Direction == "INBOUND" {
					n++
				}
			}
		}
		return r.Conversations.TotalCount > 0 && n > 0
	}) {
		t.Fatalf("no simulated messages in the inbox after 20s: %+v", r)
	}
	t.Logf("%d conversations, %d inbound messages", r.Conversations.TotalCount, n)
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
