package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// calls records the payloads of each handler call.
type calls struct {
	mu  sync.Mutex
	got [][]string
}

func (c *calls) add(js []*ent.Job) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var p []string
	for _, j := range js {
		p = append(p, string(j.Payload))
	}
	c.got = append(c.got, p)
}

func (c *calls) sizes() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n []int
	for _, g := range c.got {
		n = append(n, len(g))
	}
	return n
}

func enqueue(t *testing.T, c *ent.Client, kind string, payloads ...string) {
	t.Helper()
	for _, p := range payloads {
		if _, err := jobs.Enqueue(viewer.System(context.Background()), c, kind, "", []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
}

func statuses(t *testing.T, c *ent.Client) map[string]*ent.Job {
	t.Helper()
	m := map[string]*ent.Job{}
	for _, j := range c.Job.Query().AllX(viewer.System(context.Background())) {
		m[string(j.Payload)] = j
	}
	return m
}

// A batch runs in one call and one transaction: its effects and every
// job's DONE status commit together, and a failed batch leaves nothing.
func TestBatchCommitsTogether(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg})
	var seen calls
	fail := true
	r.HandleBatch("b", 10, func(ctx context.Context, tx *ent.Tx, js []*ent.Job) error {
		seen.add(js)
		for _, j := range js {
			if _, err := jobs.Enqueue(ctx, tx.Client(), "effect", "", j.Payload); err != nil {
				return err
			}
		}
		if fail && len(js) > 1 {
			return errors.New("whole batch fails after its effects")
		}
		return nil
	})
	r.Handle("effect", func(context.Context, *ent.Tx, *ent.Job) error { return nil })
	enqueue(t, db.Client, "b", "1", "2", "3", "4", "5")

	// The failing batch rolls back, then each job runs alone.
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := seen.sizes(); !slices.Equal(got, []int{5, 1, 1, 1, 1, 1}) {
		t.Fatalf("handler calls of sizes %v, want one batch of 5 then 5 alone", got)
	}
	if n := db.Client.Job.Query().Where(job.Kind("effect")).CountX(ctx); n != 5 {
		t.Fatalf("%d effects, want 5: the failed batch's effects must roll back", n)
	}

	fail = false
	seen = calls{}
	enqueue(t, db.Client, "b", "6", "7", "8", "9")
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := seen.sizes(); !slices.Equal(got, []int{4}) {
		t.Fatalf("handler calls of sizes %v, want one batch of 4", got)
	}
	if got := seen.got[0]; !slices.Equal(got, []string{"6", "7", "8", "9"}) {
		t.Fatalf("batch %v, want the jobs in queue order", got)
	}
	for p, j := range statuses(t, db.Client) {
		if j.Kind == "b" && (j.Status != job.StatusDONE || j.LockedUntil != nil || j.Attempts != 1) {
			t.Errorf("job %s: %s, lease %v, %d attempts; want DONE, no lease, 1 attempt", p, j.Status, j.LockedUntil, j.Attempts)
		}
	}
}

// A job that cannot succeed fails alone: the others of its batch complete,
// it is retried with backoff, alone, and finally FAILED.
func TestPoisonJobFailsAlone(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg, BaseRetry: time.Millisecond})
	var seen calls
	r.HandleBatch("b", 10, func(ctx context.Context, tx *ent.Tx, js []*ent.Job) error {
		seen.add(js)
		for _, j := range js {
			if string(j.Payload) == "poison" {
				return fmt.Errorf("cannot do %s", j.Payload)
			}
		}
		return nil
	})
	enqueue(t, db.Client, "b", "a", "poison", "c")
	db.Client.Job.Update().Where(job.PayloadEQ([]byte("poison"))).SetMaxAttempts(3).ExecX(ctx)
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	st := statuses(t, db.Client)
	if st["a"].Status != job.StatusDONE || st["c"].Status != job.StatusDONE {
		t.Fatalf("the poison job's neighbours: %s, %s; want DONE", st["a"].Status, st["c"].Status)
	}
	if p := st["poison"]; p.Status != job.StatusPENDING || p.LastError == "" || p.Attempts != 1 {
		t.Fatalf("poison job: %s, %d attempts, error %q; want PENDING for a retry", p.Status, p.Attempts, p.LastError)
	}

	// On retry it runs alone, while new jobs still run in a batch.
	seen = calls{}
	enqueue(t, db.Client, "b", "d", "e")
	testwait.Until(5*time.Second, func() bool { // the checks below say what did not finish
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		return db.Client.Job.Query().Where(job.StatusIn(job.StatusPENDING, job.StatusRUNNING)).CountX(ctx) == 0
	})
	for _, g := range seen.got {
		if slices.Contains(g, "poison") && len(g) > 1 {
			t.Fatalf("a job that failed before ran in a batch: %v", g)
		}
	}
	if !slices.ContainsFunc(seen.got, func(g []string) bool { return slices.Equal(g, []string{"d", "e"}) }) {
		t.Fatalf("new jobs did not run as one batch: %v", seen.got)
	}
	st = statuses(t, db.Client)
	if p := st["poison"]; p.Status != job.StatusFAILED || p.Attempts != 3 {
		t.Fatalf("poison job: %s after %d attempts; want FAILED after 3", p.Status, p.Attempts)
	}
	for _, k := range []string{"d", "e"} {
		if st[k].Status != job.StatusDONE {
			t.Fatalf("job %s: %s", k, st[k].Status)
		}
	}
}

// While a batch runs, its jobs cannot be retaken even once their lease has
// expired: another runner that polls meanwhile claims none of them, and
// every job runs exactly once.
func TestBatchHoldsItsJobsWhileRunning(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	enqueue(t, db.Client, "b", "1", "2", "3")
	var ran calls
	other := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg})
	other.HandleBatch("b", 10, func(ctx context.Context, tx *ent.Tx, js []*ent.Job) error {
		ran.add(js)
		return nil
	})
	var wg sync.WaitGroup
	var otherErr error
	r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg, Lease: time.Millisecond})
	r.HandleBatch("b", 10, func(ctx context.Context, tx *ent.Tx, js []*ent.Job) error {
		ran.add(js)
		testwait.For(t, 5*time.Second, "the batch's lease to run out", func() bool { return time.Now().After(*js[0].LockedUntil) })
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, otherErr = other.RunOnce(ctx)
		}()
		if pg {
			wg.Wait() // SKIP LOCKED: the other runner passes over the held rows at once
		}
		return nil
	})
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait() // SQLite: the other runner waited for this batch's commit
	if otherErr != nil {
		t.Fatal(otherErr)
	}
	if got := ran.sizes(); !slices.Equal(got, []int{3}) {
		t.Fatalf("handler calls of sizes %v, want the one batch of 3 only", got)
	}
	for p, j := range statuses(t, db.Client) {
		if j.Status != job.StatusDONE || j.Attempts != 1 {
			t.Errorf("job %s: %s after %d attempts", p, j.Status, j.Attempts)
		}
	}
}

// A worker told to stop hands the jobs it claimed but did not start back
// to the queue, instead of leaving them leased for a minute.
func TestStoppingReleasesClaimedJobs(t *testing.T) {
	db := testdb.Open(t)
	ctx, cancel := context.WithCancel(viewer.System(context.Background()))
	defer cancel()
	r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg})
	r.HandleBatch("b", 10, func(ctx context.Context, tx *ent.Tx, js []*ent.Job) error {
		cancel() // the process is stopping while the batch runs
		return ctx.Err()
	})
	ran := 0
	r.Handle("single", func(context.Context, *ent.Tx, *ent.Job) error { ran++; return nil })
	enqueue(t, db.Client, "b", "1", "2")
	enqueue(t, db.Client, "single", "3")
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if ran != 0 {
		t.Fatalf("a job started after the stop")
	}
	for p, j := range statuses(t, db.Client) {
		if j.Status != job.StatusPENDING || j.LockedUntil != nil || j.RunAt.After(time.Now()) {
			t.Errorf("job %s: %s, lease %v, due %v; want PENDING, unleased, due now", p, j.Status, j.LockedUntil, j.RunAt)
		}
	}
}
