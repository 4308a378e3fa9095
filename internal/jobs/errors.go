package jobs

import (
	"errors"
	"fmt"
)

// The errors of this package, in one place. None reaches a GraphQL
// client: jobs run in the background, and their errors are logged and
// kept as the job's last_error.
var (
	// ErrPermanent wraps errors that retrying cannot fix: the job fails
	// at once instead of being retried with backoff.
	ErrPermanent = errors.New("permanent failure")
	// ErrLeaseLost is a worker finding that its claim on a job is gone:
	// it stalled past its lease and another worker retook the job (the
	// job's lease token moved on). Whatever it did in the job's
	// transaction rolls back; the new holder records the outcome.
	ErrLeaseLost = errors.New("jobs: lease lost to another worker")
	// ErrBadPayload is a job whose payload does not decode as its Kind's
	// (kind.go): it was not written by this version's enqueuer. It wraps
	// ErrPermanent, because no retry can make it decode.
	ErrBadPayload = fmt.Errorf("%w: job payload does not decode", ErrPermanent)
)
