// Package media keeps the files of messages: inbound media downloaded from
// Meta by a job (download.go), files uploaded for sending (upload.go), and
// GET /media/{messageId}, which serves them to the members of the
// message's tenant or through a signed, short-lived link (serve.go,
// links.go).
//
// Files live in a gocloud.dev/blob bucket named by MEDIA_STORE_URL: a
// directory under DATA_DIR by default (fileblob), or S3 and anything that
// speaks its API (s3blob), or memory (memblob, for tests). Only these three
// drivers are compiled in; GCS and Azure would each bring a large tree of
// dependencies and can be added the same way when someone needs them.
//
// Keys are scoped by tenant ("<tenant id>/…"), so a bucket holds the files
// of every tenant without one tenant's key ever naming another's file.
package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob" // mem:// for tests
	_ "gocloud.dev/blob/s3blob"  // s3://bucket?region=…
	"gocloud.dev/gcerrors"

	"switchboard/ent/schema/schematype"
	"switchboard/internal/pulid"
)

// Store is the bucket that holds every message's file.
type Store struct {
	bucket *blob.Bucket

	mu sync.Mutex
	// claims are the downloads in flight, by the key each writes: a
	// delete of that key must win over a file the download commits after
	// it (see claim).
	claims map[string][]*claim
}

// DefaultDir is where files are kept when MEDIA_STORE_URL is unset: a
// directory "media" under the data directory.
func DefaultDir(dataDir string) string { return filepath.Join(dataDir, "media") }

// OpenStore opens the bucket at rawURL (a gocloud.dev/blob URL: file://,
// s3://, mem://), or the directory DefaultDir(dataDir), created if needed,
// when rawURL is empty.
func OpenStore(ctx context.Context, rawURL, dataDir string) (*Store, error) {
	if rawURL == "" {
		dir, err := filepath.Abs(DefaultDir(dataDir))
		if err != nil {
			return nil, fmt.Errorf("media: %w", err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("media: create %s: %w", dir, err)
		}
		b, err := fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: true})
		if err != nil {
			return nil, fmt.Errorf("media: open %s: %w", dir, err)
		}
		return &Store{bucket: b}, nil
	}
	if _, err := url.Parse(rawURL); err != nil {
		return nil, fmt.Errorf("media: not a URL: %w", err)
	}
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("media: open bucket: %w", err)
	}
	return &Store{bucket: b}, nil
}

// Close releases the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// ErrNotStored means no file is kept under the key.
var ErrNotStored = errors.New("media: no file under this key")

// Open reads the file under key from its start (the sender streams it to
// Meta). The caller closes it.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.reader(ctx, key)
}

// Delete removes the file under key, for erasure and retention; a file
// that is not there is not an error. A download still writing the key
// (claimed) does not keep its file: Delete and its commit exclude each
// other, so the file is either committed first and deleted here, or
// abandoned at its commit.
func (s *Store) Delete(ctx context.Context, key string) error {
	for _, c := range s.claimsOf(key) {
		c.mu.Lock()
		c.erased = true
		defer c.mu.Unlock()
	}
	err := s.bucket.Delete(ctx, key)
	if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("media: delete %s: %w", key, err)
	}
	return nil
}

// DeleteMessageFile removes a message's stored file: the one its media
// names, and for an inbound message the one its download writes (a
// download still in flight when the message is erased may write it after
// the media's key was read). A file already gone is not an error.
func (s *Store) DeleteMessageFile(ctx context.Context, tenant, message pulid.ID, md *schematype.Media) error {
	if md != nil && md.Key != "" {
		if err := s.Delete(ctx, md.Key); err != nil {
			return err
		}
	}
	return s.Delete(ctx, inboundKey(tenant, message))
}

// DeletePrefix removes every file whose key starts with prefix (a
// tenant's "<tenant id>/" when its account is erased) and returns how many
// there were.
func (s *Store) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	n := 0
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("media: list %s: %w", prefix, err)
		}
		if obj.IsDir {
			continue
		}
		if err := s.Delete(ctx, obj.Key); err != nil {
			return n, err
		}
		n++
	}
}

// reader opens the file under key; the Reader seeks, for Range requests.
func (s *Store) reader(ctx context.Context, key string) (*blob.Reader, error) {
	r, err := s.bucket.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, ErrNotStored
	}
	if err != nil {
		return nil, fmt.Errorf("media: read %s: %w", key, err)
	}
	return r, nil
}

// writer starts a file under key. The file exists only once Close returns
// nil; cancelling ctx before that abandons it.
func (s *Store) writer(ctx context.Context, key, contentType string) (*blob.Writer, error) {
	w, err := s.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return nil, fmt.Errorf("media: write %s: %w", key, err)
	}
	return w, nil
}

// ErrErased is a download whose key was deleted while it ran (its
// message was erased, or was being erased): its file is not kept.
var ErrErased = errors.New("media: the file was deleted while it was being downloaded")

// A claim is a download's hold on the key it writes, from before the
// download starts (while its message is known to exist) until it ends.
// A file is written after its message was read, so an erasure can come
// between the two: it deletes the key before the file is there, and the
// file would then outlive its message. Delete marks the key's claims
// erased, and a claimed writer's commit checks the mark under the same
// lock. In-process only: on PostgreSQL, where replicas download, the
// download's transaction and the erasure's row locks order the two
// instead (Downloader.Handle).
type claim struct {
	key    string
	mu     sync.Mutex // held by Delete of key, and by a commit to key
	erased bool
}

// claim registers a download about to write key; release ends it.
func (s *Store) claim(key string) *claim {
	c := &claim{key: key}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claims == nil {
		s.claims = map[string][]*claim{}
	}
	s.claims[key] = append(s.claims[key], c)
	return c
}

// release ends a claim: its download wrote its file, or gave up.
func (s *Store) release(c *claim) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := slices.DeleteFunc(s.claims[c.key], func(o *claim) bool { return o == c })
	if len(cs) == 0 {
		delete(s.claims, c.key)
	} else {
		s.claims[c.key] = cs
	}
}

// claimsOf returns the claims on key.
func (s *Store) claimsOf(key string) []*claim {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.claims[key])
}

// claimedWriter writes a claim's file: its Close commits the file only
// if the key was not deleted since the claim was made.
type claimedWriter struct {
	*blob.Writer
	claim   *claim
	abandon context.CancelFunc
}

// writeClaimed starts the file of claim c, as writer does.
func (s *Store) writeClaimed(ctx context.Context, c *claim, contentType string) (*claimedWriter, error) {
	c.mu.Lock()
	erased := c.erased
	c.mu.Unlock()
	if erased {
		return nil, ErrErased // no need to download it at all
	}
	ctx, abandon := context.WithCancel(ctx)
	w, err := s.writer(ctx, c.key, contentType)
	if err != nil {
		abandon()
		return nil, err
	}
	return &claimedWriter{Writer: w, claim: c, abandon: abandon}, nil
}

// Close commits the file, unless its key was deleted meanwhile: then the
// file is abandoned and Close returns ErrErased.
func (w *claimedWriter) Close() error {
	w.claim.mu.Lock()
	defer w.claim.mu.Unlock()
	defer w.abandon()
	if w.claim.erased {
		w.abandon() // cancelling before Close discards the file
		_ = w.Writer.Close()
		return ErrErased
	}
	return w.Writer.Close()
}

// inboundKey is where an inbound message's file is kept.
func inboundKey(tenant, message pulid.ID) string {
	return string(tenant) + "/inbound/" + string(message)
}

// uploadKey is where a file uploaded for sending is kept.
func uploadKey(tenant pulid.ID, name string) string {
	return string(tenant) + "/uploads/" + name
}
