package events

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"

	"switchboard/internal/pulid"
)

// Channel is the PostgreSQL NOTIFY channel of PGNotifier.
const Channel = "switchboard_events"

// maxPayload keeps NOTIFY payloads under PostgreSQL's 8000-byte limit.
const maxPayload = 7000

// PGNotifier is the Notifier across replicas. Notify wakes this process's
// readers at once (its local Broker) and queues the tenants for one
// coalesced NOTIFY; a LISTEN connection (lib/pq's Listener, which
// reconnects by itself) notifies the local Broker when another replica's
// notification arrives, and wakes every local reader after a reconnect,
// since notifications may have been lost meanwhile. Notifications carry only tenant ids: subscribers
// always read the event log itself (DESIGN.md principle 3).
//
// NOTIFY takes a global lock at commit, so it is never sent per row: while
// one NOTIFY is in flight, further notifications accumulate into the next.
type PGNotifier struct {
	db    *sql.DB
	dsn   string
	local *Broker
	log   *slog.Logger
	self  string // this replica's id, to skip its own notifications

	mu      sync.Mutex
	pending map[pulid.ID]struct{}
	kick    chan struct{}
}

// NewPGNotifier returns a Notifier that notifies through db, listens on a
// separate connection opened from dsn once Run starts, and wakes local.
func NewPGNotifier(db *sql.DB, dsn string, local *Broker, log *slog.Logger) *PGNotifier {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &PGNotifier{db: db, dsn: dsn, local: local, log: log, self: hex.EncodeToString(b),
		pending: map[pulid.ID]struct{}{}, kick: make(chan struct{}, 1)}
}

// Notify implements Notifier.
func (b *PGNotifier) Notify(tenants ...pulid.ID) {
	b.local.Notify(tenants...)
	b.mu.Lock()
	for _, t := range tenants {
		b.pending[t] = struct{}{}
	}
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// Run listens and notifies until ctx ends.
func (b *PGNotifier) Run(ctx context.Context) {
	l := pq.NewListener(b.dsn, 100*time.Millisecond, 5*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil {
			b.log.Warn("event doorbell connection", "event", ev, "err", err)
		}
	})
	defer l.Close()
	if err := l.Listen(Channel); err != nil {
		b.log.Error("event doorbell cannot LISTEN; other replicas' events will wait for local activity", "err", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		b.notifyLoop(ctx)
	}()
	ping := time.NewTicker(30 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case n := <-l.Notify:
			if n == nil { // reconnected: anything may have been missed
				b.local.NotifyAll()
				continue
			}
			b.receive(n.Extra)
		case <-ping.C:
			go func() { _ = l.Ping() }()
		}
	}
}

// receive wakes the local readers of the tenants in a payload
// "<replica>|<tenant>,<tenant>…" from another replica.
func (b *PGNotifier) receive(payload string) {
	from, list, ok := strings.Cut(payload, "|")
	if !ok || from == b.self {
		return
	}
	var ids []pulid.ID
	for _, t := range strings.Split(list, ",") {
		if t != "" {
			ids = append(ids, pulid.ID(t))
		}
	}
	b.local.Notify(ids...)
}

// notifyLoop sends the queued tenants, as few NOTIFYs as fit them.
func (b *PGNotifier) notifyLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		}
		b.mu.Lock()
		tenants := b.pending
		b.pending = make(map[pulid.ID]struct{}, len(tenants))
		b.mu.Unlock()
		for _, payload := range b.payloads(tenants) {
			if _, err := b.db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, Channel, payload); err != nil && ctx.Err() == nil {
				b.log.Warn("event doorbell NOTIFY failed; other replicas catch up on their next wake-up", "err", err)
			}
		}
	}
}

func (b *PGNotifier) payloads(tenants map[pulid.ID]struct{}) []string {
	var out []string
	var sb strings.Builder
	for t := range tenants {
		if sb.Len() > 0 && sb.Len()+len(t)+1 > maxPayload {
			out = append(out, sb.String())
			sb.Reset()
		}
		if sb.Len() == 0 {
			sb.WriteString(b.self + "|")
		} else {
			sb.WriteByte(',')
		}
		sb.WriteString(string(t))
	}
	if sb.Len() > 0 {
		out = append(out, sb.String())
	}
	return out
}
