// Package metacallback answers Meta's callbacks for users of our app: the
// data-deletion callback (POST /meta/data-deletion), the deauthorize
// callback (POST /meta/deauthorize), and the page where a person follows a
// deletion by its confirmation code (GET /privacy/deletion-status/{code}).
//
// The Meta user is a business admin who connected WhatsApp numbers through
// our app. What Switchboard holds about them is that link (a channel's
// metaUserId) and the access tokens they granted: both callbacks revoke the
// channels they connected, erase those tokens and erase the link, in the
// same transaction as the callback's record, so the answer is only given
// once it is done. The businesses' own inboxes stay the businesses'.
package metacallback

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"switchboard/ent"
	"switchboard/ent/metacallback"
	"switchboard/ent/privacyrequest"
	"switchboard/internal/channels"
	"switchboard/internal/privacy"
	"switchboard/internal/signedrequest"
	"switchboard/internal/viewer"
)

// MaxBodyBytes bounds a callback's form body (Meta's are well under 1 KiB).
const MaxBodyBytes = 16 << 10

// Handler serves the three endpoints.
type Handler struct {
	Client        *ent.Client
	AppSecret     string // META_APP_SECRET: the signed_request's key
	PublicBaseURL string // PUBLIC_BASE_URL: where the status page is
	Log           *slog.Logger
	Now           func() time.Time
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// DataDeletion records the request, revokes what the user connected and
// answers {"url", "confirmation_code"}. An unknown user gets a code too:
// there was nothing to erase, and the page says the request is complete.
func (h *Handler) DataDeletion(w http.ResponseWriter, r *http.Request) {
	p, ok := h.verify(w, r)
	if !ok {
		return
	}
	code, err := privacy.NewConfirmationCode()
	if err == nil {
		err = h.carryOut(r.Context(), metacallback.KindDATA_DELETION, p, &code)
	}
	if err != nil {
		h.Log.ErrorContext(r.Context(), "meta data deletion callback", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "storage unavailable, try again"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"url":               h.PublicBaseURL + "/privacy/deletion-status/" + code,
		"confirmation_code": code,
	})
}

// Deauthorize revokes what the user connected; Meta needs only a 200.
func (h *Handler) Deauthorize(w http.ResponseWriter, r *http.Request) {
	p, ok := h.verify(w, r)
	if !ok {
		return
	}
	if err := h.carryOut(r.Context(), metacallback.KindDEAUTHORIZE, p, nil); err != nil {
		h.Log.ErrorContext(r.Context(), "meta deauthorize callback", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "storage unavailable, try again"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{})
}

// verify reads the form's signed_request and checks it; on failure it has
// answered (400, or 503 when no app secret is configured to check with)
// and nothing is stored.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) (*signedrequest.Payload, bool) {
	if h.AppSecret == "" {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "META_APP_SECRET is not configured"})
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "body too large"})
			return nil, false
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be a form with signed_request"})
		return nil, false
	}
	p, err := signedrequest.Parse(r.PostForm.Get("signed_request"), []byte(h.AppSecret), h.now())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return nil, false
	}
	return p, true
}

// carryOut revokes the user's channels and records the callback, in one
// transaction.
func (h *Handler) carryOut(ctx context.Context, kind metacallback.Kind, p *signedrequest.Payload, code *string) error {
	ctx = viewer.System(ctx)
	tx, err := h.Client.Tx(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	done, err := channels.RevokeMetaUser(ctx, tx.Client(), p.UserID, "meta:"+strings.ToLower(string(kind)))
	if err != nil {
		return err
	}
	// The user's id is not kept: the record says what was done and when.
	err = tx.MetaCallback.Create().SetKind(kind).SetNillableConfirmationCode(code).SetIssuedAt(p.IssuedAt).
		SetStatus(metacallback.StatusCOMPLETED).SetCompletedAt(h.now()).
		SetChannels(done.Channels).SetTenants(done.Tenants).Exec(ctx)
	if err != nil {
		return err
	}
	return tx.Commit()
}

// codeShape is what a confirmation code can look like (ours are 24
// base32 characters; the check keeps anything else away from the
// database).
var codeShape = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// status is a deletion's state as the page tells it.
type status struct {
	Code        string     `json:"confirmation_code"`
	Status      string     `json:"status"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	DueAt       *time.Time `json:"due_at,omitempty"`
}

// Status answers GET /privacy/deletion-status/{code}: JSON, or a page in
// plain words for a browser (Accept: text/html). It finds the codes of
// Meta's callbacks and of privacy requests; an unknown code is 404.
func (h *Handler) Status(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	code := r.PathValue("code")
	st, err := h.lookup(r.Context(), code)
	if err != nil {
		h.Log.ErrorContext(r.Context(), "deletion status", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "storage unavailable, try again"})
		return
	}
	html := strings.Contains(r.Header.Get("Accept"), "text/html")
	if st == nil {
		if html {
			htmlHeaders(w)
			w.WriteHeader(http.StatusNotFound)
			_ = page.Execute(w, nil)
			return
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no request has this confirmation code"})
		return
	}
	if html {
		htmlHeaders(w)
		_ = page.Execute(w, st)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (h *Handler) lookup(ctx context.Context, code string) (*status, error) {
	if !codeShape.MatchString(code) {
		return nil, nil
	}
	ctx = viewer.System(ctx)
	mc, err := h.Client.MetaCallback.Query().Where(metacallback.ConfirmationCode(code)).Only(ctx)
	switch {
	case err == nil:
		return &status{Code: code, Status: string(mc.Status), CompletedAt: mc.CompletedAt}, nil
	case !ent.IsNotFound(err):
		return nil, err
	}
	pr, err := h.Client.PrivacyRequest.Query().Where(privacyrequest.ConfirmationCode(code)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	due := pr.DueAt
	return &status{Code: code, Status: string(pr.Status), CompletedAt: pr.CompletedAt, DueAt: &due}, nil
}

// htmlHeaders: the page's only style is its own inline <style>; the
// server's policy otherwise forbids everything.
func htmlHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// page tells a person, in plain words, where their request stands.
var page = template.Must(template.New("status").Funcs(template.FuncMap{
	"day": func(t *time.Time) string { return t.UTC().Format("2 January 2006") },
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your data deletion request</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;color:#222}code{background:#f3f3f3;padding:.1em .3em}</style>
</head><body>
<h1>Your data deletion request</h1>
{{if not .}}<p>We could not find a request with this confirmation code. Please check the link or the code you were given.</p>
{{else}}<p>Confirmation code: <code>{{.Code}}</code></p>
{{if eq .Status "COMPLETED"}}<p><strong>Done.</strong> Your data was deleted{{with .CompletedAt}} on {{day .}}{{end}}. There is nothing more you need to do.</p>
{{else if eq .Status "REJECTED"}}<p><strong>We could not carry out this request as asked.</strong> The business you contacted has the reason and will tell you what happens next.</p>
{{else if eq .Status "IN_PROGRESS"}}<p><strong>In progress.</strong> We have started deleting your data{{with .DueAt}} and will finish by {{day .}}{{end}}.</p>
{{else}}<p><strong>Received.</strong> We have your request and will complete it{{with .DueAt}} by {{day .}}{{else}} within 30 days{{end}}.</p>{{end}}
{{end}}</body></html>
`))
