package crypto

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"
)

func key(t *testing.T) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenAndRotation(t *testing.T) {
	oldKey, newKey := key(t), key(t)
	old, _ := NewSealer(oldKey)
	ct, oldID, err := old.Seal([]byte("EAAG-secret-token"), []byte("CH1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("secret")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	rotated, err := NewSealer(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rotated.Open(ct, oldID, []byte("CH1"))
	if err != nil || string(got) != "EAAG-secret-token" {
		t.Fatalf("open with rotated keys: %q, %v", got, err)
	}
	if rotated.CurrentKeyID() != KeyID(newKey) {
		t.Fatalf("CurrentKeyID = %s, want the first key's %s", rotated.CurrentKeyID(), KeyID(newKey))
	}
	if _, id, _ := rotated.Seal([]byte("x"), nil); id != KeyID(newKey) {
		t.Fatalf("new secrets sealed with %s, want the current key %s", id, KeyID(newKey))
	}
	if _, err := rotated.Open(ct, oldID, []byte("CH2")); err == nil {
		t.Fatal("ciphertext opened for another owner")
	}
	fresh, _ := NewSealer(newKey)
	if _, err := fresh.Open(ct, oldID, []byte("CH1")); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("want ErrUnknownKey, got %v", err)
	}
	if _, err := NewSealer([]byte("short")); err == nil {
		t.Fatal("accepted a short key")
	}
}
