package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"switchboard/internal/config"
	"switchboard/internal/testenv"
)

// The playground's page and assets come from the binary: no request of
// the page names another host, and its CSP allows none. (test/browser runs
// it in Chromium with outside network refused.)
func TestPlaygroundServedFromBinary(t *testing.T) {
	env := testenv.New(t)
	res, page := get(t, env.Server.URL+"/playground", nil)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /playground: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 2 {
		t.Fatalf("page references %q, want its script and stylesheet", refs)
	}
	for _, tc := range []struct{ path, ctype string }{
		{"/playground/assets/graphiql.js", "text/javascript"},
		{"/playground/assets/graphiql.css", "text/css"},
	} {
		if !strings.Contains(page, `"`+tc.path+`"`) {
			t.Errorf("page does not load %s", tc.path)
		}
		res, body := get(t, env.Server.URL+tc.path, nil)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), tc.ctype) || len(body) < 100_000 {
			t.Fatalf("GET %s: %d %q, %d bytes", tc.path, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}
		if strings.Contains(body, "sourceMappingURL") {
			t.Errorf("%s points to a source map", tc.path)
		}
		etag := res.Header.Get("ETag")
		if res, _ := get(t, env.Server.URL+tc.path, map[string]string{"If-None-Match": etag}); etag == "" || res.StatusCode != http.StatusNotModified {
			t.Errorf("%s revalidation with ETag %q: %d, want 304", tc.path, etag, res.StatusCode)
		}
	}
	for _, path := range []string{"/playground/assets/", "/playground/assets/index.html", "/playground/assets/nope.js"} {
		if res, _ := get(t, env.Server.URL+path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}

	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self';", "style-src 'self' 'nonce-", "connect-src 'self';", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("playground CSP %q lacks %q", csp, want)
		}
	}
	for _, bad := range []string{"http", "unsafe", "ws:", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("playground CSP %q allows %q", csp, bad)
		}
	}

	// The style nonce is handed to the page's script, and is new each time.
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(csp)
	if nonce == nil || len(nonce[1]) < 22 || !strings.Contains(page, `nonce="`+nonce[1]+`" src="/playground/assets/graphiql.js"`) {
		t.Fatalf("CSP %q: its nonce is not on the page's script", csp)
	}
	if res, _ := get(t, env.Server.URL+"/playground", nil); strings.Contains(res.Header.Get("Content-Security-Policy"), nonce[1]) {
		t.Error("two responses share a nonce")
	}
}

func TestPlaygroundOffRemovesAssets(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.Playground = false })
	for _, path := range []string{"/playground", "/playground/assets/graphiql.js", "/playground/assets/graphiql.css"} {
		if res, _ := get(t, env.Server.URL+path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s with PLAYGROUND=false: %d, want 404", path, res.StatusCode)
		}
	}
}
