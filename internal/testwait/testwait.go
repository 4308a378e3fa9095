// Package testwait lets tests wait for a condition instead of sleeping
// for a guessed time: a sleep long enough on a loaded CI machine is slow
// everywhere else, and one short enough to be quick fails under load.
package testwait

import (
	"testing"
	"time"
)

// For polls cond every few milliseconds until it holds, and fails the test
// (naming what it waited for) if it does not within timeout. cond runs on
// the test's goroutine, so it may call t.Fatal itself.
func For(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if !Until(timeout, cond) {
		t.Fatalf("waited %v for %s", timeout, what)
	}
}

// Until polls cond until it holds (true) or timeout passes (false), for
// tests that report a failure with more detail than For can.
func Until(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for wait := time.Millisecond; !cond(); wait = min(2*wait, 50*time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(wait)
	}
	return true
}
