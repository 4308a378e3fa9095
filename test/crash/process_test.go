package crash_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"switchboard/internal/testbin"
	"switchboard/internal/testwait"
)

// binaries holds cmd/switchboard, built once for all tests: the crash test
// runs the real binary, as a deployment does, so SIGKILL hits a whole
// process with its connection pool, job workers and open transactions.
var binaries = &testbin.Builds{Packages: []string{"switchboard/cmd/switchboard"}}

func TestMain(m *testing.M) {
	code := m.Run()
	binaries.Remove()
	os.Exit(code)
}

// server is one switchboard process after another on the same database
// and address.
type server struct {
	t    *testing.T
	bin  string
	env  []string
	addr string
	logs *syncBuffer
	cmd  *exec.Cmd
	done chan struct{}
}

// newServer prepares a server over databaseURL on a free loopback port,
// with extra environment variables (NAME=value) after the common ones.
func newServer(t *testing.T, databaseURL string, extra ...string) *server {
	t.Helper()
	dir, err := binaries.Dir()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "switchboard")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	s := &server{t: t, bin: bin, addr: addr, logs: &syncBuffer{}, env: append(os.Environ(),
		"DATABASE_URL="+databaseURL, "LISTEN_ADDR="+addr, "META_APP_SECRET="+appSecret,
		"ENCRYPTION_KEY="+key, "DATA_DIR="+t.TempDir(), "LOG_LEVEL=warn",
		// A short lease: the killed server's claimed jobs are taken over in seconds.
		"JOB_LEASE=5s")}
	s.env = append(s.env, extra...)
	t.Cleanup(func() {
		s.stop()
		if t.Failed() {
			t.Logf("server logs:\n%s", s.logs.String())
		}
	})
	return s
}

func (s *server) url() string { return "http://" + s.addr }

// start runs a new process and waits until it is ready.
func (s *server) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "serve")
	s.cmd.Env = s.env
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	done := make(chan struct{})
	go func(c *exec.Cmd) { _ = c.Wait(); close(done) }(s.cmd)
	s.done = done
	testwait.For(s.t, 30*time.Second, "the server to be ready", func() bool {
		select {
		case <-done:
			s.t.Fatalf("server exited at start:\n%s", s.logs.String())
		default:
		}
		res, err := http.Get(s.url() + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
}

// kill ends the process with SIGKILL: no deferred function, shutdown hook
// or pending commit of it runs.
func (s *server) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatal(err)
	}
	<-s.done
}

// stop ends a running process gracefully (SIGTERM), or kills it after a
// while.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(25 * time.Second):
		_ = s.cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
	}
}

// graphql posts a GraphQL request and decodes its data into out.
func (s *server) graphql(token, query string, vars map[string]any, out any) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.url()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 {
		s.t.Fatalf("GraphQL %d %s: %v", res.StatusCode, raw, err)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		s.t.Fatal(err)
	}
}

// syncBuffer collects a process's output for the failure report.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 4<<20 { // keep the start, where failures begin
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
