package jobs

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"switchboard/ent"
	"switchboard/ent/job"
	"switchboard/internal/viewer"
)

// Metric names: the dead jobs of one process's runner since it started
// (for rate alerts), and the dead jobs kept in the database by any
// replica (what an operator still has to look at).
const (
	deadTotalName = "switchboard_jobs_dead_total"
	deadName      = "switchboard_jobs_dead"
)

// scrapeTimeout bounds the query that counts dead jobs on each scrape: a
// slow database must not hang /metrics.
const scrapeTimeout = 2 * time.Second

// registerMetrics registers the runner's metrics on reg and returns the
// dead-jobs counter. Several runners may share a registry: they then
// share its collectors. With reg nil the counter counts unregistered.
func registerMetrics(reg prometheus.Registerer, client *ent.Client, log *slog.Logger) *prometheus.CounterVec {
	dead := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: deadTotalName,
		Help: "Jobs that exhausted their attempts (or failed permanently) and were kept as FAILED, by kind.",
	}, []string{"kind"})
	if reg == nil {
		return dead
	}
	if err := reg.Register(dead); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			panic(err) // a name clash with another metric: a programming error
		}
		dead = are.ExistingCollector.(*prometheus.CounterVec)
	}
	if err := reg.Register(&deadCollector{client: client, log: log, desc: prometheus.NewDesc(deadName,
		"Dead jobs (status FAILED) currently kept in the database, by kind; `switchboard jobs retry` re-drives them.",
		[]string{"kind"}, nil)}); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
		panic(err)
	}
	if err := reg.Register(newQueueCollector(client, log)); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
		panic(err)
	}
	return dead
}

// deadCollector counts the dead jobs in the database on each scrape, so
// the gauge is right on every replica and after restarts and retries.
// The query uses the (status, run_at) index.
type deadCollector struct {
	client *ent.Client
	log    *slog.Logger
	desc   *prometheus.Desc
}

func (c *deadCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect reports nothing (and logs why) when the database does not
// answer in time, rather than failing the whole scrape.
func (c *deadCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(viewer.System(context.Background()), scrapeTimeout)
	defer cancel()
	counts, err := countDead(ctx, c.client)
	if err != nil {
		c.log.Warn("dead jobs not counted for metrics", "err", err)
		return
	}
	for kind, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), kind)
	}
}

// countDead returns the number of FAILED jobs per kind.
func countDead(ctx context.Context, c *ent.Client) (map[string]int, error) {
	var rows []struct {
		Kind  string `json:"kind"`
		Count int    `json:"count"`
	}
	err := c.Job.Query().Where(job.StatusEQ(job.StatusFAILED)).
		GroupBy(job.FieldKind).Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Kind] = r.Count
	}
	return out, nil
}
