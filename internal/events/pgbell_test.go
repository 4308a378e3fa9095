package events

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"switchboard/internal/pulid"
)

func TestPGBellPayloadsCoalesceAndSplit(t *testing.T) {
	b := NewPGBell(nil, "", NewBroker(), slog.New(slog.NewTextHandler(io.Discard, nil)))
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

func TestPGBellRingsLocalSubscribersOfOtherReplicas(t *testing.T) {
	broker := NewBroker()
	b := NewPGBell(nil, "", broker, slog.New(slog.NewTextHandler(io.Discard, nil)))
	d := broker.Subscribe("TN1")
	defer broker.Unsubscribe(d)
	b.receive(b.self + "|TN1") // our own NOTIFY: already rung locally
	select {
	case <-d.C:
		t.Fatal("own notification rang again")
	default:
	}
	b.receive("otherreplica|TN2,TN1")
	select {
	case <-d.C:
	default:
		t.Fatal("another replica's notification did not ring")
	}
}
