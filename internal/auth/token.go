package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Token prefixes tell a session token from an API key at a glance (and let
// secret scanners find leaked ones).
const (
	sessionPrefix = "sbs_"
	apiKeyPrefix  = "sbk_"
)

// newToken returns a random token with the prefix and the hash to store.
// Tokens carry 256 bits of entropy, so a plain SHA-256 is the right hash:
// a slow password hash would add nothing but latency to every request.
func newToken(prefix string) (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// normalizeEmail lower-cases and trims an address for storage and lookup.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
