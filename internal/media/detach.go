package media

import (
	"context"
	"errors"
	"time"

	"switchboard/ent"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/pulid"
)

// Detached downloads (Downloader.Detach, for SQLite). The job starts the
// download in a goroutine of its own and waits up to detachHold for it,
// so that the common small file is recorded in that same attempt; a longer
// download goes on without the job, which fails with errDownloading, is
// retried by the runner after its backoff (1 s, 2 s, 4 s, …), and then
// records the result. The job stays in the queue until the result is
// recorded, so a crash meanwhile only means the download starts again.
// This relies on one process running the jobs, which is what SQLite mode
// is; on PostgreSQL replicas would each start their own download, so
// there the job downloads in its transaction (it holds no lock others
// need).
const (
	detachHold    = 2 * time.Second
	detachTimeout = 30 * time.Minute // 100 MB at 57 KB/s
	detachForget  = time.Hour        // results no job came back for
)

// errDownloading is a detached download still running: the job comes back.
var errDownloading = errors.New("media: the download is still running; the job will come back for it")

// detached is one download running outside a job.
type detached struct {
	done    chan struct{}
	started time.Time
	md      schematype.Media
	err     error
}

// awaitDetached starts msg's download (unless it runs already) and waits
// for it up to detachHold; its result, once there, is md and the error.
func (d *Downloader) awaitDetached(ctx context.Context, token string, msg *ent.Message, md *schematype.Media) error {
	f := d.startDetached(token, msg, *md)
	timer := time.NewTimer(detachHold)
	defer timer.Stop()
	select {
	case <-f.done:
	case <-timer.C:
		return errDownloading
	case <-ctx.Done():
		return ctx.Err()
	}
	d.mu.Lock()
	if d.inflight[msg.ID] == f {
		delete(d.inflight, msg.ID)
	}
	d.mu.Unlock()
	*md = f.md
	return f.err
}

func (d *Downloader) startDetached(token string, msg *ent.Message, md schematype.Media) *detached {
	d.mu.Lock()
	defer d.mu.Unlock()
	if f := d.inflight[msg.ID]; f != nil {
		return f
	}
	if d.inflight == nil {
		d.inflight = map[pulid.ID]*detached{}
	}
	now := time.Now()
	for id, f := range d.inflight {
		select {
		case <-f.done:
			if now.Sub(f.started) > detachForget {
				delete(d.inflight, id) // its message was erased, or its job died
			}
		default:
		}
	}
	f := &detached{done: make(chan struct{}), started: now, md: md}
	d.inflight[msg.ID] = f
	// The key is claimed here, in the job's transaction that read msg,
	// not in the goroutine: an erasure can only commit after it, and must
	// find the claim whether the download has started writing or not.
	// No one else would delete the file: the job's next attempt finds no
	// message and ends, and a privacy erasure deletes the job.
	c := d.Store.claim(inboundKey(msg.TenantID, msg.ID))
	go func() {
		defer close(f.done)
		defer d.Store.release(c)
		f.err = d.fetch(context.Background(), c, token, msg, &f.md, detachTimeout)
	}()
	return f
}

// Detached counts the detached downloads still running: tests wait for
// none before looking for the files those downloads may have left.
func (d *Downloader) Detached() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, f := range d.inflight {
		select {
		case <-f.done:
		default:
			n++
		}
	}
	return n
}
