package events_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/event"
	"switchboard/internal/events"
	"switchboard/internal/pulid"
	"switchboard/internal/testdb"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
)

// TestFollowSeesEveryEventOnceUnderConcurrentWrites writes from many
// goroutines while followers start, stop and resume from their cursors:
// each follower must see every event exactly once, in order.
func TestFollowSeesEveryEventOnceUnderConcurrentWrites(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	tenant := db.Client.Tenant.Create().SetName("T").SaveX(ctx)
	other := db.Client.Tenant.Create().SetName("Other").SaveX(ctx)
	broker := events.NewBroker()
	hub := events.NewHub(db.Client, broker)

	const writers, perWriter = 8, 40
	const total = writers * perWriter
	write := func(tid pulid.ID) error {
		return appendOne(ctx, db.Client, broker, tid, events.Spec{Kind: event.KindCONVERSATION_UPDATED})
	}

	// A follower that reconnects every few events, resuming from its cursor.
	got := make(chan []int64, 1)
	go func() {
		var seen []int64
		after := int64(0)
		for len(seen) < total {
			fctx, cancel := context.WithCancel(ctx)
			_ = hub.Follow(fctx, tenant.ID, after, "", func(b *events.Batch) error {
				for _, e := range b.Events {
					seen = append(seen, e.Seq)
					after = e.Seq
					if len(seen)%37 == 0 || len(seen) == total {
						cancel() // drop the connection mid-stream
						return context.Canceled
					}
				}
				return nil
			})
			cancel()
		}
		got <- seen
	}()

	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				tid := tenant.ID
				if err := write(tid); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				if i%10 == 0 {
					_ = write(other.ID) // noise from another tenant
				}
			}
		}()
	}
	wg.Wait()
	var seen []int64
	select {
	case seen = <-got:
	case <-time.After(60 * time.Second):
		t.Fatal("follower did not receive every event")
	}
	if len(seen) != total {
		t.Fatalf("saw %d events, want %d", len(seen), total)
	}
	for i, s := range seen {
		if s != int64(i+1) {
			t.Fatalf("event %d has seq %d: gap, duplicate or disorder", i, s)
		}
	}
	if broker.Subscribers() != 0 {
		t.Fatalf("%d doorbells leaked", broker.Subscribers())
	}
}

func TestCursorRoundTrip(t *testing.T) {
	for _, n := range []int64{0, 1, 1 << 40} {
		if got, ok := events.ParseCursor(events.Cursor(n)); !ok || got != n {
			t.Fatalf("cursor %d round-trips to %d %v", n, got, ok)
		}
	}
	for _, bad := range []string{"", "x", "ZXY6LTE", "ZXY6YWJj"} {
		if _, ok := events.ParseCursor(bad); ok {
			t.Fatalf("%q accepted", bad)
		}
	}
}

// TestSharedTailFeedsManyFollowersAndASlowOne: followers share one tail;
// each sees every event once and in order, including one so slow that its
// buffer overflows and it falls back to reading the log itself, and one
// following a single conversation.
func TestSharedTailFeedsManyFollowersAndASlowOne(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	tenant := db.Client.Tenant.Create().SetName("T").SaveX(ctx)
	broker := events.NewBroker()
	hub := events.NewHub(db.Client, broker)
	const total = 300
	convA := pulid.ID("CVA")

	type result struct {
		name string
		seqs []int64
	}
	results := make(chan result)
	follow := func(name string, conv pulid.ID, want int, slow time.Duration) {
		fctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var seqs []int64
		_ = hub.Follow(fctx, tenant.ID, 0, conv, func(b *events.Batch) error {
			for _, e := range b.Events {
				seqs = append(seqs, e.Seq)
			}
			time.Sleep(slow) // the behaviour under test: a subscriber slow to take each batch
			if len(seqs) >= want {
				cancel()
			}
			return nil
		})
		results <- result{name, seqs}
	}
	for i := range 5 {
		go follow(fmt.Sprint("fast", i), "", total, 0)
	}
	go follow("slow", "", total, 20*time.Millisecond)
	go follow("conversation", convA, total/3, 0)

	for i := range total {
		spec := events.Spec{Kind: event.KindCONVERSATION_UPDATED}
		if i%3 == 0 {
			spec.ConversationID = convA
		}
		if err := appendOne(ctx, db.Client, broker, tenant.ID, spec); err != nil {
			t.Fatal(err)
		}
	}
	for range 7 {
		select {
		case r := <-results:
			step, first := int64(1), int64(1)
			if r.name == "conversation" {
				step = 3
			}
			want := total
			if r.name == "conversation" {
				want = total / 3
			}
			if len(r.seqs) != want {
				t.Fatalf("%s saw %d events, want %d", r.name, len(r.seqs), want)
			}
			for i, s := range r.seqs {
				if s != first+int64(i)*step {
					t.Fatalf("%s: event %d has seq %d (gap, duplicate or disorder)", r.name, i, s)
				}
			}
		case <-time.After(60 * time.Second):
			t.Fatal("followers did not finish")
		}
	}
	if !testwait.Until(5*time.Second, func() bool { return broker.Subscribers() == 0 }) {
		t.Fatalf("%d tails outlived their followers", broker.Subscribers())
	}
}

// countingSink is a Sink that records the seqs it takes, in order.
type countingSink struct {
	mu   sync.Mutex
	seqs []int64
}

func (s *countingSink) Offer(b *events.Batch) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range b.Events {
		s.seqs = append(s.seqs, e.Seq)
	}
	return true
}

func (s *countingSink) Send(_ context.Context, b *events.Batch) error {
	s.Offer(b)
	return nil
}

func (s *countingSink) taken() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.seqs)
}

// TestIdleSubscribersCostNoGoroutine subscribes many live followers and
// one resuming from cursor 0: once caught up, none has a goroutine of its
// own (the tenant's tail is the only one), and each still receives every
// later event once, in order.
func TestIdleSubscribersCostNoGoroutine(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	tenant := db.Client.Tenant.Create().SetName("T").SaveX(ctx)
	broker := events.NewBroker()
	hub := events.NewHub(db.Client, broker)
	write := func() {
		if err := appendOne(ctx, db.Client, broker, tenant.ID, events.Spec{Kind: event.KindCONVERSATION_UPDATED}); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		write() // the resuming follower has these to catch up on
	}

	baseline := runtime.NumGoroutine()
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const live = 200
	sinks := make([]*countingSink, live+1)
	for i := range sinks {
		sinks[i] = &countingSink{}
		after := int64(events.Live)
		if i == live {
			after = 0
		}
		if err := hub.Subscribe(fctx, tenant.ID, after, "", sinks[i]); err != nil {
			t.Fatal(err)
		}
	}
	resumed := sinks[live]
	testwait.For(t, 20*time.Second, "the resumed follower to catch up and every goroutine but the tail's to end", func() bool {
		return len(resumed.taken()) == 3 && runtime.NumGoroutine() <= baseline+1
	})

	for range 5 {
		write()
	}
	testwait.For(t, 20*time.Second, "every follower to take the 5 new events", func() bool {
		for _, s := range sinks {
			if len(s.taken()) < 5 {
				return false
			}
		}
		return true
	})
	for i, s := range sinks {
		want := []int64{4, 5, 6, 7, 8}
		if i == live {
			want = []int64{1, 2, 3, 4, 5, 6, 7, 8}
		}
		if got := s.taken(); !slices.Equal(got, want) {
			t.Fatalf("follower %d took %v, want %v", i, got, want)
		}
	}
	cancel()
	testwait.For(t, 20*time.Second, "every follower and the tail to leave", func() bool {
		return hub.Followers() == 0 && hub.Tails() == 0 && broker.Subscribers() == 0
	})
}

// appendOne appends spec to the tenant's log in a transaction of its own,
// as a writer of the inbox does.
func appendOne(ctx context.Context, c *ent.Client, n events.Notifier, tenant pulid.ID, spec events.Spec) error {
	tx, err := c.Tx(ctx)
	if err != nil {
		return err
	}
	if err := events.Append(ctx, tx, n, tenant, spec); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
