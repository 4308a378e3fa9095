package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/oklog/ulid/v2"

	"switchboard/ent"
	"switchboard/internal/pulid"
)

// Kind is a job kind together with the codec of its payload. The code
// that enqueues a kind and the handler that runs it use the same Kind
// value, so they cannot disagree on what the stored bytes mean, as two
// ends joined only by the kind's name could. Make one with JSONKind or
// IDKind.
type Kind[P any] struct {
	// Name is the kind stored with each job; handlers are registered
	// under it (Runner.Handle, Runner.HandleBatch).
	Name   string
	encode func(P) ([]byte, error)
	decode func([]byte) (P, error)
}

// JSONKind is a kind whose payload is P encoded as JSON.
func JSONKind[P any](name string) Kind[P] {
	return Kind[P]{Name: name,
		encode: func(p P) ([]byte, error) { return json.Marshal(p) },
		decode: func(b []byte) (P, error) {
			var p P
			err := json.Unmarshal(b, &p)
			return p, err
		},
	}
}

// IDKind is a kind whose payload is one id with the given prefix, stored
// as the id's bytes alone (so jobs queued before Kind existed still
// decode).
func IDKind(name, prefix string) Kind[pulid.ID] {
	return Kind[pulid.ID]{Name: name,
		encode: func(id pulid.ID) ([]byte, error) {
			if err := checkID(id, prefix); err != nil {
				return nil, err
			}
			return []byte(id), nil
		},
		decode: func(b []byte) (pulid.ID, error) {
			id := pulid.ID(b)
			return id, checkID(id, prefix)
		},
	}
}

func checkID(id pulid.ID, prefix string) error {
	if id.Prefix() != prefix {
		return fmt.Errorf("%q is not an id with prefix %q", truncate(string(id), 64), prefix)
	}
	if _, err := ulid.ParseStrict(string(id[len(prefix):])); err != nil {
		return fmt.Errorf("%q is not an id: %w", truncate(string(id), 64), err)
	}
	return nil
}

// Enqueue adds a job of the kind with payload p, as the package's Enqueue
// does: with c, normally the caller's transaction client.
func (k Kind[P]) Enqueue(ctx context.Context, c *ent.Client, tenant pulid.ID, p P) (*ent.Job, error) {
	b, err := k.encode(p)
	if err != nil {
		return nil, fmt.Errorf("jobs: encode %s payload: %w", k.Name, err)
	}
	return Enqueue(ctx, c, k.Name, tenant, b)
}

// EnqueueBulk adds one job of the kind per payload, in one statement, as
// the package's EnqueueBulk does.
func (k Kind[P]) EnqueueBulk(ctx context.Context, c *ent.Client, ps []P) error {
	bs := make([][]byte, len(ps))
	for i, p := range ps {
		var err error
		if bs[i], err = k.encode(p); err != nil {
			return fmt.Errorf("jobs: encode %s payload: %w", k.Name, err)
		}
	}
	return EnqueueBulk(ctx, c, k.Name, bs)
}

// Payload decodes j's payload. A payload that does not decode cannot
// decode on a retry either: the error wraps ErrBadPayload, and so
// ErrPermanent, and the job dies at once with it.
func (k Kind[P]) Payload(j *ent.Job) (P, error) {
	p, err := k.decode(j.Payload)
	if err != nil {
		return p, fmt.Errorf("%w: job %s of kind %s: %w", ErrBadPayload, j.ID, k.Name, err)
	}
	return p, nil
}
