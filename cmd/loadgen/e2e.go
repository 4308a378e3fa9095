package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/whatsapp/sim"
)

const liveQuery = `subscription { inboxEvents { kind message { text } } }`

// subscriber is one WebSocket client following its tenant's inbox.
type subscriber struct {
	conn   *wsConn
	tenant int
	mu     sync.Mutex // guards lat
	lat    latencies
	warm   atomic.Bool
	frames atomic.Int64
}

// e2e measures P2: the time from the start of a webhook POST to the
// subscription frame that carries its message, on every subscriber of
// the tenant. The send time travels in the message text.
func e2e(args []string) error {
	fs := flag.NewFlagSet("e2e", flag.ExitOnError)
	subs := fs.Int("subs", 1000, "WebSocket subscribers, spread evenly over the tenants")
	tenants := fs.Int("tenants", 1, "tenants (each with one connected number)")
	rate := fs.Int("rate", 1000, "webhook events/s, round-robin over the tenants")
	dur := fs.Duration("d", 10*time.Second, "sending duration")
	target := fs.String("url", "", "base URL of a running Switchboard on loopback (default: start one in-process)")
	secret := fs.String("app-secret", "", "Meta app secret of the -url server")
	dbURL := fs.String("database-url", "", "postgres://… for the in-process server (scratch schema; default: temporary SQLite file)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole process during the sending phase")
	_ = fs.Parse(args)
	*dur = min(*dur, 10*time.Minute)
	raiseFileLimit(uint64(4**subs + 1024))

	ctx := context.Background()
	srv, err := openServer(ctx, *target, *dbURL, *secret, true)
	if err != nil {
		return err
	}
	defer srv.Close()
	ts := make([]*tenant, *tenants)
	for i := range ts {
		if ts[i], err = newTenant(ctx, srv.base, i+1); err != nil {
			return err
		}
	}
	fmt.Printf("e2e: %s, %d subscribers over %d tenants, %d events/s for %s, GOMAXPROCS=%d, %s\n",
		srv.storage, *subs, *tenants, *rate, *dur, runtime.GOMAXPROCS(0), runtime.Version())

	// Connect and subscribe, 32 at a time.
	ss := make([]*subscriber, *subs)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	var dialErr atomic.Value
	start := time.Now()
	for i := range ss {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s := &subscriber{tenant: i % *tenants}
			c, err := dialWS(ctx, srv.base, ts[s.tenant].token, nil)
			if err == nil {
				err = c.subscribe("1", liveQuery, nil)
			}
			if err != nil {
				dialErr.Store(err)
				return
			}
			s.conn = c
			ss[i] = s
		}()
	}
	wg.Wait()
	if err, _ := dialErr.Load().(error); err != nil {
		return fmt.Errorf("subscribe: %w", err)
	}
	fmt.Printf("%d subscriptions open in %s\n", len(ss), time.Since(start).Round(time.Millisecond))
	for _, s := range ss {
		defer s.conn.Close()
		go s.read()
	}

	hc := sim.NewClient(30*time.Second, 512)
	var seq atomic.Uint64
	post := func(t *tenant, text string) error {
		body, err := textWebhook(t, seq.Add(1), text)
		if err != nil {
			return err
		}
		code, err := sim.Post(ctx, hc, srv.webhookURL(), srv.secret, body)
		if err == nil && code != 200 {
			err = fmt.Errorf("HTTP %d", code)
		}
		return err
	}

	// Warm up until every subscriber has seen a message: only then are
	// all subscriptions surely live.
	deadline := time.Now().Add(2 * time.Minute)
	for warm := 0; warm < len(ss); {
		for _, t := range ts {
			if err := post(t, "warm-up"); err != nil {
				return err
			}
		}
		time.Sleep(200 * time.Millisecond)
		warm = 0
		for _, s := range ss {
			if s.warm.Load() {
				warm++
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d subscribers received the warm-up message", warm, len(ss))
		}
	}
	time.Sleep(time.Second) // let warm-up traffic drain

	if *cpuProfile != "" {
		stop, err := profileCPU(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	var n atomic.Uint64
	sent := make([]atomic.Int64, len(ts))
	lat, failed, el := fixedRate(*rate, *dur, func() (time.Duration, error) {
		i := int(n.Add(1)) % len(ts)
		err := post(ts[i], "e2e "+strconv.FormatInt(time.Now().UnixNano(), 10))
		if err == nil {
			sent[i].Add(1)
		}
		return 0, err
	})
	fmt.Printf("sent %d webhooks in %s (%.0f/s), %d failed; acknowledgement %s\n",
		len(lat), el.Round(time.Millisecond), float64(len(lat))/el.Seconds(), failed, lat)

	// Wait (bounded) for every subscriber to receive every message.
	want := func(s *subscriber) int { return int(sent[s.tenant].Load()) }
	drainStart := time.Now()
	for time.Since(drainStart) < 30*time.Second {
		done := true
		for _, s := range ss {
			if s.count() < want(s) {
				done = false
				break
			}
		}
		if done {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var all latencies
	missing := 0
	for _, s := range ss {
		got := s.snapshot()
		all = append(all, got...)
		missing += max(0, want(s)-len(got))
	}
	fmt.Printf("delivered %d message frames, %d missing after a 30 s drain; POST start → frame %s\n", len(all), missing, all)
	return nil
}

// read consumes frames, recording the latency of each measured message.
func (s *subscriber) read() {
	for {
		f, err := s.conn.next()
		if err != nil {
			return
		}
		if f.Type != "next" {
			continue
		}
		now := time.Now()
		s.frames.Add(1)
		var p struct {
			Data struct {
				InboxEvents struct {
					Kind    string
					Message *struct{ Text string }
				}
			}
		}
		if json.Unmarshal(f.Payload, &p) != nil || p.Data.InboxEvents.Message == nil {
			continue
		}
		text := p.Data.InboxEvents.Message.Text
		if text == "warm-up" {
			s.warm.Store(true)
			continue
		}
		if p.Data.InboxEvents.Kind != "MESSAGE_CREATED" || !strings.HasPrefix(text, "e2e ") {
			continue
		}
		ns, err := strconv.ParseInt(text[4:], 10, 64)
		if err != nil {
			continue
		}
		s.add(now.Sub(time.Unix(0, ns)))
	}
}

func (s *subscriber) add(d time.Duration) {
	s.mu.Lock()
	s.lat = append(s.lat, d)
	s.mu.Unlock()
}

func (s *subscriber) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lat)
}

func (s *subscriber) snapshot() latencies {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append(latencies(nil), s.lat...)
}
