package events

import (
	"sync"

	"switchboard/internal/pulid"
)

// Broker is the in-process doorbell: it wakes this process's subscribers
// of a tenant. Ringing never blocks: each subscriber has a one-slot
// channel, and a ring that finds it full coalesces with the pending one.
// A slow subscriber therefore delays nobody; it reads the log when it can.
type Broker struct {
	mu   sync.Mutex
	subs map[pulid.ID]map[*Doorbell]struct{}
}

// NewBroker returns an empty Broker.
func NewBroker() *Broker { return &Broker{subs: map[pulid.ID]map[*Doorbell]struct{}{}} }

// Doorbell is one subscriber's wake-up channel.
type Doorbell struct {
	C      chan struct{}
	tenant pulid.ID
}

// Subscribe returns a doorbell for the tenant's events.
func (b *Broker) Subscribe(tenant pulid.ID) *Doorbell {
	d := &Doorbell{C: make(chan struct{}, 1), tenant: tenant}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs[tenant] == nil {
		b.subs[tenant] = map[*Doorbell]struct{}{}
	}
	b.subs[tenant][d] = struct{}{}
	return d
}

// Unsubscribe removes a doorbell.
func (b *Broker) Unsubscribe(d *Doorbell) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs[d.tenant], d)
	if len(b.subs[d.tenant]) == 0 {
		delete(b.subs, d.tenant)
	}
}

// Ring wakes the subscribers of the tenants. It implements Bell for a
// single process; a cross-replica Bell rings the broker of every replica.
func (b *Broker) Ring(tenants ...pulid.ID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range tenants {
		for d := range b.subs[t] {
			ring(d.C)
		}
	}
}

// RingAll wakes every subscriber (after a lost cross-replica connection,
// when notifications may have been missed).
func (b *Broker) RingAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ds := range b.subs {
		for d := range ds {
			ring(d.C)
		}
	}
}

// Subscribers counts open subscriptions (for metrics and leak tests).
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, ds := range b.subs {
		n += len(ds)
	}
	return n
}
