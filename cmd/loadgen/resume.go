package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/ent/channel"
	"switchboard/internal/events"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim"
)

const resumeQuery = `subscription($after: String) { inboxEvents(after: $after) { cursor kind message { text } conversation { id } } }`

// resume measures P6: a client that is -events behind (cursor 0 of a
// tenant whose log holds that many events) subscribes with after= and
// reads until it has them all; catch-up rate = events / elapsed time from
// the subscribe message to the last frame. The log is written through
// webhooks (each text message appends MESSAGE_CREATED and
// CONVERSATION_UPDATED), processed by the in-process server.
func resume(args []string) error {
	fs := flag.NewFlagSet("resume", flag.ExitOnError)
	total := fs.Int("events", 10_000, "events in the tenant's log to catch up on")
	runs := fs.Int("runs", 3, "catch-ups, each on a fresh connection from cursor 0")
	dbURL := fs.String("database-url", "", "postgres://… for the in-process server (scratch schema; default: temporary SQLite file)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the catch-up runs to this file")
	_ = fs.Parse(args)
	*total = min(*total, 1_000_000)

	ctx := context.Background()
	srv, err := openServer(ctx, "", *dbURL, "", true)
	if err != nil {
		return err
	}
	defer srv.Close()
	t, err := newTenant(ctx, srv.base, 1)
	if err != nil {
		return err
	}
	sys := viewer.System(ctx)
	ch, err := srv.t.DB.Client.Channel.Query().Where(channel.PhoneNumberID(t.channel.PhoneNumberID)).Only(sys)
	if err != nil {
		return err
	}
	fmt.Printf("resume: %s, %d events, GOMAXPROCS=%d, %s\n", srv.storage, *total, runtime.GOMAXPROCS(0), runtime.Version())

	// Write the log: total/2 webhooks, 16 senders, then wait for processing.
	start := time.Now()
	hc := sim.NewClient(30*time.Second, 16)
	var next atomic.Int64
	var wg sync.WaitGroup
	var postErr atomic.Value
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(*total+1)/2; i = next.Add(1) {
				body, _ := textWebhook(t, uint64(i), fmt.Sprintf("resume %d", i))
				if code, err := sim.Post(ctx, hc, srv.webhookURL(), srv.secret, body); err != nil || code != 200 {
					postErr.Store(fmt.Errorf("webhook: %d %v", code, err))
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := postErr.Load().(error); err != nil {
		return err
	}
	var head int64
	for deadline := time.Now().Add(10 * time.Minute); head < int64(*total); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("log holds %d events after 10 minutes", head)
		}
		if head, err = events.Head(ctx, srv.t.DB.Client, ch.TenantID); err != nil {
			return err
		}
	}
	fmt.Printf("log written and processed in %s: %d events\n", time.Since(start).Round(time.Millisecond), head)

	if *cpuProfile != "" {
		stop, err := profileCPU(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	for run := 1; run <= *runs; run++ {
		c, err := dialWS(ctx, srv.base, t.token, nil)
		if err != nil {
			return err
		}
		start := time.Now()
		if err := c.subscribe("1", resumeQuery, map[string]any{"after": events.Cursor(0)}); err != nil {
			return err
		}
		var first time.Duration
		for n := int64(0); n < head; {
			f, err := c.next()
			if err != nil {
				return fmt.Errorf("after %d frames: %w", n, err)
			}
			if f.Type == "next" {
				if n == 0 {
					first = time.Since(start)
				}
				n++
			}
		}
		el := time.Since(start)
		c.Close()
		fmt.Printf("run %d: %d events in %s (first after %s): %.0f events/s\n",
			run, head, el.Round(time.Millisecond), first.Round(time.Microsecond), float64(head)/el.Seconds())
	}
	return nil
}
