package outbox

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes counted by switchboard_outbox_sends_total: what each attempt's
// answer did to its message.
const (
	outcomeSent    = "sent"    // Meta accepted it
	outcomeRetry   = "retry"   // a temporary refusal: queued again
	outcomeUnknown = "unknown" // no answer: waits for a status webhook
	outcomeFailed  = "failed"  // FAILED with Meta's error
	outcomeReauth  = "reauth"  // the token was refused: the channel waits
)

// metrics are an Outbox's counters; nil Registry counts unregistered.
type metrics struct {
	sends     *prometheus.CounterVec
	throttled prometheus.Counter
	claims    prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_outbox_sends_total",
			Help: "Answers to this replica's send attempts, by outcome (sent, retry, unknown, failed, reauth).",
		}, []string{"outcome"}),
		throttled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "switchboard_outbox_throttled_total",
			Help: "Times a number's send pace was halved after Meta's 130429 (throughput exceeded).",
		}),
		claims: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "switchboard_outbox_claim_seconds",
			Help:    "Time a sender took to claim its next batch of sends (a transaction): while it is longer than the batch takes to send, the number sends below its rate.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
	}
	if reg == nil {
		return m
	}
	m.sends = register(reg, m.sends)
	m.throttled = register(reg, m.throttled)
	m.claims = register(reg, m.claims)
	return m
}

// register registers c, or returns the collector already registered under
// its name (several outboxes may share a registry in tests).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err) // a name clash with another metric: a programming error
		}
		return are.ExistingCollector.(C)
	}
	return c
}
