// Package outbox sends queued outbound messages to Meta: at each number's
// rate, across replicas, never twice.
//
// The queue is the messages table itself. A message is queued (status
// QUEUED, send_state READY, send_after now) in the transaction that
// creates it (internal/inbox), and leaves the queue when its outcome is
// known. The states of a queued message:
//
//	READY      waits for send_after (a retry's backoff), then is claimed
//	IN_FLIGHT  claimed by a sender until send_after; its request may be on
//	           the wire
//	UNKNOWN    its request left and no answer came (timeout, a lost
//	           response, a sender that died): it is never sent again
//	           blindly. A status webhook naming it (Meta echoes our id in
//	           biz_opaque_callback_data) settles it; else at send_after it
//	           becomes FAILED with the "outcome unknown" error
//	           (schematype.CodeOutcomeUnknown), which an agent sees and
//	           may retry.
//
// Rate. One replica at a time sends a channel's queue: it holds the
// channel's sender lease (channels.sender_owner, sender_lease_until, and
// the fencing token sender_lease, renewed with every claim), and paces its
// requests with a token bucket (golang.org/x/time/rate) at the channel's
// send_rate_per_second. So the pace holds however many replicas run. On
// 130429 the sender halves its pace and climbs back by a tenth of the
// configured rate per quiet second; 131056 delays only that recipient
// (Meta's 4^n seconds); 190 marks the channel NEEDS_REAUTH and stops its
// sends until updateChannel gives a new token.
//
// Campaigns. Beside each sender a feeder (campaign.go) turns the channel's
// PENDING campaign recipients into READY messages one to two seconds of
// sends ahead, each in the transaction that marks its recipient QUEUED, so
// the sender's claim stays a few statements and replies (priority 0) are
// claimed before them.
//
// Never twice. A message is claimed (IN_FLIGHT) in a committed transaction
// before its request leaves; after that it goes back to READY only on an
// answer that says Meta did not take it. A sender that dies leaves its
// claims IN_FLIGHT; when a claim runs out (Options.Claim, longer than any
// request may take) the message becomes UNKNOWN, never READY.
package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"switchboard/ent"
	"switchboard/ent/campaign"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/channel"
	"switchboard/ent/message"
	"switchboard/internal/channels"
	"switchboard/internal/events"
	"switchboard/internal/metaapi"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// MediaStore opens a stored upload for its upload to Meta.
type MediaStore interface {
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

// Options tune an Outbox; zero values take the defaults.
type Options struct {
	// Owner names this replica in sender leases (default host-pid-random).
	Owner string
	// Lease is how long a sender lease lasts unless renewed (default 5s):
	// how long a channel's sends pause when its sender's replica dies.
	Lease time.Duration
	// Claim is how long a claimed message may stay IN_FLIGHT (default
	// four RequestTimeouts: a wait for a free request slot, the request,
	// and room to record its answer), so that only a dead sender's claims
	// run out.
	Claim time.Duration
	// RequestTimeout bounds one request to Meta (default 30s).
	RequestTimeout time.Duration
	// OutcomeTimeout is how long an UNKNOWN send waits for a status
	// webhook before it fails as outcome unknown (SEND_OUTCOME_TIMEOUT,
	// default 15m).
	OutcomeTimeout time.Duration
	// MaxAttempts bounds the server's own retries of one message (default
	// 8); retryMessage starts a new series.
	MaxAttempts int
	// Poll is how often a replica looks for due sends and expired claims
	// (default 250ms); Notify wakes it sooner.
	Poll time.Duration
	// InFlight bounds concurrent requests per channel (default 64).
	InFlight int
	// RowLocks takes row locks where a claim must exclude a concurrent
	// pause or cancel (PostgreSQL). SQLite needs none: its write
	// transactions are serialized (_txlock=immediate).
	RowLocks bool
	// Media opens stored uploads (internal/media); nil refuses them.
	Media MediaStore
	// Registry receives the outbox's metrics (metrics.go); nil registers
	// none.
	Registry prometheus.Registerer
}

func (o *Options) defaults() {
	if o.Owner == "" {
		host, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		o.Owner = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Lease, 5*time.Second)
	def(&o.RequestTimeout, 30*time.Second)
	def(&o.Claim, 4*o.RequestTimeout)
	def(&o.OutcomeTimeout, 15*time.Minute)
	def(&o.Poll, 250*time.Millisecond)
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.InFlight <= 0 {
		o.InFlight = 64
	}
}

// Outbox runs this replica's senders.
type Outbox struct {
	client   *ent.Client
	meta     *metaapi.Client
	channels *channels.Service
	notifier events.Notifier
	log      *slog.Logger
	opt      Options
	wake     chan struct{}
	now      func() time.Time
	metrics  *metrics

	mu      sync.Mutex
	senders map[pulid.ID]*sender // the channels this replica sends for
	wg      sync.WaitGroup
}

// New returns an Outbox; Run starts it.
// Owner names this replica in leases (Options.Owner).
func (o *Outbox) Owner() string { return o.opt.Owner }

func New(client *ent.Client, meta *metaapi.Client, ch *channels.Service, n events.Notifier, log *slog.Logger, opt Options) *Outbox {
	opt.defaults()
	return &Outbox{client: client, meta: meta, channels: ch, notifier: n, log: log, opt: opt,
		wake: make(chan struct{}, 1), now: time.Now, senders: map[pulid.ID]*sender{}, metrics: newMetrics(opt.Registry)}
}

// Notify wakes the outbox: a send may be due. It never blocks.
func (o *Outbox) Notify() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
	o.mu.Lock()
	for _, s := range o.senders {
		s.poke()
	}
	o.mu.Unlock()
}

// Run sweeps and sends until ctx ends, then waits for the requests in
// flight to be answered and recorded (at most RequestTimeout).
func (o *Outbox) Run(ctx context.Context) {
	ctx = viewer.System(ctx)
	t := time.NewTicker(o.opt.Poll)
	defer t.Stop()
	for {
		if err := o.sweep(ctx); err != nil && ctx.Err() == nil {
			o.log.Error("outbox: sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			o.wg.Wait()
			return
		case <-o.wake:
		case <-t.C:
		}
	}
}

// sweep settles expired claims and unknown outcomes, and starts a sender
// for each channel with due sends whose lease this replica wins.
func (o *Outbox) sweep(ctx context.Context) error {
	now := o.now()
	if err := o.expireClaims(ctx, now); err != nil {
		return err
	}
	if err := o.failUnknown(ctx, now); err != nil {
		return err
	}
	due, err := o.client.Message.Query().
		Where(message.SendStateEQ(message.SendStateREADY), message.SendAfterLTE(now), runningOrNoCampaign()).
		Unique(true).Limit(1000).Select(message.FieldChannelID).Strings(ctx)
	if err != nil {
		return err
	}
	broadcasting, err := o.client.Campaign.Query().
		Where(campaign.StatusEQ(campaign.StatusRUNNING),
			campaign.HasRecipientsWith(campaignrecipient.StatusEQ(campaignrecipient.StatusPENDING))).
		Unique(true).Select(campaign.FieldChannelID).Strings(ctx)
	if err != nil {
		return err
	}
	due = append(due, broadcasting...)
	var idle []pulid.ID
	o.mu.Lock()
	for _, id := range uniqIDs(toPulids(due)) {
		if _, ok := o.senders[id]; !ok {
			idle = append(idle, id)
		}
	}
	o.mu.Unlock()
	if len(idle) == 0 {
		return nil
	}
	ready, err := o.client.Channel.Query().
		Where(channel.IDIn(idle...), channel.StatusEQ(channel.StatusCONNECTED)).All(ctx)
	if err != nil {
		return err
	}
	for _, ch := range ready {
		if ctx.Err() != nil {
			return nil
		}
		token, ok, err := o.acquire(ctx, ch.ID, now)
		if err != nil {
			return err
		}
		if ok {
			o.start(ctx, ch, token)
		}
	}
	return nil
}

// expireClaims moves claims whose sender died (IN_FLIGHT past its claim)
// to UNKNOWN: their requests may have left.
func (o *Outbox) expireClaims(ctx context.Context, now time.Time) error {
	_, err := o.client.Message.Update().
		Where(message.SendStateEQ(message.SendStateIN_FLIGHT), message.SendAfterLT(now)).
		SetSendState(message.SendStateUNKNOWN).SetSendAfter(now.Add(o.opt.OutcomeTimeout)).Save(ctx)
	return err
}

// failUnknown fails the sends that stayed UNKNOWN past their wait, with an
// error an agent can read, and appends their MESSAGE_UPDATED events.
func (o *Outbox) failUnknown(ctx context.Context, now time.Time) error {
	late, err := o.client.Message.Query().
		Where(message.SendStateEQ(message.SendStateUNKNOWN), message.SendAfterLT(now)).
		Limit(500).All(ctx)
	if err != nil || len(late) == 0 {
		return err
	}
	tx, err := o.client.Tx(ctx)
	if err != nil {
		return err
	}
	w := newWriter(ctx, tx, o)
	for _, m := range late {
		if err := w.fail(m, outcomeUnknownError(o.opt.OutcomeTimeout), now); err != nil {
			return rollback(tx, err)
		}
	}
	if err := w.flush(); err != nil {
		return rollback(tx, err)
	}
	return tx.Commit()
}

// acquire takes the channel's sender lease if it is free, expired or
// already this replica's, and returns its fencing token.
func (o *Outbox) acquire(ctx context.Context, id pulid.ID, now time.Time) (int64, bool, error) {
	n, err := o.client.Channel.Update().
		Where(channel.ID(id), channel.StatusEQ(channel.StatusCONNECTED),
			channel.Or(channel.SenderLeaseUntilIsNil(), channel.SenderLeaseUntilLT(now), channel.SenderOwner(o.opt.Owner))).
		SetSenderOwner(o.opt.Owner).SetSenderLeaseUntil(now.Add(o.opt.Lease)).AddSenderLease(1).Save(ctx)
	if err != nil || n == 0 {
		return 0, false, err
	}
	ch, err := o.client.Channel.Get(ctx, id)
	if err != nil {
		return 0, false, err
	}
	if ch.SenderOwner != o.opt.Owner {
		return 0, false, nil
	}
	return ch.SenderLease, true, nil
}

// release gives the lease up so another replica need not wait for it to
// run out.
func (o *Outbox) release(id pulid.ID, token int64) {
	ctx, cancel := context.WithTimeout(viewer.System(context.Background()), 5*time.Second)
	defer cancel()
	_, err := o.client.Channel.Update().Where(channel.ID(id), channel.SenderLease(token)).
		ClearSenderLeaseUntil().Save(ctx)
	if err != nil {
		o.log.Warn("outbox: release sender lease", "channel", id, "err", err)
	}
}

func (o *Outbox) start(ctx context.Context, ch *ent.Channel, token int64) {
	s := newSender(o, ch, token)
	o.mu.Lock()
	o.senders[ch.ID] = s
	o.mu.Unlock()
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		s.run(ctx)
		o.mu.Lock()
		delete(o.senders, ch.ID)
		o.mu.Unlock()
		o.release(ch.ID, token)
	}()
}

// Senders is how many channels this replica is sending for (metrics, tests).
func (o *Outbox) Senders() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.senders)
}

func rollback(tx *ent.Tx, err error) error {
	if rerr := tx.Rollback(); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

func toPulids(ss []string) []pulid.ID {
	out := make([]pulid.ID, len(ss))
	for i, s := range ss {
		out[i] = pulid.ID(s)
	}
	return out
}
