package events

import (
	"context"
	"time"

	"switchboard/ent"
	"switchboard/internal/pulid"
)

// PageSize is how many events a follower reads from the log at once.
const PageSize = 500

// Hub lets subscribers follow tenants' event logs.
type Hub struct {
	Client *ent.Client
	// Broker wakes this process's subscribers.
	Broker *Broker
	// Bell is what writers ring after commit: the Broker itself in a
	// single process, a PGBell when replicas share PostgreSQL.
	Bell Bell
}

// Follow calls emit with every event of the tenant after seq `after` (and,
// if conversation is set, of that conversation only), in order, in
// batches, then with live events as they commit, until ctx ends or emit
// fails. It subscribes to the doorbell before its first read, so an event
// committed at any moment is either read now or rung for later: none is
// missed, and since it reads strictly after the last seq it emitted, none
// is repeated.
func (h *Hub) Follow(ctx context.Context, tenant pulid.ID, after int64, conversation pulid.ID, emit func([]*ent.Event) error) error {
	bell := h.Broker.Subscribe(tenant)
	defer h.Broker.Unsubscribe(bell)
	backoff := 50 * time.Millisecond
	for {
		evs, err := Read(ctx, h.Client, tenant, after, conversation, PageSize)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			select { // storage hiccup: retry without spinning
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
				backoff = min(backoff*2, 5*time.Second)
				continue
			}
		}
		backoff = 50 * time.Millisecond
		if len(evs) > 0 {
			if err := emit(evs); err != nil {
				return err
			}
			after = evs[len(evs)-1].Seq
			if len(evs) == PageSize {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-bell.C:
		}
	}
}
