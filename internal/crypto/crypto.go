// Package crypto seals secrets at rest (Meta access tokens) with
// AES-256-GCM. Each ciphertext is stored beside the id of the key that
// sealed it, so keys can rotate: new secrets use the current key, old ones
// open with whichever key sealed them.
package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrUnknownKey means a ciphertext was sealed by a key we no longer have.
var ErrUnknownKey = errors.New("crypto: ciphertext sealed with an unknown key")

// Sealer encrypts with its current key and decrypts with any known key.
type Sealer struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewSealer returns a Sealer whose current key is keys[0]; the others are
// older keys kept for reading. Every key must be 32 bytes.
func NewSealer(keys ...[]byte) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("crypto: no key")
	}
	s := &Sealer{aeads: map[string]cipher.AEAD{}}
	for i, k := range keys {
		if len(k) != 32 {
			return nil, fmt.Errorf("crypto: key %d is %d bytes, want 32", i, len(k))
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := KeyID(k)
		s.aeads[id] = aead
		if i == 0 {
			s.current = id
		}
	}
	return s, nil
}

// KeyID names a key without revealing it: the first 8 bytes of its
// SHA-256, in hex.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("switchboard-key-id:"), key...))
	return hex.EncodeToString(sum[:8])
}

// CurrentKeyID is the id of the key Seal uses. A ciphertext stored with
// another key id is due for re-sealing when keys rotate.
func (s *Sealer) CurrentKeyID() string { return s.current }

// Seal encrypts plaintext; aad binds the ciphertext to its owner (e.g. the
// channel id) so it cannot be copied to another row.
func (s *Sealer) Seal(plaintext, aad []byte) (ciphertext []byte, keyID string, err error) {
	aead := s.aeads[s.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, "", err
	}
	return aead.Seal(nonce, nonce, plaintext, aad), s.current, nil
}

// Open decrypts a ciphertext made by Seal with the same aad.
func (s *Sealer) Open(ciphertext []byte, keyID string, aad []byte) ([]byte, error) {
	aead, ok := s.aeads[keyID]
	if !ok {
		return nil, ErrUnknownKey
	}
	n := aead.NonceSize()
	if len(ciphertext) < n {
		return nil, errors.New("crypto: ciphertext too short")
	}
	return aead.Open(nil, ciphertext[:n], ciphertext[n:], aad)
}
