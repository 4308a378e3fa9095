package media

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// A download's file and the deletion of its key exclude each other: a
// file committed first is deleted, a file deleted first is never kept, and
// a download whose key went before it started writes nothing.
func TestDeleteWinsOverAClaimedDownload(t *testing.T) {
	ctx := t.Context()
	s, err := OpenStore(ctx, "mem://", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stored := func(key string) bool {
		ok, err := s.bucket.Exists(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	write := func(c *claim) error {
		w, err := s.writeClaimed(ctx, c, "text/plain")
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, strings.NewReader("file")); err != nil {
			t.Fatal(err)
		}
		return w.Close()
	}

	// Deleted while it was being written: abandoned at its commit.
	c := s.claim("t/inbound/during")
	w, err := s.writeClaimed(ctx, c, "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("file")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, c.key); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); !errors.Is(err, ErrErased) {
		t.Fatalf("commit after the delete: %v", err)
	}
	s.release(c)
	if stored(c.key) {
		t.Fatal("the file deleted during its download was kept")
	}

	// Deleted after its claim, before it started writing.
	c = s.claim("t/inbound/before")
	if err := s.Delete(ctx, c.key); err != nil {
		t.Fatal(err)
	}
	if err := write(c); !errors.Is(err, ErrErased) {
		t.Fatalf("a download of a deleted key: %v", err)
	}
	s.release(c)
	if stored(c.key) {
		t.Fatal("the file deleted before its download was kept")
	}

	// Committed, then deleted: gone, as any file.
	c = s.claim("t/inbound/after")
	if err := write(c); err != nil {
		t.Fatal(err)
	}
	s.release(c)
	if err := s.Delete(ctx, c.key); err != nil {
		t.Fatal(err)
	}
	if stored(c.key) {
		t.Fatal("a file deleted after its download was kept")
	}
	if len(s.claims) != 0 {
		t.Fatalf("claims left after their downloads ended: %v", s.claims)
	}

	// A claim released is forgotten: a later download of the key (the
	// message's erasure rolled back, the job retried) is kept.
	c = s.claim("t/inbound/during")
	if err := write(c); err != nil {
		t.Fatalf("a new download of the key: %v", err)
	}
	s.release(c)
	if !stored(c.key) {
		t.Fatal("a new download of a key deleted before was not kept")
	}
}
