package browser_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/internal/testenv"
	"switchboard/internal/whatsapp"
)

const (
	queryEditor   = ".graphiql-query-editor .CodeMirror"
	headersTab    = `.graphiql-editor-tools button[data-name="headers"]`
	headersEditor = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
	runButton     = ".graphiql-execute-button"
	resultPane    = ".graphiql-response"
)

// openPlayground loads /playground and waits for GraphiQL to be usable.
func openPlayground(t *testing.T, env *testenv.Env) *page {
	t.Helper()
	p := openPage(t, startChromium(t))
	p.navigate(env.Server.URL + "/playground")
	p.waitFor("GraphiQL's editors", fmt.Sprintf("document.querySelector(%q) && document.querySelector(%q)", queryEditor, runButton), 30*time.Second)
	return p
}

// setEditor replaces the text of a GraphiQL editor (CodeMirror) as typing
// would, through the editor, so GraphiQL sees the change.
func setEditor(p *page, selector, text string) {
	p.t.Helper()
	sel, _ := json.Marshal(selector)
	val, _ := json.Marshal(text)
	p.eval(fmt.Sprintf(`document.querySelector(%s).CodeMirror.setValue(%s)`, sel, val), nil)
}

// setQuery puts a query in the query editor and waits until GraphiQL has
// parsed it (it does so 100 ms after the last change): until then a run
// would route the operation by the previous text's kind, a subscription
// over HTTP instead of the WebSocket.
func setQuery(p *page, text string) {
	p.t.Helper()
	setEditor(p, queryEditor, text)
	val, _ := json.Marshal(text)
	p.waitFor("GraphiQL to parse the query", fmt.Sprintf("(document.querySelector(%q).CodeMirror.documentAST || {loc: {source: {}}}).loc.source.body === %s", queryEditor, val), 10*time.Second)
}

// setHeaders opens the Headers tab and puts the JSON in its editor.
func setHeaders(p *page, headers string) {
	p.t.Helper()
	p.click(headersTab)
	p.waitFor("the headers editor", fmt.Sprintf("document.querySelector(%q)", headersEditor), 5*time.Second)
	setEditor(p, headersEditor, headers)
}

// run clicks the run button and waits for the result pane to show want.
func run(p *page, want string, timeout time.Duration) string {
	p.t.Helper()
	p.click(runButton)
	wantJS, _ := json.Marshal(want)
	p.waitFor("a result showing "+want, fmt.Sprintf("(document.querySelector(%q) || {innerText: ''}).innerText.includes(%s)", resultPane, wantJS), timeout)
	return p.text(resultPane)
}

// assertStayedHome fails when the page asked any host but the test server,
// or reported a problem (an exception, a console error, a CSP violation, a
// resource that failed to load).
func assertStayedHome(t *testing.T, p *page) {
	t.Helper()
	if len(p.allRequests()) == 0 {
		t.Fatal("no request was recorded: the network events are not arriving")
	}
	if off := p.offLoopback(); len(off) > 0 {
		t.Errorf("the page made requests outside the loopback: %q", off)
	}
	if probs := p.problemList(); len(probs) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(probs, "\n"))
	}
}

// A person without internet access opens the playground, runs `me`
// unauthenticated, puts their token in the Headers tab and runs it again.
func TestPlaygroundRunsAQueryOffline(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Offline Reader")
	p := openPlayground(t, env)

	setQuery(p, "{ me { email } }")
	setHeaders(p, "{}")
	if out := run(p, "UNAUTHENTICATED", 20*time.Second); strings.Contains(out, acct.Email) {
		t.Fatalf("without a token the result names the user:\n%s", out)
	}

	setHeaders(p, `{"Authorization": "Bearer `+acct.Token+`"}`)
	out := run(p, acct.Email, 20*time.Second)
	if !strings.Contains(out, `"email": "`+acct.Email+`"`) || strings.Contains(out, "errors") {
		t.Fatalf("result with the token:\n%s", out)
	}

	// A dialog adds a <style> element at run time: the CSP's nonce admits it.
	p.click(`button[aria-label="Open settings dialog"]`)
	p.waitFor("the settings dialog", `document.querySelector('[role="dialog"]') && document.querySelector('style[nonce]')`, 5*time.Second)
	assertStayedHome(t, p)
}

// A subscription in the playground runs over a WebSocket to this server,
// authenticated by the same Authorization header, and shows live events.
func TestPlaygroundSubscriptionOverWebSocket(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Live Watcher")
	env.MustQuery(t, acct.Token, `mutation($in: ConnectWhatsAppInput!) { connectWhatsApp(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Support", "wabaId": "102290129340398", "phoneNumberId": "7001",
			"displayPhoneNumber": "+1 555 0100", "accessToken": "EAAGtest-browser", "metaUserId": "10158"}}, nil)
	p := openPlayground(t, env)

	// Each message brings two events (MESSAGE_CREATED, CONVERSATION_UPDATED)
	// and GraphiQL shows the latest: both name the conversation's last message.
	setQuery(p, "subscription { inboxEvents { kind conversation { lastMessage { text } } } }")
	setHeaders(p, `{"Authorization": "Bearer `+acct.Token+`"}`)
	p.click(runButton)
	waitForFrame(t, p, `"type":"connection_ack"`)
	waitForFrame(t, p, `"type":"subscribe"`)

	// The subscription is live-only: send messages until one shows up
	// (the server may still be starting it when the first arrives).
	shown := false
	for i := 1; i <= 15 && !shown; i++ {
		deliverText(t, env, fmt.Sprintf("hello from WhatsApp %d", i), i)
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) && !shown {
			shown = strings.Contains(p.text(resultPane), "hello from WhatsApp")
			time.Sleep(100 * time.Millisecond)
		}
	}
	if out := p.text(resultPane); !shown || !strings.Contains(out, `"inboxEvents"`) {
		t.Fatalf("the subscription showed no message; the result pane:\n%s\nframes: %q", out, p.frames())
	}

	wsURL := "ws" + strings.TrimPrefix(env.Server.URL, "http") + "/graphql"
	if !slices.Contains(p.allRequests(), wsURL) {
		t.Errorf("no WebSocket to %s among %q", wsURL, p.allRequests())
	}
	if !containsSub(p.frames(), `"Authorization":"Bearer `+acct.Token+`"`) {
		t.Errorf("connection_init did not carry the Authorization header; frames: %q", p.frames())
	}
	assertStayedHome(t, p)
}

func waitForFrame(t *testing.T, p *page, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !containsSub(p.frames(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no WebSocket frame with %s; frames: %q; result pane:\n%s", want, p.frames(), p.text(resultPane))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// deliverText posts Meta's webhook for one inbound text message.
func deliverText(t *testing.T, env *testenv.Env, text string, n int) {
	t.Helper()
	body := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages",
"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100","phone_number_id":"7001"},
"contacts":[{"profile":{"name":"Alice"},"wa_id":"14155550123"}],
"messages":[{"from":"14155550123","id":"wamid.browser.%d","timestamp":"%d","type":"text","text":{"body":%q}}]}}]}]}`,
		n, time.Now().Unix(), text)
	req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/webhooks/whatsapp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", whatsapp.Sign(testenv.AppSecret, []byte(body)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("webhook: %d", res.StatusCode)
	}
}

func containsSub(list []string, sub string) bool {
	for _, x := range list {
		if strings.Contains(x, sub) {
			return true
		}
	}
	return false
}
