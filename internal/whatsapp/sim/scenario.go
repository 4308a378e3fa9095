package sim

import (
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"time"
)

// MaxDuration bounds a scenario: the simulator is a test and benchmark tool, not a daemon.
const MaxDuration = time.Hour

// MaxRate bounds the event rate a scenario may ask for (events per second).
const MaxRate = 200_000

// Status callback timing after the business message is sent; read comes last, as on a phone.
var statusOffsets = []time.Duration{300 * time.Millisecond, 800 * time.Millisecond, 2 * time.Second}

// StatusTarget is a business-sent message to report statuses for. Recipient and PhoneNumberID
// may be empty; the scenario then picks a customer and a channel.
type StatusTarget struct {
	Wamid         string
	Recipient     string
	PhoneNumberID string
}

// Scenario describes a reproducible webhook workload: N customers writing to one or more
// business numbers at a given rate, with status callbacks, batching, duplicates and
// out-of-order delivery on demand. The same Scenario (including Seed and Start) always yields
// the same deliveries byte for byte, so a failing run can be replayed exactly.
type Scenario struct {
	WABAID         string
	PhoneNumberIDs []string
	// Customers writing inbound messages; 0 sends only status callbacks for StatusIDs.
	Customers int
	// Rate is inbound messages per second across all customers (and, separately, new status
	// sequences per second for StatusIDs).
	Rate     float64
	Duration time.Duration
	// Types of inbound messages, used in rotation so every type appears.
	Types []MessageType
	// Batch is the number of events (messages or statuses) per POST.
	Batch int
	// Duplicates is the fraction of POSTs that are delivered a second time, byte-identical,
	// a few POSTs later, as Meta's retries do.
	Duplicates float64
	// ShuffleWindow > 1 delivers POSTs in random order within consecutive windows of that size.
	ShuffleWindow int
	// Statuses sends sent→delivered→read callbacks: for StatusIDs when given, otherwise for one
	// generated business reply to each inbound message.
	Statuses  bool
	StatusIDs []StatusTarget
	// StatusOutOfOrder permutes the callbacks of each message (e.g. read before delivered).
	StatusOutOfOrder bool
	// FailRate is the fraction of status sequences that end sent→failed instead.
	FailRate float64
	Seed     uint64
	// Start is the clock of message timestamps; zero means a fixed instant, for reproducibility.
	Start time.Time
}

// Delivery is one webhook POST of a scenario.
type Delivery struct {
	Seq int
	// At is when to send it, relative to the start of the run.
	At       time.Duration
	Body     []byte
	Envelope Envelope
	Layout   Layout
	// Messages and Statuses count the events inside.
	Messages, Statuses int
	// Duplicate marks a re-delivery of an earlier body.
	Duplicate bool
}

// Channels returns the business numbers of the scenario, with display numbers derived from
// their position.
func (s *Scenario) Channels() []Channel {
	out := make([]Channel, len(s.PhoneNumberIDs))
	for i, id := range s.PhoneNumberIDs {
		out[i] = Channel{WABAID: s.WABAID, PhoneNumberID: id, DisplayPhoneNumber: fmt.Sprintf("1650555%04d", 9000+i)}
	}
	return out
}

// Validate reports the first setting that makes the scenario impossible or unbounded.
func (s *Scenario) Validate() error {
	switch {
	case s.WABAID == "":
		return errors.New("WABA id is required")
	case len(s.PhoneNumberIDs) == 0:
		return errors.New("at least one phone number id is required")
	case s.Customers < 0 || s.Customers > MaxCustomers:
		return fmt.Errorf("customers must be between 0 and %d", MaxCustomers)
	case !(s.Rate > 0 && s.Rate <= MaxRate):
		return fmt.Errorf("rate must be > 0 and <= %d per second", MaxRate)
	case s.Duration <= 0 || s.Duration > MaxDuration:
		return fmt.Errorf("duration must be > 0 and <= %s", MaxDuration)
	case s.Batch < 1 || s.Batch > 1000:
		return errors.New("batch must be between 1 and 1000")
	case !(s.Duplicates >= 0 && s.Duplicates <= 1):
		return errors.New("duplicates must be a fraction between 0 and 1")
	case !(s.FailRate >= 0 && s.FailRate <= 1):
		return errors.New("fail rate must be a fraction between 0 and 1")
	case s.ShuffleWindow < 0:
		return errors.New("shuffle window must not be negative")
	case s.Customers > 0 && len(s.Types) == 0:
		return errors.New("at least one message type is required")
	case s.Customers == 0 && !(s.Statuses && len(s.StatusIDs) > 0):
		return errors.New("nothing to send: no customers and no status ids")
	}
	for _, t := range s.Types {
		if !slices.Contains(MessageTypes(), t) {
			return fmt.Errorf("unknown message type %q", t)
		}
	}
	return nil
}

// Deliveries yields the scenario's POSTs in sending order. It streams: memory stays bounded
// whatever the duration. It panics if the scenario is invalid; call Validate first.
func (s *Scenario) Deliveries() iter.Seq[Delivery] {
	if err := s.Validate(); err != nil {
		panic("sim: invalid scenario: " + err.Error())
	}
	seq := s.grouped()
	seq = withDuplicates(seq, s.Duplicates, rand.New(rand.NewPCG(s.Seed, 3)))
	if s.ShuffleWindow > 1 {
		seq = shuffled(seq, s.ShuffleWindow, rand.New(rand.NewPCG(s.Seed, 4)))
	}
	return func(yield func(Delivery) bool) {
		n := 0
		for d := range seq {
			d.Seq = n
			n++
			if !yield(d) {
				return
			}
		}
	}
}

func (s *Scenario) start() time.Time {
	if s.Start.IsZero() {
		return time.Unix(1_750_000_000, 0).UTC()
	}
	return s.Start
}

// grouped packs consecutive events into POSTs of Batch events, with a random layout.
func (s *Scenario) grouped() iter.Seq[Delivery] {
	return func(yield func(Delivery) bool) {
		r := rand.New(rand.NewPCG(s.Seed, 2))
		var group []event
		flush := func() bool {
			if len(group) == 0 {
				return true
			}
			d := Delivery{At: group[len(group)-1].at, Layout: LayoutEntries}
			envs := make([]Envelope, len(group))
			for i, e := range group {
				if e.msg != nil {
					envs[i] = Inbound(e.ch, e.cust, e.msg)
					d.Messages++
				} else {
					envs[i] = Statuses(e.ch, e.status)
					d.Statuses++
				}
			}
			if len(group) > 1 {
				ls := Layouts()
				d.Layout = ls[r.IntN(len(ls))]
			}
			d.Envelope = Batch(d.Layout, envs...)
			body, err := Marshal(d.Envelope)
			if err != nil {
				panic("sim: marshal: " + err.Error()) // built from our own types: a bug
			}
			d.Body = body
			group = group[:0]
			return yield(d)
		}
		for e := range s.events() {
			group = append(group, e)
			if len(group) == s.Batch && !flush() {
				return
			}
		}
		flush()
	}
}

func withDuplicates(in iter.Seq[Delivery], p float64, r *rand.Rand) iter.Seq[Delivery] {
	if p == 0 {
		return in
	}
	type later struct {
		after int
		d     Delivery
	}
	return func(yield func(Delivery) bool) {
		var pending []later
		var last time.Duration
		for d := range in {
			if !yield(d) {
				return
			}
			last = d.At
			kept := pending[:0]
			for _, l := range pending {
				if l.after--; l.after > 0 {
					kept = append(kept, l)
					continue
				}
				l.d.At, l.d.Duplicate = d.At, true
				if !yield(l.d) {
					return
				}
			}
			pending = kept
			if r.Float64() < p {
				pending = append(pending, later{after: 1 + r.IntN(8), d: d})
			}
		}
		for _, l := range pending {
			l.d.At, l.d.Duplicate = last, true
			if !yield(l.d) {
				return
			}
		}
	}
}

// shuffled permutes POSTs within windows of n while keeping the send times of the slots, so
// the rate is unchanged and only the order is wrong.
func shuffled(in iter.Seq[Delivery], n int, r *rand.Rand) iter.Seq[Delivery] {
	return func(yield func(Delivery) bool) {
		buf := make([]Delivery, 0, n)
		flush := func() bool {
			times := make([]time.Duration, len(buf))
			for i, d := range buf {
				times[i] = d.At
			}
			r.Shuffle(len(buf), func(i, j int) { buf[i], buf[j] = buf[j], buf[i] })
			for i := range buf {
				buf[i].At = times[i]
				if !yield(buf[i]) {
					return false
				}
			}
			buf = buf[:0]
			return true
		}
		for d := range in {
			if buf = append(buf, d); len(buf) == n && !flush() {
				return
			}
		}
		flush()
	}
}
