package server_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"switchboard/internal/config"
	"switchboard/internal/testenv"
)

var hrefs = regexp.MustCompile(`href="([^"]*)"`)

func TestLandingPage(t *testing.T) {
	for _, tc := range []struct {
		name       string
		playground bool
	}{{"playground on", true}, {"playground off", false}} {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.New(t, func(c *config.Config) { c.Playground = tc.playground })
			res, body := get(t, env.Server.URL+"/", nil)
			if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("GET /: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
			for _, want := range []string{"<title>Switchboard</title>", "WhatsApp", "POST /graphql", "Authorization: Bearer &lt;token&gt;", "extensions.code"} {
				if !strings.Contains(body, want) {
					t.Errorf("landing page lacks %q", want)
				}
			}
			if strings.Contains(strings.ToLower(body), "<script") {
				t.Error("landing page has a script")
			}

			// Every link stays on this server and answers.
			var links []string
			for _, m := range hrefs.FindAllStringSubmatch(body, -1) {
				links = append(links, m[1])
			}
			want := []string{"/healthz", "/readyz", "/metrics", "#api"}
			if tc.playground {
				want = append([]string{"/playground"}, want...)
			}
			if strings.Join(links, " ") != strings.Join(want, " ") {
				t.Fatalf("links %q, want %q", links, want)
			}
			for _, l := range links {
				if strings.HasPrefix(l, "#") {
					if !strings.Contains(body, `id="`+l[1:]+`"`) {
						t.Errorf("link %s: no such anchor", l)
					}
					continue
				}
				if res, _ := get(t, env.Server.URL+l, nil); res.StatusCode != http.StatusOK {
					t.Errorf("link %s: %d", l, res.StatusCode)
				}
			}

			// The strict CSP, plus exactly the page's own stylesheet.
			csp := res.Header.Get("Content-Security-Policy")
			_, css, _ := strings.Cut(body, "<style>")
			css, _, _ = strings.Cut(css, "</style>")
			sum := sha256.Sum256([]byte(css))
			for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'",
				"style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") {
				t.Errorf("CSP %q allows more than the stylesheet", csp)
			}
			if res.Header.Get("X-Frame-Options") != "DENY" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers: %v", res.Header)
			}
		})
	}
}

func TestOnlyTheRootIsTheLandingPage(t *testing.T) {
	env := testenv.New(t)
	for _, path := range []string{"/nope", "/index.html", "/favicon.ico", "/playground/", "/healthz/x"} {
		if res, body := get(t, env.Server.URL+path, nil); res.StatusCode != http.StatusNotFound || strings.Contains(body, "Switchboard") {
			t.Errorf("GET %s: %d, want 404 without the landing page", path, res.StatusCode)
		}
	}
	res, err := http.Post(env.Server.URL+"/", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", res.StatusCode)
	}
}
