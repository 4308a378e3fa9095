package browser_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/internal/testwait"
)

// page is one browser tab, with what it did: every request it made and
// every problem it reported (exceptions, console errors, CSP violations,
// failed loads).
type page struct {
	t       *testing.T
	dt      *devtools
	session string

	mu       sync.Mutex
	requests []string // URLs of requests and WebSockets
	problems []string
	wsFrames []string // WebSocket payloads, both ways
}

// reportCSPViolations turns every CSP violation into a console error, so
// that one the browser only counts is seen too.
const reportCSPViolations = `document.addEventListener('securitypolicyviolation', (e) =>
	console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));`

func openPage(t *testing.T, dt *devtools) *page {
	t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := dt.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := dt.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		t.Fatal(err)
	}
	p := &page{t: t, dt: dt, session: attached.SessionID}
	dt.events(p.event)
	for _, m := range []string{"Network.enable", "Log.enable", "Runtime.enable", "Page.enable"} {
		p.call(m, nil, nil)
	}
	p.call("Page.addScriptToEvaluateOnNewDocument", map[string]any{"source": reportCSPViolations}, nil)
	return p
}

func (p *page) call(method string, params, out any) {
	p.t.Helper()
	if err := p.dt.call(p.session, method, params, out); err != nil {
		p.t.Fatal(err)
	}
}

// event records what the tab did; it runs on the DevTools reader.
func (p *page) event(m cdpMessage) {
	if m.SessionID != p.session {
		return
	}
	var ev struct {
		Request  struct{ URL string }
		URL      string
		Response struct{ PayloadData string }
		Entry    struct{ Source, Level, Text, URL string }
		Type     string
		Args     []struct {
			Value       any
			Description string
		}
		ExceptionDetails struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	_ = json.Unmarshal(m.Params, &ev)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch m.Method {
	case "Network.requestWillBeSent":
		p.requests = append(p.requests, ev.Request.URL)
	case "Network.webSocketCreated":
		p.requests = append(p.requests, ev.URL)
	case "Network.webSocketFrameSent", "Network.webSocketFrameReceived":
		p.wsFrames = append(p.wsFrames, ev.Response.PayloadData)
	case "Log.entryAdded":
		if ev.Entry.Level == "error" && !strings.HasSuffix(ev.Entry.URL, "/favicon.ico") {
			p.problems = append(p.problems, fmt.Sprintf("%s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case "Runtime.consoleAPICalled":
		if ev.Type == "error" || ev.Type == "assert" {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, fmt.Sprint(a.Value)+a.Description)
			}
			p.problems = append(p.problems, "console: "+strings.Join(parts, " "))
		}
	case "Runtime.exceptionThrown":
		p.problems = append(p.problems, "exception: "+ev.ExceptionDetails.Text+" "+ev.ExceptionDetails.Exception.Description)
	}
}

func (p *page) navigate(u string) {
	p.t.Helper()
	var nav struct{ ErrorText string }
	p.call("Page.navigate", map[string]any{"url": u}, &nav)
	if nav.ErrorText != "" {
		p.t.Fatalf("navigate %s: %s", u, nav.ErrorText)
	}
}

// eval runs a JavaScript expression in the page and decodes its value.
func (p *page) eval(expr string, out any) {
	p.t.Helper()
	var r struct {
		Result           struct{ Value json.RawMessage }
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	p.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
	if r.ExceptionDetails != nil {
		p.t.Fatalf("evaluate %s: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	if out != nil && len(r.Result.Value) > 0 {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			p.t.Fatalf("evaluate %s: %s: %v", expr, r.Result.Value, err)
		}
	}
}

// waitFor polls a JavaScript condition until it holds.
func (p *page) waitFor(what, cond string, timeout time.Duration) {
	p.t.Helper()
	if testwait.Until(timeout, func() bool {
		var ok bool
		p.eval("!!("+cond+")", &ok)
		return ok
	}) {
		return
	}
	var text string
	p.eval("document.body ? document.body.innerText.slice(0, 2000) : ''", &text)
	p.t.Fatalf("waited %s for %s; the page shows:\n%s\nproblems: %q", timeout, what, text, p.problemList())
}

// click presses and releases the mouse on the middle of the element, as a
// person would.
func (p *page) click(selector string) {
	p.t.Helper()
	sel, _ := json.Marshal(selector)
	var at struct{ X, Y float64 }
	p.eval(fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) throw new Error('no element ' + %s);
		e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();
		return {x: r.x + r.width / 2, y: r.y + r.height / 2}; })()`, sel, sel), &at)
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		p.call("Input.dispatchMouseEvent", map[string]any{"type": typ, "x": at.X, "y": at.Y, "button": "left", "clickCount": 1}, nil)
	}
}

func (p *page) text(selector string) string {
	p.t.Helper()
	sel, _ := json.Marshal(selector)
	var s string
	p.eval(fmt.Sprintf(`(document.querySelector(%s) || {}).innerText || ''`, sel), &s)
	return s
}

func (p *page) problemList() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...)
}

func (p *page) frames() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.wsFrames...)
}

// offLoopback lists the requests the page made to any host but 127.0.0.1
// (data: and blob: URLs never leave the browser).
func (p *page) offLoopback() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, r := range p.requests {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Hostname() != "127.0.0.1") {
			out = append(out, r)
		}
	}
	return out
}

func (p *page) allRequests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}
