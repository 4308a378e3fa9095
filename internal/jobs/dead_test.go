package jobs_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"switchboard/ent"
	"switchboard/ent/job"
	"switchboard/internal/jobs"
	"switchboard/internal/testdb"
	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
)

// metric returns the value of the metric name{kind} in reg, and whether it
// is there.
func metric(t *testing.T, reg *prometheus.Registry, name, kind string) (float64, bool) {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == kind {
					if m.GetCounter() != nil {
						return m.GetCounter().GetValue(), true
					}
					return m.GetGauge().GetValue(), true
				}
			}
		}
	}
	return 0, false
}

// drain runs the queue until no job is pending or running.
func drain(t *testing.T, r *jobs.Runner, c *ent.Client) {
	t.Helper()
	ctx := viewer.System(context.Background())
	testwait.For(t, 10*time.Second, "the queue to drain", func() bool {
		if c.Job.Query().Where(job.StatusIn(job.StatusPENDING, job.StatusRUNNING)).CountX(ctx) == 0 {
			return true
		}
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		return false
	})
}

// A job that fails every attempt is kept as a dead letter with its last
// error and failure time, listed and counted; retried, it gets a fresh
// budget, runs again and succeeds. The same for single and batch kinds
// (a failing batch is retried job by job, and the error must survive it).
func TestDeadJobKeptCountedAndRetried(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(map[bool]string{false: "single", true: "batch"}[batch], func(t *testing.T) {
			db := testdb.Open(t)
			ctx := viewer.System(context.Background())
			reg := prometheus.NewRegistry()
			r := jobs.NewRunner(db.Client, quiet, jobs.Options{BaseRetry: time.Millisecond, SkipLocked: pg, Registry: reg})
			var healed atomic.Bool
			fail := func(j *ent.Job) error {
				if healed.Load() || string(j.Payload) == "fine" {
					return nil
				}
				return fmt.Errorf("upstream down on attempt %d", j.Attempts)
			}
			if batch {
				r.HandleBatch("flaky", 10, func(ctx context.Context, tx *ent.Tx, js []*ent.Job) error {
					for _, j := range js {
						if err := fail(j); err != nil {
							return err
						}
					}
					return nil
				})
			} else {
				r.Handle("flaky", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error { return fail(j) })
			}
			enqueue(t, db.Client, "flaky", "fine", "doomed")
			db.Client.Job.Update().SetMaxAttempts(3).ExecX(ctx)
			before := time.Now().Add(-time.Second)
			drain(t, r, db.Client)

			dead, err := jobs.ListDead(ctx, db.Client, jobs.DeadFilter{Kind: "flaky"})
			if err != nil {
				t.Fatal(err)
			}
			if len(dead) != 1 {
				t.Fatalf("dead jobs = %d, want the one that always fails", len(dead))
			}
			d := dead[0]
			if d.Status != job.StatusFAILED || d.Attempts != 3 || d.LastError != "upstream down on attempt 3" {
				t.Errorf("dead job: %s, %d attempts, last error %q; want FAILED after 3 with the last attempt's error", d.Status, d.Attempts, d.LastError)
			}
			if d.FailedAt == nil || d.FailedAt.Before(before) || d.FailedAt.After(time.Now().Add(time.Second)) {
				t.Errorf("failed_at = %v, want the time it died", d.FailedAt)
			}
			if other, _ := jobs.ListDead(ctx, db.Client, jobs.DeadFilter{Kind: "other"}); len(other) != 0 {
				t.Errorf("kind filter ignored: %d dead jobs of kind other", len(other))
			}
			if n, _ := metric(t, reg, "switchboard_jobs_dead_total", "flaky"); n != 1 {
				t.Errorf("switchboard_jobs_dead_total{kind=flaky} = %v, want 1", n)
			}
			if n, _ := metric(t, reg, "switchboard_jobs_dead", "flaky"); n != 1 {
				t.Errorf("switchboard_jobs_dead{kind=flaky} = %v, want 1", n)
			}

			healed.Store(true)
			ids, err := jobs.Retry(ctx, db.Client, d.ID, "JB_not_a_job")
			if err != nil || len(ids) != 1 || ids[0] != d.ID {
				t.Fatalf("Retry = %v, %v; want just the dead job", ids, err)
			}
			j := db.Client.Job.GetX(ctx, d.ID)
			if j.Status != job.StatusPENDING || j.Attempts != 0 || j.FailedAt != nil {
				t.Fatalf("retried job: %s, %d attempts, failed_at %v; want PENDING with a fresh budget", j.Status, j.Attempts, j.FailedAt)
			}
			if again, _ := jobs.Retry(ctx, db.Client, d.ID); len(again) != 0 {
				t.Errorf("a pending job was requeued again: %v", again)
			}
			drain(t, r, db.Client)
			if j := db.Client.Job.GetX(ctx, d.ID); j.Status != job.StatusDONE || j.Attempts != 1 {
				t.Errorf("retried job: %s after %d attempts, want DONE after 1", j.Status, j.Attempts)
			}
			if dead, _ := jobs.ListDead(ctx, db.Client, jobs.DeadFilter{}); len(dead) != 0 {
				t.Errorf("%d dead jobs after the retry succeeded", len(dead))
			}
			if n, ok := metric(t, reg, "switchboard_jobs_dead", "flaky"); ok && n != 0 {
				t.Errorf("switchboard_jobs_dead{kind=flaky} = %v after the retry, want 0 or absent", n)
			}
			if n, _ := metric(t, reg, "switchboard_jobs_dead_total", "flaky"); n != 1 {
				t.Errorf("switchboard_jobs_dead_total{kind=flaky} = %v, want still 1", n)
			}
		})
	}
}

// The server's /metrics shows jobs that died in its runner, and the dead
// jobs kept in the database; RetryAll re-drives them.
func TestDeadJobsInServerMetrics(t *testing.T) {
	env := testenv.New(t)
	ctx := viewer.System(context.Background())
	waitDead := func(want int) {
		t.Helper()
		testwait.For(t, 10*time.Second, fmt.Sprintf("%d dead jobs", want), func() bool {
			env.App.Jobs.Notify()
			return env.DB.Client.Job.Query().Where(job.Kind("test.nohandler"), job.StatusEQ(job.StatusFAILED), job.FailedAtNotNil()).CountX(ctx) == want
		})
	}
	scrape := func() string {
		t.Helper()
		res, err := http.Get(env.Server.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /metrics: %d %s", res.StatusCode, body)
		}
		return string(body)
	}
	// No handler is registered for the kind: the job fails permanently.
	if _, err := jobs.Enqueue(ctx, env.DB.Client, "test.nohandler", "", []byte("x")); err != nil {
		t.Fatal(err)
	}
	waitDead(1)
	steps := []struct {
		name  string
		act   func()
		lines []string
	}{
		{"died once", func() {}, []string{
			`switchboard_jobs_dead_total{kind="test.nohandler"} 1`,
			`switchboard_jobs_dead{kind="test.nohandler"} 1`,
		}},
		{"retried and died again", func() {
			ids, err := jobs.RetryAll(ctx, env.DB.Client, "test.nohandler")
			if err != nil || len(ids) != 1 {
				t.Fatalf("RetryAll = %v, %v", ids, err)
			}
			waitDead(1)
		}, []string{
			`switchboard_jobs_dead_total{kind="test.nohandler"} 2`,
			`switchboard_jobs_dead{kind="test.nohandler"} 1`,
		}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.act()
			// The counter moves just after the job's row does: scrape
			// again for a moment rather than race it.
			var missing string
			if !testwait.Until(5*time.Second, func() bool {
				body := scrape()
				missing = ""
				for _, l := range s.lines {
					if !strings.Contains(body, l+"\n") {
						missing = l
					}
				}
				return missing == ""
			}) {
				t.Fatalf("/metrics lacks %q", missing)
			}
		})
	}
}

// A job whose worker dies on its last allowed attempt (its lease runs
// out) is buried as dead, not retaken forever with attempts past its
// budget.
func TestAbandonedJobOnLastAttemptDies(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	reg := prometheus.NewRegistry()
	r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg, Registry: reg})
	ran := 0
	r.Handle("crashy", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error { ran++; return nil })
	for _, c := range []struct {
		name     string
		attempts int
		want     job.Status
		errPart  string
	}{
		{"attempts left: retaken", 2, job.StatusDONE, ""},
		{"last attempt abandoned: dead", 3, job.StatusFAILED, "abandoned: the worker running attempt 3 of 3 stopped"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ran = 0
			j, err := jobs.Enqueue(ctx, db.Client, "crashy", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			db.Client.Job.UpdateOneID(j.ID).SetStatus(job.StatusRUNNING).SetMaxAttempts(3).SetAttempts(c.attempts).
				SetLastError("timeout").SetLockedUntil(time.Now().Add(-time.Second)).ExecX(ctx)
			if _, err := r.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			got := db.Client.Job.GetX(ctx, j.ID)
			if got.Status != c.want {
				t.Fatalf("status %s (ran %d), want %s", got.Status, ran, c.want)
			}
			if c.want == job.StatusFAILED {
				if ran != 0 || !strings.Contains(got.LastError, c.errPart) || !strings.Contains(got.LastError, "previous error: timeout") || got.FailedAt == nil || got.LockedUntil != nil {
					t.Errorf("buried job: ran %d, error %q, failed_at %v, lease %v", ran, got.LastError, got.FailedAt, got.LockedUntil)
				}
				if n, _ := metric(t, reg, "switchboard_jobs_dead_total", "crashy"); n != 1 {
					t.Errorf("switchboard_jobs_dead_total{kind=crashy} = %v, want 1", n)
				}
			}
		})
	}
}

// A handler that panics fails its job like an error (retried, its
// message kept) instead of crashing the process.
func TestPanickingHandlerFailsTheJob(t *testing.T) {
	for _, batch := range []bool{false, true} {
		t.Run(map[bool]string{false: "single", true: "batch"}[batch], func(t *testing.T) {
			db := testdb.Open(t)
			ctx := viewer.System(context.Background())
			r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg})
			if batch {
				r.HandleBatch("boom", 10, func(ctx context.Context, tx *ent.Tx, js []*ent.Job) error { panic("nil map write") })
			} else {
				r.Handle("boom", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error { panic("nil map write") })
			}
			enqueue(t, db.Client, "boom", "a", "b")
			if _, err := r.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			for p, j := range statuses(t, db.Client) {
				if j.Status != job.StatusPENDING || !strings.Contains(j.LastError, "panicked: nil map write") {
					t.Errorf("job %s: %s, error %q; want PENDING for a retry with the panic as its error", p, j.Status, j.LastError)
				}
			}
		})
	}
}

// The last error is kept whatever bytes it holds: clipped on a character
// boundary, without NULs (PostgreSQL refuses both).
func TestLastErrorKeptWhateverItsBytes(t *testing.T) {
	for _, c := range []struct{ name, msg string }{
		{"multibyte at the cut", strings.Repeat("a", 999) + "é and more"},
		{"NUL byte", "bad\x00payload"},
		{"invalid UTF-8", "bad \xff\xfe bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := testdb.Open(t)
			ctx := viewer.System(context.Background())
			r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg})
			r.Handle("bytes", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
				return fmt.Errorf("%s: %w", c.msg, jobs.ErrPermanent)
			})
			enqueue(t, db.Client, "bytes", "x")
			if _, err := r.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			j := statuses(t, db.Client)["x"]
			if j.Status != job.StatusFAILED || j.LastError == "" || !utf8.ValidString(j.LastError) ||
				strings.ContainsRune(j.LastError, 0) || len(j.LastError) > 1000 || !strings.HasPrefix(j.LastError, c.msg[:3]) {
				t.Errorf("job: %s, last error %q; want FAILED with its error kept as valid text", j.Status, j.LastError)
			}
		})
	}
}

// Jobs handed back unrun when a worker stops keep their attempt budget.
func TestReleasedJobsKeepTheirAttempts(t *testing.T) {
	db := testdb.Open(t)
	r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg})
	ctx, cancel := context.WithCancel(viewer.System(context.Background()))
	defer cancel()
	r.Handle("stop", func(context.Context, *ent.Tx, *ent.Job) error { cancel(); return nil })
	enqueue(t, db.Client, "stop", "first", "second", "third")
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	// "first" ran (and was cut short by the stop); the others never ran.
	for _, p := range []string{"second", "third"} {
		if j := statuses(t, db.Client)[p]; j.Status != job.StatusPENDING || j.Attempts != 0 {
			t.Errorf("released job %s: %s with %d attempts, want PENDING with 0: it never ran", p, j.Status, j.Attempts)
		}
	}
}

// A kind's OnDead record runs once when one of its jobs dies, whichever
// way: its last attempt failed, or its worker stopped during it. It runs
// after the job is FAILED, and not for a job that is retried.
func TestOnDeadRecordsADeathOnce(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg})
	var deaths []string
	r.OnDead("fragile", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
		got, err := tx.Job.Get(ctx, j.ID)
		if err != nil {
			return err
		}
		deaths = append(deaths, fmt.Sprintf("%s:%s", got.Status, j.LastError))
		return nil
	})
	fail := true
	r.Handle("fragile", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
		if fail {
			return fmt.Errorf("upstream down")
		}
		return nil
	})

	// Failing attempts: no record until the last one fails.
	j, err := jobs.Enqueue(ctx, db.Client, "fragile", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Client.Job.UpdateOneID(j.ID).SetMaxAttempts(2).ExecX(ctx)
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(deaths) != 0 {
		t.Fatalf("a retried job was recorded dead: %v", deaths)
	}
	db.Client.Job.UpdateOneID(j.ID).SetRunAt(time.Now()).ExecX(ctx)
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(deaths) != 1 || !strings.HasPrefix(deaths[0], "FAILED:") {
		t.Fatalf("after the last attempt failed: %v", deaths)
	}

	// A worker that stopped during the last attempt: buried, recorded.
	k, err := jobs.Enqueue(ctx, db.Client, "fragile", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Client.Job.UpdateOneID(k.ID).SetStatus(job.StatusRUNNING).SetMaxAttempts(3).SetAttempts(3).
		SetLockedUntil(time.Now().Add(-time.Second)).ExecX(ctx)
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(deaths) != 2 || !strings.Contains(deaths[1], "abandoned") {
		t.Fatalf("after an abandoned last attempt: %v", deaths)
	}
}
