package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"switchboard/ent"
	"switchboard/ent/loginfailure"
	"switchboard/ent/throttlekey"
	"switchboard/internal/pulid"
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

// Sign-up throttling: at most SignUpMaxPerIP sign-ups from one client IP
// within SignUpWindow; further ones answer RATE_LIMITED.
const (
	SignUpMaxPerIP = 10
	SignUpWindow   = time.Hour
)

// KeepAttempts is how long counted attempts are kept before they are
// swept: the longest window of any throttle, since all share one table.
const KeepAttempts = SignUpWindow

// reserveTries bounds how often a reservation is retried after a database
// error (on PostgreSQL a sweep and a reservation may deadlock; the database
// aborts one of them, and the reservation simply runs again).
const reserveTries = 3

// throttle is a sliding-window attempt counter per key, kept in the
// login_failures table so that every replica, and a restarted one, counts
// the same attempts. Keys (emails, IP addresses) are stored as SHA-256
// hashes.
//
// An attempt is reserved before it is evaluated: in one transaction it
// upserts each key's throttle_keys row (taking that row's lock until the
// transaction ends; SQLite write transactions are serialized anyway),
// counts the key's attempts in the window and, if every key is under its
// limit, inserts the attempt. So however many requests arrive at once, on
// however many replicas, at most max attempts per key are ever let
// through. An attempt that turns out not to be a failure is released.
//
// The tables stay small by themselves: a blocked key gets no new rows, and
// rows that left the window are swept.
type throttle struct {
	client *ent.Client
	log    *slog.Logger // for failed sweeps; nil: not logged
	max    int
	window time.Duration

	mu        sync.Mutex
	lastSweep time.Time
}

func newThrottle(client *ent.Client, max int, window time.Duration) *throttle {
	if window > KeepAttempts {
		panic(fmt.Sprintf("auth: throttle window %v is longer than attempts are kept (%v)", window, KeepAttempts))
	}
	return &throttle{client: client, max: max, window: window}
}

// emailKey, ipKey and signUpKey keep the kinds of key apart in one table.
func emailKey(email string) string { return hashKey("email:" + email) }
func ipKey(ip string) string {
	if ip == "" {
		return ""
	}
	return hashKey("ip:" + ip)
}
func signUpKey(ip string) string {
	if ip == "" {
		return ""
	}
	return hashKey("signup-ip:" + ip)
}

func hashKey(k string) string {
	sum := sha256.Sum256([]byte(k))
	return hex.EncodeToString(sum[:])
}

// reservation is an attempt counted in advance: its login_failures rows.
type reservation []pulid.ID

// reserve counts one attempt against every key in a transaction of its
// own, unless a key has used up its attempts; then it reserves nothing and
// reports how long until the earliest of the full keys may try again.
func (t *throttle) reserve(ctx context.Context, now time.Time, keys ...string) (res reservation, wait time.Duration, err error) {
	for try := 1; ; try++ {
		res, wait, err = t.reserveOnce(ctx, now, keys)
		if err == nil || try == reserveTries || ctx.Err() != nil {
			break
		}
	}
	if err == nil && res != nil {
		t.sweep(ctx, now)
	}
	return res, wait, err
}

func (t *throttle) reserveOnce(ctx context.Context, now time.Time, keys []string) (reservation, time.Duration, error) {
	tx, err := t.client.Tx(ctx)
	if err != nil {
		return nil, 0, err
	}
	res, wait, err := t.reserveIn(ctx, tx.Client(), now, keys...)
	if err != nil || wait > 0 {
		return nil, wait, joinRollback(err, tx.Rollback())
	}
	return res, 0, tx.Commit()
}

// reserveIn is reserve within the caller's transaction c: the keys stay
// locked, and the attempt counts, only once c commits.
func (t *throttle) reserveIn(ctx context.Context, c *ent.Client, now time.Time, keys ...string) (reservation, time.Duration, error) {
	keys, now = present(keys), now.UTC() // UTC: SQLite compares times as text
	if len(keys) == 0 {
		return nil, 0, nil
	}
	sys := viewer.System(ctx)
	// Every attempt locks its keys in the same (sorted) order, so two
	// attempts sharing keys never wait for each other in a cycle.
	for _, k := range keys {
		err := c.ThrottleKey.Create().SetKeyHash(k).SetTouchedAt(now).
			OnConflictColumns(throttlekey.FieldKeyHash).UpdateTouchedAt().
			Exec(sys)
		if err != nil {
			return nil, 0, fmt.Errorf("lock throttle key: %w", err)
		}
	}
	wait, err := t.waitIn(ctx, c, now, keys)
	if err != nil || wait > 0 {
		return nil, wait, err
	}
	creates := make([]*ent.LoginFailureCreate, len(keys))
	for i, k := range keys {
		creates[i] = c.LoginFailure.Create().SetKeyHash(k).SetAt(now)
	}
	rows, err := c.LoginFailure.CreateBulk(creates...).Save(sys)
	if err != nil {
		return nil, 0, fmt.Errorf("count attempt: %w", err)
	}
	res := make(reservation, len(rows))
	for i, r := range rows {
		res[i] = r.ID
	}
	return res, 0, nil
}

// release uncounts a reserved attempt that turned out not to be a failure.
func (t *throttle) release(ctx context.Context, res reservation) error {
	if len(res) == 0 {
		return nil
	}
	_, err := t.client.LoginFailure.Delete().Where(loginfailure.IDIn(res...)).Exec(viewer.System(ctx))
	return err
}

// blocked reports, with c (a client or the caller's transaction), whether
// any key has used up its attempts, and how long until the earliest of
// them may try again. It reserves nothing: it lets a request that would be
// refused anyway be refused early.
func (t *throttle) blocked(ctx context.Context, c *ent.Client, now time.Time, keys ...string) (time.Duration, bool, error) {
	keys, now = present(keys), now.UTC()
	if len(keys) == 0 {
		return 0, false, nil
	}
	wait, err := t.waitIn(ctx, c, now, keys)
	return wait, wait > 0, err
}

// waitIn is how long until every key is under its limit again, with c.
func (t *throttle) waitIn(ctx context.Context, c *ent.Client, now time.Time, keys []string) (time.Duration, error) {
	rows, err := c.LoginFailure.Query().
		Where(loginfailure.KeyHashIn(keys...), loginfailure.AtGT(now.Add(-t.window))).
		Order(ent.Desc(loginfailure.FieldAt)).
		All(viewer.System(ctx))
	if err != nil {
		return 0, err
	}
	seen := map[string]int{}
	var wait time.Duration
	for _, r := range rows { // newest first: the max-th is the one that must expire
		seen[r.KeyHash]++
		if seen[r.KeyHash] == t.max {
			// At least a moment: an attempt reserved this instant still counts.
			if w := max(r.At.Add(t.window).Sub(now), time.Second); w > wait {
				wait = w
			}
		}
	}
	return wait, nil
}

// sweep deletes, at most once a window per process, the attempts and keys
// that left every throttle's window. A failed sweep is retried next time;
// it never fails the attempt that triggered it.
func (t *throttle) sweep(ctx context.Context, now time.Time) {
	now = now.UTC()
	t.mu.Lock()
	due := now.Sub(t.lastSweep) >= t.window
	if due {
		t.lastSweep = now
	}
	t.mu.Unlock()
	if !due {
		return
	}
	sys, cutoff := viewer.System(ctx), now.Add(-KeepAttempts)
	_, err := t.client.LoginFailure.Delete().Where(loginfailure.AtLTE(cutoff)).Exec(sys)
	if err == nil {
		_, err = t.client.ThrottleKey.Delete().Where(throttlekey.TouchedAtLTE(cutoff)).Exec(sys)
	}
	if err != nil && t.log != nil {
		t.log.WarnContext(ctx, "throttle sweep failed; retried later", "err", err)
	}
}

// reset forgets a key's attempts (a successful sign-in clears its email).
func (t *throttle) reset(ctx context.Context, key string) error {
	_, err := t.client.LoginFailure.Delete().Where(loginfailure.KeyHash(key)).Exec(viewer.System(ctx))
	return err
}

// present drops empty keys (no client IP) and duplicates, and sorts the
// rest: the order in which reservations lock them.
func present(keys []string) []string {
	out := keys[:0:0]
	for _, k := range keys {
		if k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func joinRollback(err, rbErr error) error {
	if err != nil && rbErr != nil {
		return fmt.Errorf("%w (rollback: %v)", err, rbErr)
	}
	return err
}
