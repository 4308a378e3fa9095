package events

import (
	"sync"

	"switchboard/internal/pulid"
)

// Broker is the in-process Notifier: it wakes the Hub's tails of the
// tenants in this process. Notifying never blocks: each tail has a
// one-slot channel, and a notification that finds it full coalesces with
// the pending one. A slow reader therefore delays nobody; it reads the log
// when it can.
type Broker struct {
	mu   sync.Mutex
	subs map[pulid.ID]map[*wakeup]struct{}
}

// NewBroker returns an empty Broker.
func NewBroker() *Broker { return &Broker{subs: map[pulid.ID]map[*wakeup]struct{}{}} }

// wakeup is one tail's wake-up channel.
type wakeup struct {
	c      chan struct{}
	tenant pulid.ID
}

// subscribe returns a wake-up channel for the tenant's events.
func (b *Broker) subscribe(tenant pulid.ID) *wakeup {
	w := &wakeup{c: make(chan struct{}, 1), tenant: tenant}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs[tenant] == nil {
		b.subs[tenant] = map[*wakeup]struct{}{}
	}
	b.subs[tenant][w] = struct{}{}
	return w
}

// unsubscribe removes a wake-up channel.
func (b *Broker) unsubscribe(w *wakeup) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs[w.tenant], w)
	if len(b.subs[w.tenant]) == 0 {
		delete(b.subs, w.tenant)
	}
}

// Notify wakes this process's readers of the tenants. It implements
// Notifier for a single process; PGNotifier notifies the Broker of every
// replica.
func (b *Broker) Notify(tenants ...pulid.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range tenants {
		for w := range b.subs[t] {
			ring(w.c)
		}
	}
}

// NotifyAll wakes every reader (after a lost cross-replica connection,
// when notifications may have been missed).
func (b *Broker) NotifyAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ws := range b.subs {
		for w := range ws {
			ring(w.c)
		}
	}
}

// Subscribers counts the open wake-up channels, one per tenant the Hub
// tails (for leak tests).
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, ws := range b.subs {
		n += len(ws)
	}
	return n
}
