package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"time"

	"switchboard/internal/viewer"
)

// bodyLimits bounds what a request body may cost: its size, and the time
// the client takes to send it (a client trickling a byte every few seconds
// would otherwise hold a connection and a goroutine for as long as it
// likes). The body is read whole before the handler runs, under a read
// deadline that is cleared afterwards, so long-lived responses (SSE) are
// not cut by it. WebSocket upgrades (GET) carry no body and pass through.
//
// A multipart POST (a GraphQL file upload) is the exception: it may be up
// to upload bytes (plus max for the operation and the form's framing) and
// is streamed to the handler, which keeps big files in temporary files
// rather than memory. It must declare its length, and its read deadline
// grows with it: timeout plus one second per minUploadRate bytes.
type bodyLimits struct {
	max     int64
	timeout time.Duration
	drain   context.Context // ends streams when the server shuts down
	upload  int64           // multipart uploads (0: treated like any body)
}

// minUploadRate is the slowest average rate, in bytes per second, at
// which a declared upload must arrive (a 100 MB file: 25 minutes).
const minUploadRate = 64 << 10

// wrap applies the limits to next, with the size limit of b, and streams
// multipart uploads up to b.upload.
func (b bodyLimits) wrap(next http.Handler) http.Handler {
	limited := b.wrapMax(b.max, next)
	if b.upload <= 0 {
		return limited
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !multipart(r) {
			limited.ServeHTTP(w, r)
			return
		}
		max := b.upload + b.max
		switch {
		case r.ContentLength < 0:
			http.Error(w, "a file upload needs a Content-Length", http.StatusLengthRequired)
			return
		case r.ContentLength > max:
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if b.timeout > 0 {
			rc := http.NewResponseController(w)
			d := b.timeout + time.Duration(r.ContentLength/minUploadRate)*time.Second
			if err := rc.SetReadDeadline(time.Now().Add(d)); err == nil {
				defer rc.SetReadDeadline(time.Time{})
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

// uploadsNeedCaller refuses a multipart request from a caller the
// authentication did not recognize before any of its body is read: only
// sendMessage takes files, and it needs a member, so nobody signed out can
// make the server parse a form of MAX_UPLOAD_BYTES. It runs after
// authenticate.
func uploadsNeedCaller(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && multipart(r) {
			if _, ok := viewer.FromContext(r.Context()); !ok {
				w.Header().Set("Connection", "close")
				http.Error(w, "sign in to upload files: send Authorization: Bearer <token>", http.StatusUnauthorized)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// multipart tells a multipart/form-data request (the GraphQL multipart
// request spec).
func multipart(r *http.Request) bool {
	t, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && t == "multipart/form-data"
}

// wrapMax applies the limits with a size limit of max bytes.
func (b bodyLimits) wrapMax(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.Header.Get("Upgrade") != "" {
			// A WebSocket upgrade (always a GET) has no body to bound; any
			// other request that names an Upgrade still gets the limits.
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > max {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		body, err := b.read(w, r, max)
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		case errors.Is(err, os.ErrDeadlineExceeded):
			w.Header().Set("Connection", "close")
			http.Error(w, "request body not received in time", http.StatusRequestTimeout)
			return
		case err != nil:
			http.Error(w, "cannot read request body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if b.drain != nil && strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			ctx, cancel := context.WithCancel(r.Context())
			defer cancel()
			defer context.AfterFunc(b.drain, cancel)()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// read reads the whole body of r, at most max bytes, within b.timeout.
func (b bodyLimits) read(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	rc := http.NewResponseController(w)
	if b.timeout > 0 {
		// Not every ResponseWriter supports deadlines (httptest recorders);
		// the limit then simply does not apply.
		if err := rc.SetReadDeadline(time.Now().Add(b.timeout)); err == nil {
			defer rc.SetReadDeadline(time.Time{})
		}
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, max))
}

// securityHeaders are sent with every response: no MIME sniffing, no
// referrer leaking tokens in URLs, no framing (clickjacking), and a CSP
// that allows nothing to an API response rendered in a browser. The
// playground sets its own, wider CSP; the landing page adds its stylesheet.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// playgroundCSP is the policy of GraphiQL's page: its script and
// stylesheet come from this server (they are embedded in the binary), and
// it talks to this server only, over HTTP and WebSocket ('self' covers ws:
// and wss: to the same host). Fonts and icons are data: URIs inside the
// stylesheet. The <style> elements GraphiQL's dialogs add at run time carry
// the response's nonce.
func playgroundCSP(nonce string) string {
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self' 'nonce-" + nonce + "'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src 'self'",
		"frame-ancestors 'none'",
		"base-uri 'none'",
		"form-action 'none'",
	}, "; ")
}

// requireToken guards next with a static Bearer token (METRICS_TOKEN);
// an empty token leaves next open.
func requireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need Authorization: Bearer <METRICS_TOKEN>", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}
