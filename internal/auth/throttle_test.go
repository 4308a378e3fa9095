package auth

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/ent/loginfailure"
	"switchboard/internal/testdb"
	"switchboard/internal/viewer"
)

func TestThrottleSlidingWindowSharedByReplicas(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	a := newThrottle(db.Client, 3, time.Minute) // two replicas over one database
	b := newThrottle(db.Client, 3, time.Minute)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	k, other := emailKey("ada@example.com"), ipKey("192.0.2.1")
	for i, th := range []*throttle{a, b, a} {
		if _, blocked, err := th.blocked(ctx, db.Client, t0, k); err != nil || blocked {
			t.Fatalf("blocked after %d failures (%v)", i, err)
		}
		if res, wait, err := th.reserve(ctx, t0.Add(time.Duration(i)*10*time.Second), k, ""); err != nil || wait != 0 || len(res) != 1 {
			t.Fatalf("reserve %d = %v, wait %v, %v", i, res, wait, err)
		}
	}
	wait, blocked, err := b.blocked(ctx, db.Client, t0.Add(30*time.Second), k, other)
	if err != nil || !blocked || wait != 30*time.Second {
		t.Fatalf("blocked = %v, wait %v, %v; want true, 30s", blocked, wait, err)
	}
	if res, wait, err := b.reserve(ctx, t0.Add(30*time.Second), other, k); err != nil || res != nil || wait != 30*time.Second {
		t.Fatalf("reserve over the limit = %v, wait %v, %v; want nothing reserved, 30s", res, wait, err)
	}
	if _, blocked, _ := a.blocked(ctx, db.Client, t0.Add(30*time.Second), other); blocked {
		t.Fatal("an untouched key is blocked")
	}
	if _, blocked, _ := a.blocked(ctx, db.Client, t0.Add(time.Minute), k); blocked {
		t.Fatal("still blocked once the oldest failure left the window")
	}
	if err := a.reset(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, blocked, _ := b.blocked(ctx, db.Client, t0.Add(30*time.Second), k); blocked {
		t.Fatal("blocked after a reset")
	}
}

func TestThrottleSweepsExpiredFailuresAndStoresNoKeys(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	th := newThrottle(db.Client, 10, time.Minute)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5 {
		if _, _, err := th.reserve(ctx, t0, emailKey("spray"+string(rune('a'+i))+"@example.com"), signUpKey("198.51.100.9")); err != nil {
			t.Fatal(err)
		}
	}
	sys := viewer.System(ctx)
	for _, r := range db.Client.LoginFailure.Query().AllX(sys) {
		if len(r.KeyHash) != 64 {
			t.Fatalf("stored key %q is not a hash", r.KeyHash)
		}
	}
	for _, r := range db.Client.ThrottleKey.Query().AllX(sys) {
		if len(r.KeyHash) != 64 {
			t.Fatalf("stored key %q is not a hash", r.KeyHash)
		}
	}
	// Attempts are kept as long as the longest throttle window needs them.
	if _, _, err := th.reserve(ctx, t0.Add(2*time.Minute), emailKey("early@example.com")); err != nil {
		t.Fatal(err)
	}
	if n := db.Client.LoginFailure.Query().CountX(sys); n != 11 {
		t.Fatalf("%d rows before the longest window passed, want 11", n)
	}
	if _, _, err := th.reserve(ctx, t0.Add(KeepAttempts+time.Minute), emailKey("late@example.com")); err != nil {
		t.Fatal(err)
	}
	if n := db.Client.LoginFailure.Query().CountX(sys); n != 2 {
		t.Fatalf("%d rows after the window passed, want 2", n)
	}
	if n := db.Client.ThrottleKey.Query().CountX(sys); n != 2 {
		t.Fatalf("%d throttle keys after the window passed, want 2", n)
	}
}

func TestServiceClockIsInjectable(t *testing.T) {
	s := New(nil, nil)
	at := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	s.SetClock(func() time.Time { return at })
	if !s.now().Equal(at) {
		t.Fatalf("now = %v", s.now())
	}
}

// TestThrottleReservesAtomically: attempts reserved at once, over two
// throttles (replicas) and with their keys in either order, get exactly
// max reservations per key, and never deadlock.
func TestThrottleReservesAtomically(t *testing.T) {
	db := testdb.Open(t)
	ctx := context.Background()
	replicas := []*throttle{newThrottle(db.Client, 5, time.Minute), newThrottle(db.Client, 5, time.Minute)}
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	shared := emailKey("shared@example.com")
	var (
		wg       sync.WaitGroup
		reserved atomic.Int32
		errs     = make(chan error, 40)
	)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys := []string{shared, ipKey(fmt.Sprintf("192.0.2.%d", i))}
			if i%2 == 1 {
				keys[0], keys[1] = keys[1], keys[0]
			}
			res, wait, err := replicas[i%2].reserve(ctx, t0, keys...)
			switch {
			case err != nil:
				errs <- err
			case res != nil:
				reserved.Add(1)
			case wait <= 0:
				errs <- fmt.Errorf("nothing reserved and no wait")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := reserved.Load(); n != 5 {
		t.Fatalf("%d attempts reserved at once, want 5", n)
	}
	n, err := db.Client.LoginFailure.Query().Where(loginfailure.KeyHash(shared)).Count(viewer.System(ctx))
	if err != nil || n != 5 {
		t.Fatalf("%d attempts counted for the shared key (%v), want 5", n, err)
	}
}
