package retention

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the purge's Prometheus metrics, per process: each replica
// reports the runs it did (one at a time does them, so summing the
// counters over replicas gives the deployment's totals).
type Metrics struct {
	purged      *prometheus.CounterVec
	runs        *prometheus.CounterVec
	lastRun     prometheus.Gauge
	lastSuccess prometheus.Gauge
	duration    prometheus.Gauge
}

// NewMetrics registers the metrics on reg; with reg nil they count
// unregistered. Two Purgers on one registry share its collectors.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		purged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_retention_purged_total",
			Help: "Items the retention purge removed, by kind (messages count contents purged; the rows stay).",
		}, []string{"kind"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_retention_runs_total",
			Help: "Retention runs this process did, by result (ok or error).",
		}, []string{"result"}),
		lastRun: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "switchboard_retention_last_run_timestamp_seconds",
			Help: "When the last retention run this process did ended (Unix time).",
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "switchboard_retention_last_success_timestamp_seconds",
			Help: "When the last retention run this process did without an error ended (Unix time).",
		}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "switchboard_retention_last_run_duration_seconds",
			Help: "How long the last retention run this process did took.",
		}),
	}
	if reg == nil {
		return m
	}
	m.purged = register(reg, m.purged)
	m.runs = register(reg, m.runs)
	m.lastRun = register(reg, m.lastRun)
	m.lastSuccess = register(reg, m.lastSuccess)
	m.duration = register(reg, m.duration)
	return m
}

// register registers c, or returns the collector already registered
// under its name.
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

// observe records one run that did the work (held the lease).
func (m *Metrics) observe(purged Counts, err error, start, end time.Time) {
	for k, n := range purged {
		if n > 0 {
			m.purged.WithLabelValues(string(k)).Add(float64(n))
		}
	}
	m.lastRun.Set(float64(end.UnixMilli()) / 1000)
	m.duration.Set(end.Sub(start).Seconds())
	if err != nil {
		m.runs.WithLabelValues("error").Inc()
		return
	}
	m.runs.WithLabelValues("ok").Inc()
	m.lastSuccess.Set(float64(end.UnixMilli()) / 1000)
}
