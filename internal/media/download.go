package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/ent/event"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/events"
	"switchboard/internal/jobs"
	"switchboard/internal/metaapi"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// DownloadJob downloads one inbound message's file from Meta into the
// store; its payload is the message id.
var DownloadJob = jobs.IDKind("media.download", "MS")

// The download schedule. The jobs runner retries a failed attempt after
// 1s, 2s, 4s, … doubling up to 4096s (about 68 minutes) and staying there,
// so DownloadAttempts = 140 attempts spread over about 6 days: the last one
// comes before Meta forgets the media id (7 days after the message). A
// file that is still not kept then is FAILED with the last error as its
// reason. Errors that no retry can fix fail it at once: Meta no longer
// knows the id, the file is over Meta's 100 MB, the channel was
// disconnected. A file whose size or SHA-256 does not match Meta's is
// downloaded again, and FAILED after CorruptAttempts such downloads.
const (
	DownloadAttempts = 140
	CorruptAttempts  = 3
	// MaxInboundBytes is the largest file Meta delivers (bigger ones
	// arrive as error 131052 with no media id).
	MaxInboundBytes = 100 << 20
	// mediaIDLifetime is how long Meta keeps an inbound media id.
	mediaIDLifetime = 7 * 24 * time.Hour
	// freshURLs bounds how often one attempt asks for a new URL after
	// the last one expired before the download started.
	freshURLs = 2
)

// Queue marks msg's media PENDING and queues its download, in tx, so that
// the download exists if and only if the message is stored. A media
// message without a media id (Meta sends none for files over its limit)
// is FAILED at once with the reason.
func Queue(ctx context.Context, tx *ent.Tx, tenant pulid.ID, msg *ent.Message) error {
	if msg.Media == nil {
		return nil
	}
	md := *msg.Media
	// The API shows sha256 as lowercase hex; webhooks often carry base64.
	if b, ok := decodeHash(strings.TrimSpace(md.SHA256)); ok {
		md.SHA256 = hex.EncodeToString(b)
	} else {
		md.SHA256 = "" // not a SHA-256: the lookup's hash is checked instead
	}
	if md.MediaID == "" {
		md.State, md.Reason = schematype.MediaFailed, "Meta sent no file for this message (files over 100 MB are not delivered)"
	} else {
		md.State = schematype.MediaPending
	}
	sys := viewer.System(ctx)
	if err := tx.Message.UpdateOneID(msg.ID).SetMedia(&md).Exec(sys); err != nil {
		return fmt.Errorf("media: mark pending: %w", err)
	}
	msg.Media = &md
	if md.State != schematype.MediaPending {
		return nil
	}
	j, err := DownloadJob.Enqueue(sys, tx.Client(), tenant, msg.ID)
	if err != nil {
		return err
	}
	return tx.Job.UpdateOne(j).SetMaxAttempts(DownloadAttempts).Exec(sys)
}

// Tokens opens a channel's access token (channels.Service; an interface
// because channels imports inbound, which queues downloads here).
type Tokens interface {
	AccessToken(ch *ent.Channel) (string, error)
}

// Downloader runs DownloadJob.
type Downloader struct {
	Store    *Store
	Meta     *metaapi.Client
	Channels Tokens
	Notifier events.Notifier
	Log      *slog.Logger
	// Timeout bounds one attempt's download; it must end before the job's
	// lease does (JOB_LEASE), or another worker retakes the job meanwhile.
	Timeout time.Duration
	// Detach downloads outside the job's transaction (detach.go): on
	// SQLite, whose write transactions hold the database's only write
	// lock from their start, a long download must not hold it.
	Detach bool
	now    func() time.Time

	mu       sync.Mutex
	inflight map[pulid.ID]*detached
}

// Handle is DownloadJob's handler: the file goes to the store, then the
// message's media becomes STORED (or FAILED, with a reason, when retrying
// stops) and MESSAGE_UPDATED is appended, in the job's transaction.
func (d *Downloader) Handle(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
	id, err := DownloadJob.Payload(j)
	if err != nil {
		return err
	}
	ctx = viewer.System(ctx)
	msg, err := tx.Message.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil // erased meanwhile
	}
	if err != nil {
		return err
	}
	if msg.Media == nil || (msg.Media.State != schematype.MediaPending && msg.Media.State != schematype.MediaFailed) {
		return nil // stored already, or purged
	}
	// A FAILED file is tried again: its job only runs again when an
	// operator re-drives it (switchboard jobs retry), and that is what
	// they ask for.
	md := *msg.Media
	token, err := d.token(ctx, tx, msg)
	if err == nil {
		if d.Detach {
			err = d.awaitDetached(ctx, token, msg, &md)
		} else {
			err = d.fetchClaimed(ctx, token, msg, &md)
		}
	}
	var perm *permanent
	switch {
	case err == nil:
		md.State, md.Reason = schematype.MediaStored, ""
	case errors.As(err, &perm):
		md.State, md.Reason = schematype.MediaFailed, perm.reason
	case errors.As(err, new(*corrupt)) && j.Attempts >= CorruptAttempts:
		md.State, md.Reason = schematype.MediaFailed, fmt.Sprintf("%v, in %d downloads", err, j.Attempts)
	case j.Attempts >= j.MaxAttempts || d.clock().Sub(msg.CreatedAt) > mediaIDLifetime:
		md.State, md.Reason = schematype.MediaFailed, fmt.Sprintf("not downloaded in %d attempts: %v", j.Attempts, err)
	default:
		return err // the runner retries it with backoff
	}
	if md.State == schematype.MediaFailed {
		d.Log.WarnContext(ctx, "media: download failed", "message", msg.ID, "reason", md.Reason)
	}
	if err := tx.Message.UpdateOneID(msg.ID).SetMedia(&md).Exec(ctx); err != nil {
		if ent.IsNotFound(err) {
			// Erased while its file was downloading (a privacy request,
			// a deleted contact): the file it left goes too.
			return d.Store.DeleteMessageFile(ctx, msg.TenantID, msg.ID, &md)
		}
		return err
	}
	return events.Append(ctx, tx, d.Notifier, msg.TenantID,
		events.Spec{Kind: event.KindMESSAGE_UPDATED, ConversationID: msg.ConversationID, MessageID: msg.ID})
}

// Dead is DownloadJob's OnDead record: a download whose job died without
// deciding (its worker stopped during the last attempt, or the attempt's
// transaction failed) is FAILED with the job's last error, so the message
// does not show a file pending forever. A re-driven job (switchboard jobs
// retry) downloads it again.
func (d *Downloader) Dead(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
	id, err := DownloadJob.Payload(j)
	if err != nil {
		return nil // nothing to record for a payload that never decoded
	}
	msg, err := tx.Message.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if msg.Media == nil || msg.Media.State != schematype.MediaPending {
		return nil
	}
	md := *msg.Media
	md.State = schematype.MediaFailed
	md.Reason = fmt.Sprintf("not downloaded: the download stopped on attempt %d of %d (%s)", j.Attempts, j.MaxAttempts, j.LastError)
	if len(md.Reason) > 500 {
		md.Reason = md.Reason[:500]
	}
	d.Log.WarnContext(ctx, "media: download job died", "message", msg.ID, "job", j.ID)
	if err := tx.Message.UpdateOneID(msg.ID).SetMedia(&md).Exec(ctx); err != nil {
		return err
	}
	return events.Append(ctx, tx, d.Notifier, msg.TenantID,
		events.Spec{Kind: event.KindMESSAGE_UPDATED, ConversationID: msg.ConversationID, MessageID: msg.ID})
}

// token opens the access token of msg's channel.
func (d *Downloader) token(ctx context.Context, tx *ent.Tx, msg *ent.Message) (string, error) {
	ch, err := tx.Channel.Get(ctx, msg.ChannelID)
	if ent.IsNotFound(err) || (err == nil && ch.Status == channel.StatusREVOKED) {
		return "", &permanent{"the channel was disconnected before the file was downloaded"}
	}
	if err != nil {
		return "", err
	}
	return d.Channels.AccessToken(ch) // NEEDS_REAUTH fails: a new token may come in time
}

// fetchClaimed downloads msg's file in the job's attempt, claiming its
// key from now on: msg was read just now, so an erasure of it can only
// come later, and its deletion of the key then wins over the download.
func (d *Downloader) fetchClaimed(ctx context.Context, token string, msg *ent.Message, md *schematype.Media) error {
	c := d.Store.claim(inboundKey(msg.TenantID, msg.ID))
	defer d.Store.release(c)
	return d.fetch(ctx, c, token, msg, md, d.Timeout)
}

// fetch downloads msg's file into the store, under claim c, within
// timeout (0: none) and fills in md's Key, Size, SHA256 and MimeType.
func (d *Downloader) fetch(ctx context.Context, c *claim, token string, msg *ent.Message, md *schematype.Media, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	for try := 0; ; try++ {
		info, err := d.Meta.GetMedia(ctx, token, md.MediaID)
		if err != nil {
			if metaapi.Classify(err) == metaapi.NeverRetry {
				return &permanent{fmt.Sprintf("Meta no longer has this file: %v", err)}
			}
			return err
		}
		err = d.save(ctx, c, token, msg, md, info)
		if errors.Is(err, metaapi.ErrMediaURLExpired) && try < freshURLs {
			continue // the URL lives minutes: ask for a fresh one
		}
		return err
	}
}

// save streams the file at info.URL into the store under the message's
// key (claimed by c), keeping it only if its size and SHA-256 match what
// Meta said and the key was not deleted meanwhile.
func (d *Downloader) save(ctx context.Context, c *claim, token string, msg *ent.Message, md *schematype.Media, info *metaapi.MediaInfo) error {
	if info.FileSize > MaxInboundBytes {
		return &permanent{fmt.Sprintf("the file has %d bytes, more than the %d Meta delivers", info.FileSize, MaxInboundBytes)}
	}
	want, err := expectedHash(md.SHA256, info.SHA256)
	if err != nil {
		return &permanent{err.Error()}
	}
	mimeType := md.MimeType
	if mimeType == "" {
		mimeType = info.MIMEType
	}
	key := c.key
	wctx, abandon := context.WithCancel(ctx)
	defer abandon()
	w, err := d.Store.writeClaimed(wctx, c, contentType(mimeType))
	if err != nil {
		return err
	}
	got, err := d.Meta.Download(ctx, token, info.URL, w, MaxInboundBytes)
	if err == nil {
		err = check(got, info.FileSize, want)
	}
	if err != nil {
		abandon() // the partial file is never kept
		_ = w.Close()
		if errors.Is(err, metaapi.ErrMediaTooLarge) {
			return &permanent{fmt.Sprintf("the file is larger than the %d bytes Meta delivers", MaxInboundBytes)}
		}
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("media: store %s: %w", key, err) // ErrErased: the runner retries, and finds the message gone
	}
	md.Key, md.Size, md.SHA256, md.MimeType = key, got.Bytes, got.SHA256, mimeType
	return nil
}

// check compares a download with Meta's size and hashes.
func check(got *metaapi.Downloaded, size int64, want [][]byte) error {
	if size > 0 && got.Bytes != size {
		return &corrupt{fmt.Sprintf("the download has %d bytes, Meta said %d", got.Bytes, size)}
	}
	sum, err := hex.DecodeString(got.SHA256)
	if err != nil {
		return err
	}
	for _, w := range want {
		if !bytes.Equal(sum, w) {
			return &corrupt{"the download's SHA-256 does not match Meta's"}
		}
	}
	return nil
}

// expectedHash decodes the SHA-256 values Meta gave (the webhook's and
// the lookup's), each hex or base64 (Meta's examples show both).
func expectedHash(values ...string) ([][]byte, error) {
	var out [][]byte
	for _, v := range values {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		b, ok := decodeHash(v)
		if !ok {
			return nil, fmt.Errorf("the sha256 Meta gave, %q, is neither hex nor base64 of 32 bytes", truncate(v, 80))
		}
		out = append(out, b)
	}
	return out, nil
}

func decodeHash(v string) ([]byte, bool) {
	if len(v) == 2*sha256.Size {
		if b, err := hex.DecodeString(v); err == nil {
			return b, true
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil && len(b) == sha256.Size {
			return b, true
		}
	}
	return nil, false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (d *Downloader) clock() time.Time {
	if d.now != nil {
		return d.now()
	}
	return time.Now()
}

// permanent is a failure no retry can fix; reason is what the agent reads.
type permanent struct{ reason string }

func (e *permanent) Error() string { return e.reason }

// corrupt is a download that does not match Meta's size or hash: perhaps
// damaged on the way, so it is tried again, CorruptAttempts times in all.
type corrupt struct{ reason string }

func (e *corrupt) Error() string { return e.reason }
