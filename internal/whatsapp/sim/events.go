package sim

import (
	"container/heap"
	"iter"
	"math/rand/v2"
	"time"
)

// event is one inbound message or one status callback, at its time in the run.
type event struct {
	at     time.Duration
	order  uint64 // creation order: ties keep causal order
	ch     Channel
	cust   Customer
	msg    Message
	status StatusCallback
}

type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].order < h[j].order
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// events yields inbound messages on a fixed clock (one every 1/Rate) and status callbacks
// scheduled after the business message they report on, merged in time order.
func (s *Scenario) events() iter.Seq[event] {
	return func(yield func(event) bool) {
		r := rand.New(rand.NewPCG(s.Seed, 1))
		channels := s.Channels()
		start := s.start()
		slots := int(s.Rate * s.Duration.Seconds())
		if slots < 1 {
			slots = 1
		}
		nIn := 0
		if s.Customers > 0 {
			nIn = slots
		}
		nTargets := 0
		if s.Statuses {
			nTargets = min(slots, len(s.StatusIDs))
		}
		var pend eventHeap
		var order uint64
		push := func(e event) {
			e.order = order
			order++
			heap.Push(&pend, e)
		}
		drain := func(upTo time.Duration) bool {
			for pend.Len() > 0 && pend[0].at <= upTo {
				if !yield(heap.Pop(&pend).(event)) {
					return false
				}
			}
			return true
		}
		lastIn := map[int]string{}
		lastOut := map[int]string{}
		schedule := func(at time.Duration, ch Channel, wamid, recipient string) {
			kinds := []StatusKind{StatusSent, StatusDelivered, StatusRead}
			if r.Float64() < s.FailRate {
				kinds = []StatusKind{StatusSent, StatusFailed}
			}
			offsets := append([]time.Duration(nil), statusOffsets[:len(kinds)]...)
			if s.StatusOutOfOrder {
				r.Shuffle(len(offsets), func(i, j int) { offsets[i], offsets[j] = offsets[j], offsets[i] })
			}
			for i, k := range kinds {
				t := at + offsets[i]
				push(event{at: t, ch: ch, status: Status(wamid, k, recipient, start.Add(t))})
			}
		}
		for i := 0; i < max(nIn, nTargets); i++ {
			at := time.Duration(float64(i) * float64(time.Second) / s.Rate)
			if !drain(at) {
				return
			}
			if i < nIn {
				ci := r.IntN(s.Customers)
				cust := CustomerN(ci)
				ch := channels[ci%len(channels)]
				typ := s.Types[i%len(s.Types)]
				ref := lastOut[ci]
				if typ == TypeReaction {
					ref = lastIn[ci]
				}
				m := NewMessage(r, typ, cust.WAID, Wamid(cust.WAID, uint64(i), s.Seed), start.Add(at), ref)
				lastIn[ci] = m.ID()
				if typ == TypeSystem {
					cust.Name = "" // Meta sends no contacts[] with system messages
				}
				push(event{at: at, ch: ch, cust: cust, msg: m})
				if s.Statuses && len(s.StatusIDs) == 0 {
					out := Wamid(cust.WAID, uint64(i), s.Seed^0x9e3779b97f4a7c15)
					lastOut[ci] = out
					schedule(at, ch, out, cust.WAID)
				}
			}
			if i < nTargets {
				t := s.StatusIDs[i]
				ch := channels[i%len(channels)]
				if t.PhoneNumberID != "" {
					ch.PhoneNumberID = t.PhoneNumberID
				}
				if t.Recipient == "" {
					t.Recipient = CustomerN(i % max(s.Customers, 1)).WAID
				}
				schedule(at, ch, t.Wamid, t.Recipient)
			}
		}
		drain(1<<63 - 1)
	}
}
