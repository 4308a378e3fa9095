package auth

import (
	"sync"
	"time"
)

// Sign-in throttling (API.md): after LoginMaxFailures failed attempts for
// one email or from one client IP within LoginWindow, further attempts are
// refused with RATE_LIMITED, the right password included, until the
// oldest of those failures leaves the window.
const (
	LoginMaxFailures = 10
	LoginWindow      = 15 * time.Minute
)

// maxThrottleEntries bounds the throttle's memory. Each entry holds at most
// LoginMaxFailures timestamps, so the table stays under a few tens of MB
// even when an attacker sprays random emails from many addresses.
const maxThrottleEntries = 100_000

// maxKeyLen keeps one absurdly long email from costing more than a line.
const maxKeyLen = 320

// throttle is a sliding-window failure counter per key. It lives in memory:
// a restart forgets it, and each replica counts on its own, which only
// multiplies an attacker's budget by the replica count.
type throttle struct {
	max    int
	window time.Duration
	limit  int

	mu        sync.Mutex
	entries   map[string][]time.Time // failure times, oldest first, at most max
	lastSweep time.Time
}

func newThrottle(max int, window time.Duration, limit int) *throttle {
	return &throttle{max: max, window: window, limit: limit, entries: map[string][]time.Time{}}
}

// emailKey and ipKey keep the two kinds of key apart in one table.
func emailKey(email string) string { return clip("email:" + email) }
func ipKey(ip string) string {
	if ip == "" {
		return ""
	}
	return clip("ip:" + ip)
}

func clip(k string) string {
	if len(k) > maxKeyLen {
		return k[:maxKeyLen]
	}
	return k
}

// blocked reports whether any key has used up its failures, and how long
// until the earliest of them may try again.
func (t *throttle) blocked(now time.Time, keys ...string) (time.Duration, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		if k == "" {
			continue
		}
		times := t.live(now, k)
		if len(times) >= t.max {
			if w := times[len(times)-t.max].Add(t.window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait, wait > 0
}

// fail counts one failed attempt against every key.
func (t *throttle) fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.lastSweep) >= t.window {
		t.sweep(now)
	}
	for _, k := range keys {
		if k == "" {
			continue
		}
		times := t.live(now, k)
		if times == nil && len(t.entries) >= t.limit {
			t.sweep(now)
			if len(t.entries) >= t.limit {
				t.evictOldest()
			}
		}
		times = append(times, now)
		if len(times) > t.max {
			times = append(times[:0], times[len(times)-t.max:]...)
		}
		t.entries[k] = times
	}
}

// reset forgets a key's failures (a successful sign-in clears its email).
func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, key)
}

// size is the number of keys held, for tests.
func (t *throttle) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// live drops k's failures that left the window and returns the rest.
// Callers hold mu.
func (t *throttle) live(now time.Time, k string) []time.Time {
	times, ok := t.entries[k]
	if !ok {
		return nil
	}
	cut := now.Add(-t.window)
	i := 0
	for i < len(times) && !times[i].After(cut) {
		i++
	}
	if i == len(times) {
		delete(t.entries, k)
		return nil
	}
	if i > 0 {
		times = append(times[:0], times[i:]...)
		t.entries[k] = times
	}
	return times
}

// sweep removes idle keys: those whose newest failure left the window.
// Callers hold mu.
func (t *throttle) sweep(now time.Time) {
	cut := now.Add(-t.window)
	for k, times := range t.entries {
		if !times[len(times)-1].After(cut) {
			delete(t.entries, k)
		}
	}
	t.lastSweep = now
}

// evictOldest drops the key idle the longest. It runs only when the table
// is full of live keys, i.e. under a spraying attack, where an O(n) scan is
// cheap next to the bcrypt comparison every attempt costs.
func (t *throttle) evictOldest() {
	var oldest string
	var at time.Time
	for k, times := range t.entries {
		if last := times[len(times)-1]; oldest == "" || last.Before(at) {
			oldest, at = k, last
		}
	}
	delete(t.entries, oldest)
}
