package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestThrottleSlidingWindow(t *testing.T) {
	th := newThrottle(3, time.Minute, 100)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if _, blocked := th.blocked(t0, "k"); blocked {
			t.Fatalf("blocked after %d failures", i)
		}
		th.fail(t0.Add(time.Duration(i)*10*time.Second), "k", "")
	}
	wait, blocked := th.blocked(t0.Add(30*time.Second), "k", "other")
	if !blocked || wait != 30*time.Second {
		t.Fatalf("blocked = %v, wait %v; want true, 30s", blocked, wait)
	}
	if _, blocked := th.blocked(t0.Add(30*time.Second), "other"); blocked {
		t.Fatal("an untouched key is blocked")
	}
	if _, blocked := th.blocked(t0.Add(time.Minute), "k"); blocked {
		t.Fatal("still blocked once the oldest failure left the window")
	}
	th.reset("k")
	if th.size() != 0 {
		t.Fatalf("size after reset = %d", th.size())
	}
}

func TestThrottleMemoryIsBounded(t *testing.T) {
	th := newThrottle(2, time.Minute, 50)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 1000; i++ {
		th.fail(t0, fmt.Sprintf("spray-%d", i))
	}
	if n := th.size(); n > 50 {
		t.Fatalf("size = %d, want at most 50", n)
	}
	for i := 0; i < 10; i++ {
		th.fail(t0, "hot") // one key never holds more than max timestamps
	}
	if n := len(th.entries["hot"]); n != 2 {
		t.Fatalf("hot key holds %d timestamps, want 2", n)
	}
	// Idle keys are swept once the window has passed.
	th.fail(t0.Add(2*time.Minute), "late")
	if n := th.size(); n != 1 {
		t.Fatalf("size after the window = %d, want 1", n)
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
