package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/job"
	"switchboard/internal/jobs"
	"switchboard/internal/testdb"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
)

// effect is what a handler does in its job's transaction: it adds a job of
// kind "effect" naming the worker, so a test can count the effects that
// committed.
func effect(ctx context.Context, tx *ent.Tx, worker string, js ...*ent.Job) error {
	for _, j := range js {
		if _, err := tx.Job.Create().SetKind("effect").SetPayload([]byte(worker + ":" + string(j.Payload))).Save(ctx); err != nil {
			return err
		}
	}
	return nil
}

func effects(t *testing.T, c *ent.Client) []string {
	t.Helper()
	var out []string
	for _, j := range c.Job.Query().Where(job.Kind("effect")).AllX(viewer.System(context.Background())) {
		out = append(out, string(j.Payload))
	}
	return out
}

// retake has runner b claim, as soon as their lease runs out, the jobs
// that another runner claimed: the other runner stalled past its lease.
func retake(t *testing.T, b *jobs.Runner, ctx context.Context, n int) []*ent.Job {
	t.Helper()
	var got []*ent.Job
	testwait.For(t, 5*time.Second, "the expired lease to be retaken", func() bool {
		js, err := b.Claim(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, js...)
		return len(got) >= n
	})
	return got
}

// A worker that stalled past its lease, and whose job another worker
// retook, can change nothing: finishing, failing and releasing the job
// all match no row, the effects of its handler roll back, and the new
// holder's outcome stands. On both databases.
func TestStaleWorkerCannotFinishRetakenJob(t *testing.T) {
	for _, c := range []struct {
		name  string
		batch bool  // the kind has a batch handler (two jobs claimed together)
		fail  error // what the stale worker's handler returns
		stop  bool  // the stale worker releases instead of running
	}{
		{name: "done"},
		{name: "failed", fail: errors.New("timeout")},
		{name: "failed permanently", fail: fmt.Errorf("bad: %w", jobs.ErrPermanent)},
		{name: "batch done", batch: true},
		{name: "batch failed", batch: true, fail: errors.New("timeout")},
		{name: "released", stop: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := testdb.Open(t)
			ctx := viewer.System(context.Background())
			n := 1
			if c.batch {
				n = 2
			}
			runner := func(name string, lease time.Duration, fail error) *jobs.Runner {
				r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg, Lease: lease, BaseRetry: time.Hour})
				h := func(ctx context.Context, tx *ent.Tx, js []*ent.Job) error {
					if err := effect(ctx, tx, name, js...); err != nil {
						return err
					}
					return fail
				}
				if c.batch {
					r.HandleBatch("k", 10, h)
				} else {
					r.Handle("k", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error { return h(ctx, tx, []*ent.Job{j}) })
				}
				return r
			}
			stale := runner("stale", time.Millisecond, c.fail)
			fresh := runner("fresh", time.Hour, nil)
			for i := range n {
				enqueue(t, db.Client, "k", fmt.Sprint(i))
			}
			old, err := stale.Claim(ctx)
			if err != nil || len(old) != n {
				t.Fatalf("stale claim: %d jobs, %v", len(old), err)
			}
			cur := retake(t, fresh, ctx, n)
			for i := range cur {
				if cur[i].Lease <= old[0].Lease {
					t.Fatalf("retaken job has lease %d, the stale claim %d: the token must move on", cur[i].Lease, old[0].Lease)
				}
			}

			if c.stop {
				stale.Release(ctx, old)
			} else {
				stale.RunClaimed(ctx, old)
			}
			if e := effects(t, db.Client); len(e) != 0 {
				t.Fatalf("the stale worker's effects committed: %v", e)
			}
			for p, j := range statuses(t, db.Client) {
				if j.Kind == "k" && (j.Status != job.StatusRUNNING || j.Attempts != 2 || j.LastError != "" || j.Lease != cur[0].Lease) {
					t.Fatalf("job %s after the stale worker: %s, %d attempts, lease %d, error %q; want the fresh claim's RUNNING, 2 attempts, lease %d, no error",
						p, j.Status, j.Attempts, j.Lease, j.LastError, cur[0].Lease)
				}
			}

			fresh.RunClaimed(ctx, cur)
			if e := effects(t, db.Client); len(e) != n {
				t.Fatalf("effects %v, want the fresh worker's %d", e, n)
			}
			for p, j := range statuses(t, db.Client) {
				if j.Kind == "k" && j.Status != job.StatusDONE {
					t.Fatalf("job %s: %s, want DONE by the fresh worker", p, j.Status)
				}
			}
		})
	}
}

// Two workers run the same jobs at the same time: one from a claim whose
// lease ran out, one from the claim that retook them. Each job is finished
// exactly once, by the current holder, and only its effects commit.
func TestRacingWorkersFinishEachJobOnce(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	const n = 20
	start := make(chan struct{})
	runner := func(name string) *jobs.Runner {
		r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg, Lease: time.Millisecond, Batch: n})
		r.Handle("k", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
			return effect(ctx, tx, name, j)
		})
		return r
	}
	a, b := runner("a"), runner("b")
	for i := range n {
		enqueue(t, db.Client, "k", fmt.Sprint(i))
	}
	old, err := a.Claim(ctx)
	if err != nil || len(old) != n {
		t.Fatalf("first claim: %d jobs, %v", len(old), err)
	}
	cur := retake(t, b, ctx, n)
	var wg sync.WaitGroup
	for _, w := range []struct {
		r  *jobs.Runner
		js []*ent.Job
	}{{a, old}, {b, cur}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			w.r.RunClaimed(ctx, w.js)
		}()
	}
	close(start)
	wg.Wait()

	e := effects(t, db.Client)
	seen := map[string]int{}
	for _, p := range e {
		seen[p]++
		if p[:2] != "b:" {
			t.Errorf("effect %q committed by the worker whose lease ran out", p)
		}
	}
	if len(e) != n || len(seen) != n {
		t.Fatalf("%d effects over %d jobs, want each of %d once: %v", len(e), len(seen), n, e)
	}
	for p, j := range statuses(t, db.Client) {
		if j.Kind == "k" && (j.Status != job.StatusDONE || j.LastError != "") {
			t.Errorf("job %s: %s, error %q; want DONE, no error", p, j.Status, j.LastError)
		}
	}
}

// Runners that claim without row locks (SkipLocked off, even on
// PostgreSQL) may read the same due jobs at once; the claim update repeats
// the tokens it read, so only one of them takes each job, and every job's
// effects commit exactly once.
func TestClaimsWithoutRowLocksTakeEachJobOnce(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	const n = 60
	for i := range n {
		enqueue(t, db.Client, "k", fmt.Sprint(i))
	}
	var wg sync.WaitGroup
	for w := range 4 {
		r := jobs.NewRunner(db.Client, quiet, jobs.Options{Batch: 5, BaseRetry: time.Millisecond})
		r.Handle("k", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
			return effect(ctx, tx, fmt.Sprint(w), j)
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			testwait.Until(30*time.Second, func() bool {
				if _, err := r.RunOnce(ctx); err != nil {
					t.Error(err)
					return true
				}
				return db.Client.Job.Query().Where(job.Kind("k"), job.StatusNEQ(job.StatusDONE)).CountX(ctx) == 0
			})
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	for _, p := range effects(t, db.Client) {
		seen[p[strings.IndexByte(p, ':')+1:]]++
	}
	for i := range n {
		if c := seen[fmt.Sprint(i)]; c != 1 {
			t.Errorf("job %d's effects committed %d times", i, c)
		}
	}
	for p, j := range statuses(t, db.Client) {
		if j.Kind == "k" && (j.Status != job.StatusDONE || j.LastError != "") {
			t.Errorf("job %s: %s, error %q", p, j.Status, j.LastError)
		}
	}
}

// The same through RunOnce alone, as it happens in production: a worker
// stalls in its handler past its lease, another runner retakes the job and
// finishes it, and the stalled worker's effects roll back when it wakes.
// PostgreSQL only: SQLite serializes write transactions, so a stalled
// handler holds the only write lock and nobody can retake its job until it
// ends (TestStaleWorkerCannotFinishRetakenJob covers that order there).
func TestStalledHandlerLosesItsJobToAnotherRunner(t *testing.T) {
	if !pg {
		t.Skip("needs concurrent writers (PostgreSQL)")
	}
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	enqueue(t, db.Client, "k", "0")
	fresh := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: true})
	fresh.Handle("k", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error { return effect(ctx, tx, "fresh", j) })
	stalled := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: true, Lease: time.Millisecond})
	stalled.Handle("k", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
		if err := effect(ctx, tx, "stalled", j); err != nil {
			return err
		}
		// Stalled past the lease: the other runner retakes and finishes
		// the job meanwhile.
		testwait.For(t, 10*time.Second, "another runner to retake and finish the job", func() bool {
			if _, err := fresh.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			return db.Client.Job.GetX(ctx, j.ID).Status == job.StatusDONE
		})
		return nil
	})
	if _, err := stalled.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if e := effects(t, db.Client); len(e) != 1 || e[0] != "fresh:0" {
		t.Fatalf("committed effects %v, want only the fresh runner's", e)
	}
	j := statuses(t, db.Client)["0"]
	if j.Status != job.StatusDONE || j.Attempts != 2 || j.LastError != "" {
		t.Fatalf("job: %s, %d attempts, error %q; want DONE by the second claim", j.Status, j.Attempts, j.LastError)
	}
}
