package webhook

import (
	"context"
	"sync"
	"time"

	"switchboard/ent"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Batcher group-commits webhook deliveries: concurrent requests share one
// transaction (one commit, one fsync) instead of paying for one each, which
// is what limits a one-commit-per-request endpoint to a few thousand
// deliveries a second. Each caller of Store still returns only after ITS
// rows committed, or with the batch's error, so "200 only after the raw
// event is durable" holds exactly as before.
//
// There is no long-lived goroutine to start or stop: a Store that finds
// fewer than Committers committers running starts one, and a committer
// keeps taking whatever queued while it was committing, exiting as soon as
// the queue is empty. Under load batches grow by themselves (everything that arrived
// during the previous commit goes into the next one); idle, a delivery
// commits alone with no added wait. Shutting down is therefore just
// draining the HTTP server: the last waiting request's batch commits and
// the committer exits.
type Batcher struct {
	// Client stores the rows; it must not be a transactional client.
	Client *ent.Client
	// MaxBatch bounds the deliveries of one transaction (default 256),
	// keeping statements below the databases' bound-parameter limits.
	MaxBatch int
	// Committers bounds the transactions in flight at once (default 2):
	// while one waits for its commit, another can already insert, which
	// keeps the database busy across round trips.
	Committers int

	mu      sync.Mutex
	queue   []*delivery
	running int // committers running
	batches int // transactions attempted, for tests
}

// maxBatchBytes bounds the payload bytes of one transaction; a larger
// single delivery is committed alone.
const maxBatchBytes = 8 << 20

// commitTimeout bounds one batch's transaction.
const commitTimeout = 10 * time.Second

// delivery is one request waiting for its batch to commit.
type delivery struct {
	body []byte
	done chan error
}

// Store commits body as a webhook event with the job that processes it,
// sharing the transaction with whatever else is queued. It returns nil
// only once the rows are committed. If ctx ends first it returns ctx's
// error; the rows may still commit, which at-least-once processing
// tolerates (Meta retries, processing is idempotent).
func (b *Batcher) Store(ctx context.Context, body []byte) error {
	d := &delivery{body: body, done: make(chan error, 1)}
	b.mu.Lock()
	b.queue = append(b.queue, d)
	if b.running < b.committers() {
		b.running++
		go b.commitLoop()
	}
	b.mu.Unlock()
	select {
	case err := <-d.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *Batcher) committers() int {
	if b.Committers <= 0 {
		return 2
	}
	return b.Committers
}

// commitLoop commits batches until the queue is empty.
func (b *Batcher) commitLoop() {
	for {
		batch := b.take()
		if batch == nil {
			return
		}
		err := b.commit(batch)
		for _, d := range batch {
			d.done <- err
		}
	}
}

// take removes the next batch from the queue, or, with nothing queued,
// marks the committer stopped and returns nil.
func (b *Batcher) take() []*delivery {
	maxN := b.MaxBatch
	if maxN <= 0 {
		maxN = 256
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		b.running--
		return nil
	}
	n, size := 0, 0
	for n < len(b.queue) && n < maxN {
		size += len(b.queue[n].body)
		if n > 0 && size > maxBatchBytes {
			break
		}
		n++
	}
	batch := make([]*delivery, n)
	copy(batch, b.queue[:n])
	clear(b.queue[:n])
	b.queue = b.queue[n:]
	b.batches++
	return batch
}

// commit inserts the batch's events and jobs in one transaction.
func (b *Batcher) commit(batch []*delivery) error {
	ctx, cancel := context.WithTimeout(viewer.System(context.Background()), commitTimeout)
	defer cancel()
	tx, err := b.Client.Tx(ctx)
	if err != nil {
		return err
	}
	evs := make([]*ent.WebhookEventCreate, len(batch))
	ids := make([]pulid.ID, len(batch))
	for i, d := range batch {
		ids[i] = pulid.New("WH")
		evs[i] = tx.WebhookEvent.Create().SetID(ids[i]).SetPayload(d.body)
	}
	err = tx.WebhookEvent.CreateBulk(evs...).Exec(ctx)
	if err == nil {
		err = ProcessJob.EnqueueBulk(ctx, tx.Client(), ids)
	}
	if err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
