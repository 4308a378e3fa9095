package events

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"switchboard/internal/pulid"
)

func TestPGNotifierPayloadsCoalesceAndSplit(t *testing.T) {
	b := NewPGNotifier(nil, "", NewBroker(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	tenants := map[pulid.ID]struct{}{}
	for i := range 1000 {
		tenants[pulid.ID(fmt.Sprintf("TN%024d", i))] = struct{}{}
	}
	payloads := b.payloads(tenants)
	seen := 0
	for _, p := range payloads {
		if len(p) > maxPayload || !strings.HasPrefix(p, b.self+"|") {
			t.Fatalf("payload of %d bytes, prefix %q", len(p), p[:13])
		}
		seen += len(strings.Split(strings.TrimPrefix(p, b.self+"|"), ","))
	}
	if seen != 1000 || len(payloads) != 4 {
		t.Fatalf("%d tenants in %d payloads; want 1000 in 4 (26-byte ids, 7000-byte payloads)", seen, len(payloads))
	}
}

func TestPGNotifierWakesLocalReadersOfOtherReplicas(t *testing.T) {
	broker := NewBroker()
	b := NewPGNotifier(nil, "", broker, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w := broker.subscribe("TN1")
	defer broker.unsubscribe(w)
	b.receive(b.self + "|TN1") // our own NOTIFY: already notified locally
	select {
	case <-w.c:
		t.Fatal("own notification woke the reader again")
	default:
	}
	b.receive("otherreplica|TN2,TN1")
	select {
	case <-w.c:
	default:
		t.Fatal("another replica's notification did not wake the reader")
	}
}
