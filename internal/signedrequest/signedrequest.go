// Package signedrequest verifies Meta's signed_request, the form field of
// its data-deletion and deauthorize callbacks: base64url(signature) "."
// base64url(payload), where the signature is HMAC-SHA256 of the payload
// part (as sent, still encoded) keyed by the app secret, and the payload
// is JSON naming the algorithm, the user and when it was issued.
//
// Hand-written because it is a dozen lines of standard library and no
// maintained Go library covers it (Facebook's own SDKs are for other
// languages).
package signedrequest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

const (
	// MaxLen bounds the field: Meta's are a few hundred bytes.
	MaxLen = 4096
	// MaxAge is how old an issued_at may be: older requests are refused as
	// replays.
	MaxAge = 24 * time.Hour
	// MaxSkew is how far in the future issued_at may be (clocks differ).
	MaxSkew = 5 * time.Minute
	// Algorithm is the only one Meta uses, and the only one accepted.
	Algorithm = "HMAC-SHA256"
)

// The reasons a signed_request is refused.
var (
	ErrMalformed = errors.New("signed_request is malformed")
	ErrSignature = errors.New("signed_request signature does not match")
	ErrAlgorithm = errors.New("signed_request algorithm is not HMAC-SHA256")
	ErrStale     = errors.New("signed_request issued_at is missing, more than a day old, or in the future")
	ErrNoUser    = errors.New("signed_request names no user")
)

// Payload is what a verified signed_request says.
type Payload struct {
	UserID   string
	IssuedAt time.Time
}

// wire is the payload's JSON. user_id is a string in Meta's examples;
// a number is accepted too.
type wire struct {
	Algorithm string          `json:"algorithm"`
	IssuedAt  json.Number     `json:"issued_at"`
	UserID    json.RawMessage `json:"user_id"`
}

// Parse verifies s with the app secret and returns its payload. The
// signature is checked, in constant time, before anything in the payload
// is believed; then the algorithm, the age and the user.
func Parse(s string, secret []byte, now time.Time) (*Payload, error) {
	if len(s) == 0 || len(s) > MaxLen || len(secret) == 0 {
		return nil, ErrMalformed
	}
	sigPart, payloadPart, ok := strings.Cut(s, ".")
	if !ok || sigPart == "" || payloadPart == "" {
		return nil, ErrMalformed
	}
	sig, err := decode(sigPart)
	if err != nil {
		return nil, ErrMalformed
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(payloadPart))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return nil, ErrSignature
	}
	raw, err := decode(payloadPart)
	if err != nil {
		return nil, ErrMalformed
	}
	var w wire
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return nil, ErrMalformed
	}
	if !strings.EqualFold(w.Algorithm, Algorithm) {
		return nil, ErrAlgorithm
	}
	issued, err := w.IssuedAt.Int64()
	if err != nil || issued <= 0 {
		return nil, ErrStale
	}
	at := time.Unix(issued, 0)
	if now.Sub(at) > MaxAge || at.Sub(now) > MaxSkew {
		return nil, ErrStale
	}
	user := strings.Trim(string(w.UserID), `"`)
	if !digits(user) {
		return nil, ErrNoUser
	}
	return &Payload{UserID: user, IssuedAt: at}, nil
}

// Sign makes a signed_request as Meta would (tests, the simulator's
// counterpart).
func Sign(payload map[string]any, secret []byte) string {
	b, _ := json.Marshal(payload)
	p := base64.RawURLEncoding.EncodeToString(b)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(p))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)) + "." + p
}

// decode reads base64url with or without padding, as Meta's SDKs differ.
func decode(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// digits: Meta's user ids are decimal; up to 64 of them.
func digits(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
