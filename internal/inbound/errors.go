package inbound

import (
	"fmt"

	"switchboard/internal/jobs"
)

// The errors of this package, in one place. Inbound processing runs in
// jobs, so its errors reach the job runner, not a client: the ones below
// wrap jobs.ErrPermanent, because retrying cannot fix them, and the job
// fails at once (a dead letter with the error), as does a job whose
// payload does not decode (jobs.ErrBadPayload). Storage errors are
// returned as they are and retried.
var (
	// ErrEventGone is a processing job whose stored webhook event no
	// longer exists (erased, or retention ran); it is wrapped with the
	// event's id.
	ErrEventGone = fmt.Errorf("%w: webhook event is gone", jobs.ErrPermanent)
)
