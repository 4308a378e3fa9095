package webhook

import (
	"context"
	"errors"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a webhook POST, the values of the outcome label of
// switchboard_webhook_deliveries_total. Meta retries every one but
// accepted (and, for a while, bad_signature and bad_json, which it can't fix).
const (
	OutcomeAccepted     = "accepted"      // 200: stored durably with its job
	OutcomeBadSignature = "bad_signature" // 401: missing or wrong X-Hub-Signature-256
	OutcomeTooLarge     = "too_large"     // 413: over the body limit
	OutcomeBadJSON      = "bad_json"      // 400: signed, but not JSON
	OutcomeTimeout      = "timeout"       // 408: the body did not arrive in time
	OutcomeUnavailable  = "unavailable"   // 503: storage did not commit it
	OutcomeBadRequest   = "bad_request"   // 400: the body could not be read
	OutcomeOther        = "other"         // anything else (405, a panic's 500)
)

// OutcomesMetric is the counter's name.
const OutcomesMetric = "switchboard_webhook_deliveries_total"

type outcomeKey struct{}

// setOutcome tells CountOutcomes what the handler decided, where the
// status code alone is ambiguous (400).
func setOutcome(ctx context.Context, outcome string) {
	if p, ok := ctx.Value(outcomeKey{}).(*string); ok {
		*p = outcome
	}
}

// CountOutcomes counts every POST to next (the webhook endpoint with its
// body limits around it, so that 413 and 408 answered before the handler
// count too) by outcome. The counter is registered on reg; several
// servers may share a registry.
func CountOutcomes(reg prometheus.Registerer, next http.Handler) http.Handler {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: OutcomesMetric,
		Help: "Webhook POSTs by outcome: accepted, bad_signature, too_large, bad_json, timeout, unavailable, bad_request, other.",
	}, []string{"outcome"})
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err) // a name clash: a programming error
		}
		c = are.ExistingCollector.(*prometheus.CounterVec)
	}
	for _, o := range []string{OutcomeAccepted, OutcomeBadSignature, OutcomeTooLarge, OutcomeBadJSON, OutcomeTimeout, OutcomeUnavailable} {
		c.WithLabelValues(o) // present at 0 from the start, so rates and alerts work
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		var decided string
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), outcomeKey{}, &decided)))
		if decided == "" {
			decided = outcomeOf(rec.status)
		}
		c.WithLabelValues(decided).Inc()
	})
}

func outcomeOf(status int) string {
	switch status {
	case http.StatusOK:
		return OutcomeAccepted
	case http.StatusUnauthorized:
		return OutcomeBadSignature
	case http.StatusRequestEntityTooLarge:
		return OutcomeTooLarge
	case http.StatusRequestTimeout:
		return OutcomeTimeout
	case http.StatusServiceUnavailable:
		return OutcomeUnavailable
	case http.StatusBadRequest:
		return OutcomeBadRequest
	}
	return OutcomeOther
}

// statusWriter remembers the status code.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
