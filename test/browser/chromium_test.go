package browser_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// chromiumPath finds the browser: $CHROMIUM, else Debian's chromium on
// PATH. Without one the test skips, but not in CI, which installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if ci := os.Getenv("CI"); ci != "" && ci != "false" {
		t.Fatal("chromium is not installed, and CI is set: .ci/run installs it with apt-get install -y chromium")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium, or set CHROMIUM=/path/to/chrome); skipping the browser tests")
	return ""
}

// devtoolsURL is the line Chromium prints when its DevTools endpoint is up.
var devtoolsURL = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// startChromium runs a headless Chromium that can reach 127.0.0.1 only:
// every other host name resolves to nothing and every other connection
// goes to a proxy that is not there. It returns a DevTools connection to
// the browser, closed (and the browser stopped) when the test ends.
func startChromium(t *testing.T) *devtools {
	t.Helper()
	bin := chromiumPath(t)
	profile := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--disable-dev-shm-usage", "--no-default-browser-check",
		"--user-data-dir="+profile,
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--window-size=1280,900",
		"about:blank")
	// Its own process group, so that stopping it stops its renderers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	found := make(chan string, 1)
	var logTail []string // the browser's last words, for failures
	var logMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if m := devtoolsURL.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
			logMu.Lock()
			logTail = append(logTail[max(0, len(logTail)-19):], line)
			logMu.Unlock()
		}
	}()
	go func() {
		_ = cmd.Wait() // closes stderr, ending the reader above
		close(exited)
	}()
	t.Cleanup(func() {
		cancel()
		<-exited // before t.TempDir removes the profile
	})
	var url string
	select {
	case url = <-found:
	case <-exited:
	case <-time.After(30 * time.Second):
	}
	if url == "" {
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("chromium did not open its DevTools endpoint; its output:\n%s", strings.Join(logTail, "\n"))
	}
	dt, err := dialDevtools(ctx, url)
	if err != nil {
		t.Fatalf("DevTools %s: %v", url, err)
	}
	t.Cleanup(dt.close)
	return dt
}

// devtools is a minimal Chrome DevTools Protocol client: commands with
// replies, and events handed to one callback. Sessions are flat (one
// connection, sessionId on each message).
type devtools struct {
	conn    *websocket.Conn
	ctx     context.Context
	cancel  context.CancelFunc
	nextID  atomic.Int64
	mu      sync.Mutex
	pending map[int64]chan cdpMessage
	onEvent func(cdpMessage)
	done    chan struct{}
}

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func dialDevtools(ctx context.Context, url string) (*devtools, error) {
	dialCtx, cancelDial := context.WithTimeout(ctx, 10*time.Second)
	defer cancelDial()
	conn, _, err := websocket.Dial(dialCtx, url, nil)
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(64 << 20)
	ctx, cancel := context.WithCancel(ctx)
	d := &devtools{conn: conn, ctx: ctx, cancel: cancel, pending: map[int64]chan cdpMessage{}, done: make(chan struct{})}
	go d.read()
	return d, nil
}

func (d *devtools) read() {
	defer close(d.done)
	for {
		_, b, err := d.conn.Read(d.ctx)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		d.mu.Lock()
		reply, isReply := d.pending[m.ID]
		delete(d.pending, m.ID)
		on := d.onEvent
		d.mu.Unlock()
		switch {
		case m.ID != 0 && isReply:
			reply <- m
		case m.Method != "" && on != nil:
			on(m)
		}
	}
}

// events sets the callback for every event; it runs on the reading
// goroutine and must not block.
func (d *devtools) events(on func(cdpMessage)) {
	d.mu.Lock()
	d.onEvent = on
	d.mu.Unlock()
}

// call sends a command (to the browser when session is "") and decodes
// its result into out (if non-nil).
func (d *devtools) call(session, method string, params, out any) error {
	id := d.nextID.Add(1)
	if params == nil {
		params = struct{}{}
	}
	p, err := json.Marshal(params)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(cdpMessage{ID: id, Method: method, Params: p, SessionID: session})
	reply := make(chan cdpMessage, 1)
	d.mu.Lock()
	d.pending[id] = reply
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(d.ctx, 30*time.Second)
	defer cancel()
	if err := d.conn.Write(ctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-reply:
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-d.done:
		return fmt.Errorf("%s: the DevTools connection closed", method)
	case <-ctx.Done():
		return fmt.Errorf("%s: no answer: %w", method, ctx.Err())
	}
}

func (d *devtools) close() {
	_ = d.call("", "Browser.close", nil, nil)
	d.cancel()
	_ = d.conn.CloseNow()
	<-d.done
}
