package outbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"entgo.io/ent/dialect/sql"
	"golang.org/x/time/rate"

	"switchboard/ent"
	"switchboard/ent/campaign"
	"switchboard/ent/channel"
	"switchboard/ent/message"
	"switchboard/ent/predicate"
	"switchboard/internal/metaapi"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// idleHold is how long a sender keeps its lease with nothing to send, so
// that a burst of replies is not paced from a cold start each time.
const idleHold = 2 * time.Second

// idlePoll is how often an idle sender looks for sends queued on other
// replicas (each look is a short write transaction: it renews the lease).
const idlePoll = 100 * time.Millisecond

// errLeaseLost stops a sender whose lease another replica took, or whose
// channel stopped being CONNECTED.
var errLeaseLost = errors.New("outbox: sender lease lost")

// sender sends one channel's queue for as long as it holds the lease.
type sender struct {
	o       *Outbox
	ch      *ent.Channel
	token   int64
	limiter *rate.Limiter
	sem     chan struct{}
	wakeup  chan struct{}
	results chan result

	mu        sync.Mutex
	rate      float64   // the channel's configured rate
	throttled time.Time // the last 130429
	raised    time.Time // the last step back up
	stopped   bool      // 190: the channel needs a new token
}

// result is the answer to one send.
type result struct {
	m       *ent.Message
	res     *metaapi.SendResult
	err     error
	mediaID string // the upload's id at Meta, when the send uploaded one
}

func newSender(o *Outbox, ch *ent.Channel, token int64) *sender {
	r := float64(ch.SendRatePerSecond)
	return &sender{o: o, ch: ch, token: token, rate: r,
		// A burst of a tenth of a second's worth: smooth enough that
		// Meta's per-second count never sees more than the rate.
		limiter: rate.NewLimiter(rate.Limit(r), max(1, int(r/10))),
		sem:     make(chan struct{}, o.opt.InFlight),
		wakeup:  make(chan struct{}, 1),
		results: make(chan result, o.opt.InFlight),
	}
}

func (s *sender) poke() {
	select {
	case s.wakeup <- struct{}{}:
	default:
	}
}

// run claims and sends until the queue stays empty for idleHold, the
// lease is lost, the channel needs a new token, or ctx ends. Requests in
// flight are then answered and recorded before it returns.
func (s *sender) run(ctx context.Context) {
	access, err := s.o.channels.AccessToken(s.ch)
	if err != nil {
		s.o.log.Warn("outbox: channel token", "channel", s.ch.ID, "err", err)
		return
	}
	written := make(chan struct{})
	go func() { defer close(written); s.record() }()
	var inflight sync.WaitGroup
	defer func() {
		inflight.Wait()
		close(s.results)
		<-written
	}()
	// The next batch is claimed while this one is sent, so a slow claim
	// does not stall the pace.
	claimCtx, stopClaiming := context.WithCancel(ctx)
	batches := make(chan []*ent.Message, 1)
	go s.claimAhead(claimCtx, batches)
	fed := make(chan struct{})
	go func() { defer close(fed); s.feed(claimCtx) }()
	defer func() {
		stopClaiming()
		for b := range batches { // claimed, never started: back to the queue
			s.unclaim(b)
		}
		<-fed
	}()
	for batch := range batches {
		for i, m := range batch {
			// A request slot first, then the pace's token: a send that
			// waited for a slot must not leave beside a full burst.
			select {
			case s.sem <- struct{}{}:
			case <-ctx.Done():
				s.unclaim(batch[i:])
				return
			}
			if s.isStopped() || s.limiter.Wait(ctx) != nil {
				<-s.sem
				s.unclaim(batch[i:])
				return
			}
			inflight.Add(1)
			go func() {
				defer func() { <-s.sem; inflight.Done() }()
				s.results <- s.send(ctx, access, m)
			}()
		}
	}
}

// claimAhead claims batches into out until the queue stays empty for
// idleHold, the lease is lost, the channel needs a new token, or ctx ends;
// then it closes out.
func (s *sender) claimAhead(ctx context.Context, out chan<- []*ent.Message) {
	defer close(out)
	idleSince := time.Now()
	for ctx.Err() == nil && !s.isStopped() {
		s.recover()
		start := time.Now()
		batch, err := s.claim(ctx)
		if len(batch) > 0 {
			s.o.metrics.claims.Observe(time.Since(start).Seconds())
		}
		if err != nil {
			if !errors.Is(err, errLeaseLost) && ctx.Err() == nil {
				s.o.log.Error("outbox: claim", "channel", s.ch.ID, "err", err)
			}
			return
		}
		if len(batch) == 0 {
			if time.Since(idleSince) > idleHold {
				return
			}
			// Idle: this replica's new sends poke it; another replica's
			// are found within idlePoll.
			select {
			case <-ctx.Done():
			case <-s.wakeup:
			case <-time.After(idlePoll):
			}
			continue
		}
		idleSince = time.Now()
		select {
		case out <- batch:
		case <-ctx.Done():
			s.unclaim(batch)
			return
		}
	}
}

// claim renews the lease and marks the next due messages IN_FLIGHT, in
// one transaction committed before any of their requests leaves. It
// claims about a tenth of a second's worth, so that a replica that dies
// strands few claims.
func (s *sender) claim(ctx context.Context) ([]*ent.Message, error) {
	now := s.o.now()
	tx, err := s.o.client.Tx(ctx)
	if err != nil {
		return nil, err
	}
	n, err := tx.Channel.Update().
		Where(channel.ID(s.ch.ID), channel.SenderLease(s.token), channel.SenderOwner(s.o.opt.Owner),
			channel.StatusEQ(channel.StatusCONNECTED)).
		SetSenderLeaseUntil(now.Add(s.o.opt.Lease)).Save(ctx)
	if err != nil {
		return nil, rollback(tx, err)
	}
	if n == 0 {
		return nil, rollback(tx, errLeaseLost)
	}
	ch, err := tx.Channel.Get(ctx, s.ch.ID)
	if err != nil {
		return nil, rollback(tx, err)
	}
	s.setRate(float64(ch.SendRatePerSecond))
	size := s.batchSize()
	ids, err := tx.Message.Query().
		Where(message.ChannelID(s.ch.ID), message.SendStateEQ(message.SendStateREADY), message.SendAfterLTE(now),
			runningOrNoCampaign()).
		Order(ent.Asc(message.FieldSendPriority), ent.Asc(message.FieldSendAfter)).
		Limit(size).IDs(ctx)
	if err != nil {
		return nil, rollback(tx, err)
	}
	var batch []*ent.Message
	if len(ids) > 0 {
		_, err = tx.Message.Update().Where(message.IDIn(ids...), message.SendStateEQ(message.SendStateREADY)).
			SetSendState(message.SendStateIN_FLIGHT).SetSendAfter(now.Add(s.o.opt.Claim)).AddAttempts(1).Save(ctx)
		if err != nil {
			return nil, rollback(tx, err)
		}
		batch, err = tx.Message.Query().
			Where(message.IDIn(ids...), message.SendStateEQ(message.SendStateIN_FLIGHT)).
			Order(ent.Asc(message.FieldSendPriority), ent.Asc(message.FieldSendAfter)).
			WithConversation(func(q *ent.ConversationQuery) { q.WithContact() }).All(ctx)
		if err != nil {
			return nil, rollback(tx, err)
		}
	}
	return batch, tx.Commit()
}

// runningOrNoCampaign keeps a campaign's queued messages (made ahead, or
// waiting for a retry) out of the queue while the campaign is paused (a
// reply has no campaign). A pause at the messaging limit holds back only
// the recipients past it: the messages already made were within it, and go.
func runningOrNoCampaign() predicate.Message {
	return message.Or(message.CampaignIDIsNil(), predicate.Message(func(sel *sql.Selector) {
		t := sql.Table(campaign.Table)
		sendable := sql.Or(sql.EQ(t.C(campaign.FieldStatus), campaign.StatusRUNNING),
			sql.And(sql.EQ(t.C(campaign.FieldStatus), campaign.StatusPAUSED), sql.EQ(t.C(campaign.FieldPauseKind), campaign.PauseKindLIMIT)))
		sel.Where(sql.In(sel.C(message.FieldCampaignID), sql.Select(t.C(campaign.FieldID)).From(t).Where(sendable)))
	}))
}

// unclaim puts claimed messages whose requests never left back in the
// queue, as if they had not been claimed (a stop or shutdown between the
// claim and their turn).
func (s *sender) unclaim(ms []*ent.Message) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(s.ctxSystem()), 10*time.Second)
	defer cancel()
	_, err := s.o.client.Message.Update().
		Where(message.IDIn(toIDs(ms)...), message.SendStateEQ(message.SendStateIN_FLIGHT)).
		SetSendState(message.SendStateREADY).SetSendAfter(s.o.now()).AddAttempts(-1).Save(ctx)
	if err != nil {
		// They stay IN_FLIGHT and become UNKNOWN when the claim runs
		// out: never sent twice, at worst failed as outcome unknown.
		s.o.log.Error("outbox: unclaim", "channel", s.ch.ID, "messages", len(ms), "err", err)
	}
}

// send makes one attempt: the stored upload goes to Meta first when the
// message has one, then the message. It does not touch the database; the
// answer is recorded by record.
func (s *sender) send(ctx context.Context, access string, m *ent.Message) result {
	// Requests already started finish even when a shutdown begins: their
	// answers are what tells whether the message left.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.o.opt.RequestTimeout)
	defer cancel()
	spec, err := ParseSpec(m.Raw)
	if err != nil {
		return result{m: m, err: &metaapi.ValidationError{Field: "message", Problem: err.Error()}}
	}
	r := result{m: m}
	if spec.NeedsUpload() {
		id, err := s.upload(ctx, access, m, spec)
		if err != nil {
			r.err = uploadError(err)
			return r
		}
		spec.Media.ID, r.mediaID = id, id
	}
	ct := m.Edges.Conversation.Edges.Contact
	r.res, r.err = s.o.meta.Send(ctx, access, s.ch.PhoneNumberID, spec.Message(RecipientOf(ct), string(m.ID)))
	return r
}

// upload sends the message's stored file to Meta and returns its media id.
func (s *sender) upload(ctx context.Context, access string, m *ent.Message, spec Spec) (string, error) {
	if s.o.opt.Media == nil || m.Media == nil || m.Media.Key == "" {
		return "", &metaapi.ValidationError{Field: "media", Problem: "the message's file is not in the media store"}
	}
	f, err := s.o.opt.Media.Open(ctx, m.Media.Key)
	if err != nil {
		return "", fmt.Errorf("outbox: open stored media: %w", err)
	}
	defer f.Close()
	kind := metaapi.MediaKind(spec.MediaKind)
	if kind == metaapi.KindSticker && m.Media.Size > metaapi.MediaLimit(metaapi.KindSticker) {
		kind = metaapi.KindAnimatedSticker // a static sticker is at most 100 KB, an animated one 500 KB
	}
	return s.o.meta.UploadMedia(ctx, access, s.ch.PhoneNumberID, metaapi.Upload{
		Kind: kind, MIMEType: m.Media.MimeType, Filename: m.Media.Filename, Size: m.Media.Size, Body: f})
}

// uploadError makes an upload's failure safe to retry: an upload that may
// have arrived only leaves an unused file at Meta, so an unknown outcome
// is simply retried.
func uploadError(err error) error {
	switch metaapi.Classify(err) {
	case metaapi.OutcomeUnknown:
		return &retryable{err}
	}
	var api *metaapi.APIError
	var ve *metaapi.ValidationError
	if errors.As(err, &api) || errors.As(err, &ve) {
		return err
	}
	return &retryable{err} // the store could not be read: try again later
}

// retryable is a failure before the message itself was sent.
type retryable struct{ err error }

func (e *retryable) Error() string { return e.err.Error() }
func (e *retryable) Unwrap() error { return e.err }

// record writes the answers of this sender's sends, several per
// transaction, until results is closed.
func (s *sender) record() {
	ctx := s.ctxSystem()
	var pending []result
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if err := s.write(ctx, pending); err != nil {
			// The claims stay IN_FLIGHT and become UNKNOWN: a status
			// webhook still settles them.
			s.o.log.Error("outbox: record send results", "channel", s.ch.ID, "results", len(pending), "err", err)
		}
		pending = pending[:0]
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r, ok := <-s.results:
			if !ok {
				flush()
				return
			}
			pending = append(pending, r)
			if len(pending) >= 128 {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// write records rs in one transaction, their messages locked first in id
// order: the order status processing locks messages in (inbound's
// lockInOrder), so that the two do not deadlock on PostgreSQL. Every update
// is conditioned on the state the sender left, so a write that lost a
// deadlock anyway (PostgreSQL aborts one side) is simply tried again.
func (s *sender) write(ctx context.Context, rs []result) error {
	slices.SortFunc(rs, func(a, b result) int { return cmp.Compare(a.m.ID, b.m.ID) })
	var err error
	for attempt := range 3 {
		if err = s.writeOnce(ctx, rs); err == nil || ctx.Err() != nil {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
	}
	return err
}

func (s *sender) writeOnce(ctx context.Context, rs []result) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tx, err := s.o.client.Tx(ctx)
	if err != nil {
		return err
	}
	if s.o.opt.RowLocks {
		ids := make([]pulid.ID, len(rs))
		for i, r := range rs {
			ids[i] = r.m.ID
		}
		if _, err := tx.Message.Query().Where(message.IDIn(ids...)).Order(ent.Asc(message.FieldID)).ForUpdate().IDs(ctx); err != nil {
			return rollback(tx, err)
		}
	}
	w := newWriter(ctx, tx, s.o)
	for _, r := range rs {
		if err := s.apply(w, r); err != nil {
			return rollback(tx, err)
		}
	}
	if err := w.flush(); err != nil {
		return rollback(tx, err)
	}
	return tx.Commit()
}

// apply records one answer, deciding by META.md's table what happens to
// the message.
func (s *sender) apply(w *writer, r result) error {
	outcome, err := s.decide(w, r)
	if err == nil {
		s.o.metrics.sends.WithLabelValues(outcome).Inc()
	}
	return err
}

func (s *sender) decide(w *writer, r result) (string, error) {
	now := s.o.now()
	m := r.m
	if r.err == nil {
		return outcomeSent, w.sent(m, r.res.WAMID, r.mediaID, now)
	}
	var again *retryable
	if errors.As(r.err, &again) {
		return s.retry(w, m, r.err, backoff(m.Attempts), now)
	}
	switch metaapi.Classify(r.err) {
	case metaapi.RetryNumberLater:
		s.throttle()
		return s.retry(w, m, r.err, backoff(m.Attempts), now)
	case metaapi.RetryRecipientLater:
		return s.retry(w, m, r.err, metaapi.PairRateBackoff(m.Attempts-1), now)
	case metaapi.RetryLater:
		return s.retry(w, m, r.err, backoff(m.Attempts), now)
	case metaapi.BackOffGrowing:
		// Meta's "healthy ecosystem" limit: growing steps (10 min, 40 min,
		// 160 min), then give up.
		if m.Attempts >= 4 {
			return outcomeFailed, w.fail(m, errorOf(r.err), now)
		}
		return outcomeRetry, w.requeue(m, r.err, now.Add(10*time.Minute<<(2*(m.Attempts-1))))
	case metaapi.OutcomeUnknown:
		return outcomeUnknown, w.unknown(m, now.Add(s.o.opt.OutcomeTimeout))
	case metaapi.StopChannel:
		s.stop()
		return outcomeReauth, w.reauth(m, s.ch, now)
	default: // NeverRetry, NeedsTemplate, PauseNumber
		return outcomeFailed, w.fail(m, errorOf(r.err), now)
	}
}

// retry puts m back in the queue after wait, or fails it when the server
// has tried it MaxAttempts times.
func (s *sender) retry(w *writer, m *ent.Message, cause error, wait time.Duration, now time.Time) (string, error) {
	if m.Attempts >= s.o.opt.MaxAttempts {
		return outcomeFailed, w.fail(m, errorOf(cause), now)
	}
	return outcomeRetry, w.requeue(m, cause, now.Add(wait))
}

// backoff is the wait before the server's own next attempt: 1s doubling
// per attempt, at most a minute.
func backoff(attempts int) time.Duration {
	return min(time.Second<<min(max(attempts-1, 0), 6), time.Minute)
}

func (s *sender) batchSize() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return min(max(1, int(float64(s.limiter.Limit())/10)), 200)
}

// configuredRate is the channel's configured rate, as the last claim read
// it.
func (s *sender) configuredRate() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rate
}

// setRate follows a change of the channel's configured rate.
func (s *sender) setRate(r float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r == s.rate {
		return
	}
	s.rate = r
	// A lower rate applies at once; a higher one at once unless the
	// pace is throttled, which then climbs to it.
	if float64(s.limiter.Limit()) > r || time.Since(s.throttled) > time.Minute {
		s.limiter.SetLimit(rate.Limit(r))
	}
	s.limiter.SetBurst(max(1, int(r/10)))
}

// throttle halves the pace after a 130429 (at most once per second, as
// one burst of 130429s is one signal).
func (s *sender) throttle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if now.Sub(s.throttled) < time.Second {
		return
	}
	s.throttled = now
	s.limiter.SetLimit(max(s.limiter.Limit()/2, 1))
	s.o.metrics.throttled.Inc()
}

// recover raises a throttled pace by a tenth of the configured rate per
// second without a 130429, up to the configured rate.
func (s *sender) recover() {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := float64(s.limiter.Limit())
	now := time.Now()
	if cur >= s.rate || now.Sub(s.throttled) < time.Second || now.Sub(s.raised) < time.Second {
		return
	}
	s.raised = now
	s.limiter.SetLimit(rate.Limit(min(s.rate, cur+s.rate/10)))
}

func (s *sender) stop() {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
}

func (s *sender) isStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

func (s *sender) ctxSystem() context.Context { return viewer.System(context.Background()) }

func toIDs(ms []*ent.Message) []pulid.ID {
	ids := make([]pulid.ID, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}
