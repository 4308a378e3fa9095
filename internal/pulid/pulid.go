// Package pulid implements prefixed ULIDs: the primary keys of every table
// and, unchanged, the opaque Relay global IDs of the GraphQL API. The
// two-letter prefix names the type, so node(id:) knows which table to read
// without a lookup table, and the ULID sorts by creation time.
package pulid

import (
	"crypto/rand"
	"database/sql/driver"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

// ID is a prefixed ULID such as "CTJ0Q3T5V6W7X8Y9Z0A1B2C3D4".
type ID string

// entropy is guarded by a mutex: ulid.MonotonicEntropy is not safe for
// concurrent use, and IDs are minted from many goroutines.
type entropy struct {
	mu sync.Mutex
	m  *ulid.MonotonicEntropy
}

func (e *entropy) Read(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.m.Read(p)
}

func (e *entropy) MonotonicRead(ms uint64, p []byte) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.m.MonotonicRead(ms, p)
}

var source = &entropy{m: ulid.Monotonic(rand.Reader, 0)}

// New returns a fresh ID with the given two-letter prefix.
func New(prefix string) ID {
	return ID(prefix + ulid.MustNew(ulid.Timestamp(time.Now()), source).String())
}

// Prefix is the type prefix of the ID, or "" when it is too short to have one.
func (id ID) Prefix() string {
	if len(id) < 2 {
		return ""
	}
	return string(id[:2])
}

// UnmarshalGQL implements graphql.Unmarshaler.
func (id *ID) UnmarshalGQL(v any) error { return id.Scan(v) }

// MarshalGQL implements graphql.Marshaler.
func (id ID) MarshalGQL(w io.Writer) { _, _ = io.WriteString(w, strconv.Quote(string(id))) }

// Scan implements sql.Scanner.
func (id *ID) Scan(src any) error {
	switch src := src.(type) {
	case nil:
		*id = ""
	case string:
		*id = ID(src)
	case []byte:
		*id = ID(src)
	case ID:
		*id = src
	default:
		return fmt.Errorf("pulid: unexpected type %T", src)
	}
	return nil
}

// Value implements driver.Valuer.
func (id ID) Value() (driver.Value, error) { return string(id), nil }
