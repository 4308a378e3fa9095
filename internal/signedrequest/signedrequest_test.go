package signedrequest

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

var secret = []byte("app-secret")

func TestParse(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	good := Sign(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now.Unix() - 60, "user_id": "10158"}, secret)
	p, err := Parse(good, secret, now)
	if err != nil || p.UserID != "10158" || !p.IssuedAt.Equal(now.Add(-time.Minute)) {
		t.Fatalf("good: %+v %v", p, err)
	}
	// Padded base64 is read too.
	sig, payload, _ := strings.Cut(good, ".")
	padded := sig + strings.Repeat("=", (4-len(sig)%4)%4) + "." + payload
	// The signature covers the payload part as sent, so padding the
	// signature's own encoding keeps it valid.
	if _, err := Parse(padded, secret, now); err != nil {
		t.Fatalf("padded signature: %v", err)
	}
	numeric := Sign(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now.Unix(), "user_id": 10158}, secret)
	if p, err := Parse(numeric, secret, now); err != nil || p.UserID != "10158" {
		t.Fatalf("numeric user id: %+v %v", p, err)
	}

	tampered := sig + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"algorithm":"HMAC-SHA256","issued_at":1800000000,"user_id":"999"}`))
	for name, c := range map[string]struct {
		s    string
		want error
	}{
		"empty":            {"", ErrMalformed},
		"no dot":           {"abc", ErrMalformed},
		"bad base64 sig":   {"!!!." + payload, ErrMalformed},
		"wrong secret":     {Sign(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now.Unix(), "user_id": "1"}, []byte("other")), ErrSignature},
		"tampered payload": {tampered, ErrSignature},
		"other algorithm":  {Sign(map[string]any{"algorithm": "HMAC-SHA1", "issued_at": now.Unix(), "user_id": "1"}, secret), ErrAlgorithm},
		"no algorithm":     {Sign(map[string]any{"issued_at": now.Unix(), "user_id": "1"}, secret), ErrAlgorithm},
		"stale":            {Sign(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now.Add(-25 * time.Hour).Unix(), "user_id": "1"}, secret), ErrStale},
		"future":           {Sign(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now.Add(time.Hour).Unix(), "user_id": "1"}, secret), ErrStale},
		"no issued_at":     {Sign(map[string]any{"algorithm": "HMAC-SHA256", "user_id": "1"}, secret), ErrStale},
		"no user":          {Sign(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now.Unix()}, secret), ErrNoUser},
		"user not digits":  {Sign(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now.Unix(), "user_id": "1; drop"}, secret), ErrNoUser},
		"too long":         {strings.Repeat("a", MaxLen+1), ErrMalformed},
	} {
		if _, err := Parse(c.s, secret, now); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if _, err := Parse(good, nil, now); !errors.Is(err, ErrMalformed) {
		t.Errorf("no secret configured: %v", err)
	}
}

// FuzzParse: whatever arrives, Parse answers without panicking, and it
// accepts only what was signed with the secret.
func FuzzParse(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	f.Add(Sign(map[string]any{"algorithm": "HMAC-SHA256", "issued_at": now.Unix(), "user_id": "10158"}, secret))
	f.Add("a.b")
	f.Add(".")
	f.Add("YWJj.eyJhIjoxfQ")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s, secret, now)
		if err != nil {
			return
		}
		if !digits(p.UserID) {
			t.Fatalf("accepted %q with user %q", s, p.UserID)
		}
		// What one secret accepts, another refuses: the signature, not
		// the payload's say-so, is what lets a request in.
		if _, err := Parse(s, []byte("another secret"), now); !errors.Is(err, ErrSignature) {
			t.Fatalf("%q accepted under two secrets: %v", s, err)
		}
	})
}
