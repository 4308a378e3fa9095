package browser_test

import (
	"strings"
	"testing"
	"time"

	"switchboard/internal/testenv"
)

// The landing page renders under its strict CSP: its stylesheet applies
// (allowed by hash), nothing is blocked, and it links to the playground.
func TestLandingPageRendersUnderItsCSP(t *testing.T) {
	env := testenv.New(t)
	p := openPage(t, startChromium(t))
	p.navigate(env.Server.URL + "/")
	p.waitFor("the landing page", `document.readyState === 'complete' && document.querySelector('h1')`, 20*time.Second)

	if h1 := p.text("h1"); h1 != "Switchboard" {
		t.Errorf("heading %q", h1)
	}
	var maxWidth string
	p.eval(`getComputedStyle(document.body).maxWidth`, &maxWidth)
	if maxWidth != "736px" {
		t.Errorf("body max-width %q: the page's stylesheet did not apply", maxWidth)
	}
	var links []string
	p.eval(`[...document.querySelectorAll('a')].map((a) => a.href)`, &links)
	if len(links) == 0 || !strings.HasSuffix(links[0], "/playground") {
		t.Errorf("links %q: the first should be the playground", links)
	}
	assertStayedHome(t, p)
}
