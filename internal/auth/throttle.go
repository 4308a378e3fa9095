package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"switchboard/ent"
	"switchboard/ent/loginfailure"
	"switchboard/internal/viewer"
)

// Sign-in throttling (API.md): after LoginMaxFailures failed attempts for
// one email or from one client IP within LoginWindow, further attempts are
// refused with RATE_LIMITED, the right password included, until the
// oldest of those failures leaves the window.
const (
	LoginMaxFailures = 10
	LoginWindow      = 15 * time.Minute
)

// throttle is a sliding-window failure counter per key, kept in the
// login_failures table so that every replica, and a restarted one, counts
// the same failures. Keys (emails, IP addresses) are stored as SHA-256
// hashes. The table stays small by itself: a blocked key gets no new rows,
// and rows that left the window are swept.
type throttle struct {
	client *ent.Client
	max    int
	window time.Duration

	mu        sync.Mutex
	lastSweep time.Time
}

func newThrottle(client *ent.Client, max int, window time.Duration) *throttle {
	return &throttle{client: client, max: max, window: window}
}

// emailKey and ipKey keep the two kinds of key apart in one table.
func emailKey(email string) string { return hashKey("email:" + email) }
func ipKey(ip string) string {
	if ip == "" {
		return ""
	}
	return hashKey("ip:" + ip)
}

func hashKey(k string) string {
	sum := sha256.Sum256([]byte(k))
	return hex.EncodeToString(sum[:])
}

// blocked reports whether any key has used up its failures, and how long
// until the earliest of them may try again.
func (t *throttle) blocked(ctx context.Context, now time.Time, keys ...string) (time.Duration, bool, error) {
	keys, now = present(keys), now.UTC() // UTC: SQLite compares times as text
	if len(keys) == 0 {
		return 0, false, nil
	}
	rows, err := t.client.LoginFailure.Query().
		Where(loginfailure.KeyHashIn(keys...), loginfailure.AtGT(now.Add(-t.window))).
		Order(ent.Desc(loginfailure.FieldAt)).
		All(viewer.System(ctx))
	if err != nil {
		return 0, false, err
	}
	seen := map[string]int{}
	var wait time.Duration
	for _, r := range rows { // newest first: the max-th is the one that must expire
		seen[r.KeyHash]++
		if seen[r.KeyHash] == t.max {
			if w := r.At.Add(t.window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait, wait > 0, nil
}

// fail counts one failed attempt against every key. It writes outside the
// request's transaction, which rolls back with the failed sign-in.
func (t *throttle) fail(ctx context.Context, now time.Time, keys ...string) error {
	keys, now = present(keys), now.UTC()
	sys := viewer.System(ctx)
	creates := make([]*ent.LoginFailureCreate, len(keys))
	for i, k := range keys {
		creates[i] = t.client.LoginFailure.Create().SetKeyHash(k).SetAt(now)
	}
	if err := t.client.LoginFailure.CreateBulk(creates...).Exec(sys); err != nil {
		return err
	}
	t.mu.Lock()
	sweep := now.Sub(t.lastSweep) >= t.window
	if sweep {
		t.lastSweep = now
	}
	t.mu.Unlock()
	if sweep {
		_, err := t.client.LoginFailure.Delete().Where(loginfailure.AtLTE(now.Add(-t.window))).Exec(sys)
		return err
	}
	return nil
}

// reset forgets a key's failures (a successful sign-in clears its email).
func (t *throttle) reset(ctx context.Context, key string) error {
	_, err := t.client.LoginFailure.Delete().Where(loginfailure.KeyHash(key)).Exec(viewer.System(ctx))
	return err
}

func present(keys []string) []string {
	out := keys[:0:0]
	for _, k := range keys {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}
