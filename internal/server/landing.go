package server

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
)

//go:embed landing.html
var landingHTML string

var landingTemplate = template.Must(template.New("landing").Parse(landingHTML))

// landing serves the page at GET / that tells a person who opened the
// server's address what it is and where to go: the playground (when it is
// on), health, readiness, metrics and a summary of the API. It links to
// nothing outside the server and runs no script; its one inline stylesheet
// is allowed by hash, everything else stays 'none'.
func landing(playground bool) http.Handler {
	var buf bytes.Buffer
	if err := landingTemplate.Execute(&buf, struct{ Playground bool }{playground}); err != nil {
		panic(err) // a fixed template over a bool: cannot fail
	}
	page := buf.Bytes()
	csp := "default-src 'none'; style-src '" + styleHash(string(page)) + "'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		_, _ = w.Write(page)
	})
}

// styleHash is the CSP source ('sha256-…') of the first <style> element's
// text in page.
func styleHash(page string) string {
	_, rest, _ := strings.Cut(page, "<style>")
	css, _, _ := strings.Cut(rest, "</style>")
	sum := sha256.Sum256([]byte(css))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}
