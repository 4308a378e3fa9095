package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"switchboard/ent"
	"switchboard/ent/job"
	"switchboard/internal/viewer"
)

// Metric names of the queue: how much work waits, and how long the
// oldest due job has waited (the number to alert on: workers are stuck
// or too few).
const (
	pendingName   = "switchboard_jobs_pending"
	oldestAgeName = "switchboard_jobs_oldest_pending_age_seconds"
)

// queueCollector counts pending jobs per kind on each scrape, as
// deadCollector counts dead ones, so every replica reports the shared
// queue. Both queries use the (status, run_at) index.
type queueCollector struct {
	client  *ent.Client
	log     *slog.Logger
	pending *prometheus.Desc
	age     *prometheus.Desc
}

func newQueueCollector(client *ent.Client, log *slog.Logger) *queueCollector {
	return &queueCollector{client: client, log: log,
		pending: prometheus.NewDesc(pendingName,
			"Jobs waiting to run (status PENDING, due or scheduled later), by kind.", []string{"kind"}, nil),
		age: prometheus.NewDesc(oldestAgeName,
			"Seconds since the oldest due PENDING job of a kind became due (0 when none is due).", []string{"kind"}, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.pending; ch <- c.age }

// Collect reports nothing (and logs why) when the database does not
// answer in time, rather than failing the whole scrape.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(viewer.System(context.Background()), scrapeTimeout)
	defer cancel()
	depth, oldest, err := queueDepth(ctx, c.client, time.Now())
	if err != nil {
		c.log.Warn("job queue not measured for metrics", "err", err)
		return
	}
	for kind, n := range depth {
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(n), kind)
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, oldest[kind].Seconds(), kind)
	}
}

// queueDepth returns the PENDING jobs per kind, and per kind how long the
// earliest due one (run_at ≤ now) has been due.
func queueDepth(ctx context.Context, c *ent.Client, now time.Time) (map[string]int, map[string]time.Duration, error) {
	var rows []struct {
		Kind  string `json:"kind"`
		Count int    `json:"count"`
	}
	err := c.Job.Query().Where(job.StatusEQ(job.StatusPENDING)).
		GroupBy(job.FieldKind).Aggregate(ent.Count()).Scan(ctx, &rows)
	if err != nil {
		return nil, nil, err
	}
	depth := make(map[string]int, len(rows))
	oldest := make(map[string]time.Duration, len(rows))
	for _, r := range rows {
		depth[r.Kind] = r.Count
		first, err := c.Job.Query().
			Where(job.StatusEQ(job.StatusPENDING), job.KindEQ(r.Kind), job.RunAtLTE(now)).
			Order(ent.Asc(job.FieldRunAt)).Select(job.FieldRunAt).First(ctx)
		switch {
		case ent.IsNotFound(err):
		case err != nil:
			return nil, nil, err
		default:
			oldest[r.Kind] = max(now.Sub(first.RunAt), 0)
		}
	}
	return depth, oldest, nil
}
