// Package webhook is Meta's webhook endpoint. It reads like a checklist:
// limit the body, verify the signature on the raw bytes, store the raw
// event durably with the job that will process it, answer. Parsing and
// every effect happen later, in that job (internal/inbound).
package webhook

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"switchboard/internal/jobs"
	"switchboard/internal/whatsapp"
)

// JobKind is the job that processes a stored webhook event.
const JobKind = "webhook.process"

// ProcessJob is JobKind with its payload, the id of the stored webhook
// event (its bytes alone): the batcher enqueues with it, and
// internal/inbound decodes with it.
var ProcessJob = jobs.IDKind(JobKind, "WH")

// DefaultMaxBytes is API.md's body limit.
const DefaultMaxBytes = 4 << 20

// Handler serves GET (handshake) and POST (events) /webhooks/whatsapp.
type Handler struct {
	// Batcher stores each delivery, group-committing concurrent ones
	// (required; internal/app builds it).
	Batcher     *Batcher
	AppSecret   string
	VerifyToken string
	// Wake is called after an event commits, to start processing at once.
	Wake func()
	Log  *slog.Logger
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.handshake(w, r)
	case http.MethodPost:
		h.receive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// handshake answers Meta's subscription check with the challenge when the
// verify token matches.
func (h *Handler) handshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("hub.verify_token")
	if h.VerifyToken == "" || q.Get("hub.mode") != "subscribe" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(h.VerifyToken)) != 1 {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, q.Get("hub.challenge"))
}

// receive stores one signed delivery and answers 200 only once it is
// committed; 503 when storage is down, so Meta retries.
func (h *Handler) receive(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > DefaultMaxBytes {
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, DefaultMaxBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if h.AppSecret == "" || !whatsapp.Verify(h.AppSecret, body, r.Header.Get("X-Hub-Signature-256")) {
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	if !json.Valid(body) {
		setOutcome(r.Context(), OutcomeBadJSON)
		http.Error(w, "body is not JSON", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if err := h.Batcher.Store(ctx, body); err != nil {
		h.Log.ErrorContext(ctx, "webhook not stored; answering 503 so Meta retries", "err", err)
		http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
		return
	}
	if h.Wake != nil {
		h.Wake()
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok")
}
