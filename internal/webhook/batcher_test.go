package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/internal/pulid"
	"switchboard/internal/testdb"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp"
)

const secret = "batcher-test-secret"

// server runs the handler over a fresh database. Its batcher is marked
// busy, so deliveries queue until release starts the committer: the test
// then knows exactly how they are grouped.
func server(t *testing.T, failJobs bool) (h *Handler, url string, release func()) {
	t.Helper()
	db := testdb.Open(t)
	b := &Batcher{Client: db.Client, MaxBatch: 64, Committers: 1, running: 1}
	if failJobs {
		// The events insert succeeds; the jobs insert of the same
		// transaction fails, as a dying database would halfway through.
		db.Client.Job.Use(func(ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(context.Context, ent.Mutation) (ent.Value, error) {
				return nil, errors.New("storage is down")
			})
		})
	}
	h = &Handler{Batcher: b, AppSecret: secret, Log: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv.URL, func() { go b.commitLoop() }
}

func (b *Batcher) queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

// postAll sends n distinct signed deliveries at once, calls release once
// all are queued (if release is not nil), and returns their bodies and answers.
func postAll(t *testing.T, h *Handler, url string, n int, release func()) ([]string, []int) {
	t.Helper()
	bodies, codes := make([]string, n), make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		bodies[i] = fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"%d"}]}`, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(bodies[i]))
			req.Header.Set("X-Hub-Signature-256", whatsapp.Sign(secret, []byte(bodies[i])))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			codes[i] = res.StatusCode
		}()
	}
	if release != nil {
		if !testwait.Until(20*time.Second, func() bool { return h.Batcher.queued() >= n }) {
			t.Fatalf("only %d of %d deliveries queued", h.Batcher.queued(), n)
		}
		release()
	}
	wg.Wait()
	return bodies, codes
}

func TestConcurrentDeliveriesAreStoredOnceInSharedTransactions(t *testing.T) {
	const n = 200
	h, url, release := server(t, false)
	bodies, codes := postAll(t, h, url, n, release)
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("delivery %d answered %d", i, c)
		}
	}
	ctx := viewer.System(t.Context())
	evs := h.Batcher.Client.WebhookEvent.Query().AllX(ctx)
	jobs := h.Batcher.Client.Job.Query().AllX(ctx)
	if len(evs) != n || len(jobs) != n {
		t.Fatalf("stored %d events and %d jobs, want %d of each", len(evs), len(jobs), n)
	}
	want := map[string]bool{}
	for _, b := range bodies {
		want[b] = true
	}
	byID := map[pulid.ID]bool{}
	for _, e := range evs {
		if !want[string(e.Payload)] {
			t.Fatalf("stored a payload that was not sent, or twice: %s", e.Payload)
		}
		delete(want, string(e.Payload))
		byID[e.ID] = true
	}
	for _, j := range jobs {
		id, err := ProcessJob.Payload(j)
		if j.Kind != JobKind || err != nil || !byID[id] {
			t.Fatalf("job %s does not process a stored event (%s %q: %v)", j.ID, j.Kind, j.Payload, err)
		}
		if string(j.Payload) != string(id) {
			t.Fatalf("job %s payload %q is not the event id's bytes, which jobs queued before hold", j.ID, j.Payload)
		}
		delete(byID, id)
	}
	if got := h.Batcher.batches; got != (n+63)/64 {
		t.Fatalf("%d transactions for %d deliveries, want %d", got, n, (n+63)/64)
	}
	// The committer exited with the queue empty; the next delivery
	// starts another one.
	if _, codes := postAll(t, h, url, 1, nil); codes[0] != http.StatusOK {
		t.Fatalf("delivery after an idle period answered %d", codes[0])
	}
}

func TestFailedBatchAnswers503ToEachDeliveryAndStoresNothing(t *testing.T) {
	const n = 40
	h, url, release := server(t, true)
	_, codes := postAll(t, h, url, n, release)
	for i, c := range codes {
		if c != http.StatusServiceUnavailable {
			t.Fatalf("delivery %d answered %d, want 503 so that Meta retries", i, c)
		}
	}
	ctx := viewer.System(t.Context())
	if e, j := h.Batcher.Client.WebhookEvent.Query().CountX(ctx), h.Batcher.Client.Job.Query().CountX(ctx); e != 0 || j != 0 {
		t.Fatalf("a failed batch left %d events and %d jobs", e, j)
	}
	if got := h.Batcher.batches; got != 1 {
		t.Fatalf("%d transactions, want 1", got)
	}
}
