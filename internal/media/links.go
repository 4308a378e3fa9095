package media

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strconv"
	"time"

	"switchboard/internal/pulid"
)

// LinkTTL is how long a signed media link works: long enough for a page of
// the inbox to load its images, short enough that a link copied out of a
// browser soon stops working. Clients ask for Message.media.url again
// (it is signed afresh on every read).
const LinkTTL = 15 * time.Minute

// Links signs and checks the short-lived links to GET /media/{messageId}
// that Message.media.url hands out, so that an <img> can show a file
// without an Authorization header.
//
// A link is …/media/{id}?exp={unix seconds}&sig={base64url HMAC-SHA256 of
// "id\nexp"}. The HMAC key is derived from ENCRYPTION_KEY with a label of
// its own (HMAC-SHA256(ENCRYPTION_KEY, "switchboard media link v1")), so
// the key that seals access tokens is never used as is for anything else,
// and every replica sharing ENCRYPTION_KEY checks the others' links.
//
// Links are signed with ENCRYPTION_KEY and checked against it and the keys
// of ENCRYPTION_KEYS_OLD: while a key rotates, replicas still on the old
// key and replicas already on the new one accept each other's links, and a
// link handed out just before a restart keeps working for its LinkTTL.
type Links struct {
	keys [][]byte // derived HMAC keys; keys[0] signs
	base string
	ttl  time.Duration
	now  func() time.Time
}

// NewLinks returns the signer of links under publicBaseURL (PUBLIC_BASE_URL),
// keyed from encryptionKey; links signed with oldKeys (ENCRYPTION_KEYS_OLD)
// are accepted too.
func NewLinks(encryptionKey []byte, publicBaseURL string, oldKeys ...[]byte) *Links {
	l := &Links{base: publicBaseURL, ttl: LinkTTL, now: time.Now}
	for _, k := range append([][]byte{encryptionKey}, oldKeys...) {
		m := hmac.New(sha256.New, k)
		m.Write([]byte("switchboard media link v1"))
		l.keys = append(l.keys, m.Sum(nil))
	}
	return l
}

// URL is a link to the message's file that works for LinkTTL.
func (l *Links) URL(message pulid.ID) string {
	exp := strconv.FormatInt(l.now().Add(l.ttl).Unix(), 10)
	q := url.Values{"exp": {exp}, "sig": {l.sign(message, exp)}}
	return l.base + "/media/" + url.PathEscape(string(message)) + "?" + q.Encode()
}

// Valid tells whether exp and sig (the link's query) are a signature of
// this server for the message that has not expired.
func (l *Links) Valid(message pulid.ID, exp, sig string) bool {
	if exp == "" || sig == "" {
		return false
	}
	t, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || l.now().Unix() > t {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	for _, k := range l.keys {
		if hmac.Equal(got, mac(k, message, exp)) {
			return true
		}
	}
	return false
}

// sign is the link's signature with the current key.
func (l *Links) sign(message pulid.ID, exp string) string {
	return base64.RawURLEncoding.EncodeToString(mac(l.keys[0], message, exp))
}

func mac(key []byte, message pulid.ID, exp string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(string(message) + "\n" + exp))
	return m.Sum(nil)
}

// SetClock makes the links read time from now (tests of expiry).
func (l *Links) SetClock(now func() time.Time) { l.now = now }
