package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/job"
	"switchboard/internal/jobs"
	"switchboard/internal/testdb"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
)

var (
	quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
	pg    = testdb.URL() != ""
)

func TestRunsRetriesAndFails(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	r := jobs.NewRunner(db.Client, quiet, jobs.Options{BaseRetry: time.Millisecond, SkipLocked: pg})
	var calls atomic.Int32
	r.Handle("ok", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error { calls.Add(1); return nil })
	r.Handle("flaky", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
		if j.Attempts < 3 {
			return errors.New("try again")
		}
		return nil
	})
	r.Handle("broken", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
		return fmt.Errorf("bad payload: %w", jobs.ErrPermanent)
	})
	for _, k := range []string{"ok", "flaky", "broken", "unknown"} {
		if _, err := jobs.Enqueue(ctx, db.Client, k, "", []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	testwait.Until(5*time.Second, func() bool { // the statuses below say what did not finish
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		return db.Client.Job.Query().Where(job.StatusIn(job.StatusPENDING, job.StatusRUNNING)).CountX(ctx) == 0
	})
	status := map[string]job.Status{}
	for _, j := range db.Client.Job.Query().AllX(ctx) {
		status[j.Kind] = j.Status
		if j.Kind == "flaky" && j.Attempts != 3 {
			t.Errorf("flaky ran %d times, want 3", j.Attempts)
		}
	}
	want := map[string]job.Status{"ok": job.StatusDONE, "flaky": job.StatusDONE, "broken": job.StatusFAILED, "unknown": job.StatusFAILED}
	for k, s := range want {
		if status[k] != s {
			t.Errorf("%s: status %s, want %s", k, status[k], s)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("ok ran %d times", calls.Load())
	}
}

func TestExpiredLeaseIsReclaimed(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	j, _ := jobs.Enqueue(ctx, db.Client, "ok", "", nil)
	// A worker claimed it and died: RUNNING with a lease in the past.
	db.Client.Job.UpdateOneID(j.ID).SetStatus(job.StatusRUNNING).SetLockedUntil(time.Now().Add(-time.Second)).ExecX(ctx)
	r := jobs.NewRunner(db.Client, quiet, jobs.Options{SkipLocked: pg})
	ran := 0
	r.Handle("ok", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error { ran++; return nil })
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if ran != 1 || db.Client.Job.GetX(ctx, j.ID).Status != job.StatusDONE {
		t.Fatalf("abandoned job not reclaimed: ran %d", ran)
	}
}

// Several runners (as on several replicas) share the queue: every job runs
// exactly once.
func TestConcurrentRunnersRunEachJobOnce(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	const n = 200
	for i := range n {
		if _, err := jobs.Enqueue(ctx, db.Client, "count", "", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		r := jobs.NewRunner(db.Client, quiet, jobs.Options{Batch: 7, SkipLocked: pg})
		r.Handle("count", func(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
			mu.Lock()
			seen[string(j.Payload)]++
			mu.Unlock()
			return nil
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, err := r.RunOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if k == 0 && db.Client.Job.Query().Where(job.StatusNEQ(job.StatusDONE)).CountX(ctx) == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d distinct jobs ran, want %d", len(seen), n)
	}
	for p, c := range seen {
		if c != 1 {
			t.Fatalf("job %s ran %d times", p, c)
		}
	}
}
