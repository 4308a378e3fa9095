// Package playground serves GraphiQL from the binary, so that /playground
// works on a machine without internet access. dist/ is built from the npm
// packages pinned in package-lock.json by `make playground-assets` and
// committed; building Switchboard needs no npm.
package playground

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
	"time"
)

//go:embed index.html dist/graphiql.js dist/graphiql.css
var files embed.FS

// AssetsPrefix is where the page expects its script and stylesheet.
const AssetsPrefix = "/playground/assets/"

var page = template.Must(template.ParseFS(files, "index.html"))

// Page serves the HTML page that loads GraphiQL, with the
// Content-Security-Policy csp gives for a fresh nonce: the page's script
// hands the nonce to GraphiQL, whose dialogs add <style> elements.
func Page(csp func(nonce string) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		nonce := base64.RawURLEncoding.EncodeToString(b) // no characters the template would escape
		h := w.Header()
		h.Set("Content-Security-Policy", csp(nonce))
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-store")
		_ = page.Execute(w, struct{ Nonce string }{nonce})
	})
}

// Assets serves the bundled script and stylesheet under AssetsPrefix. Their
// names carry no hash, so browsers revalidate them (no-cache) with an ETag
// of their content: an upgraded binary is never paired with a stale bundle.
func Assets() http.Handler {
	type asset struct {
		body []byte
		etag string
	}
	assets := map[string]asset{}
	for _, name := range []string{"graphiql.js", "graphiql.css"} {
		b, err := files.ReadFile("dist/" + name)
		if err != nil {
			panic(err) // embedded above: cannot fail
		}
		sum := sha256.Sum256(b)
		assets[name] = asset{body: b, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, _ := strings.CutPrefix(r.URL.Path, AssetsPrefix)
		a, ok := assets[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("ETag", a.etag)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
	})
}
