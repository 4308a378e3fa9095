package main

import (
	"context"
	"sync"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// sendWebhooks paces the scenario's deliveries on the wall clock and POSTs them with a pool of
// cfg.concurrency senders. When every sender is busy the dispatcher waits, so a slow server
// shows up as lag (reported) instead of unbounded queueing in the simulator.
func sendWebhooks(ctx context.Context, cfg *config) *summary {
	client := sim.NewClient(cfg.timeout, cfg.concurrency)
	sum := newSummary()
	jobs := make(chan sim.Delivery)
	var wg sync.WaitGroup
	for range cfg.concurrency {
		wg.Go(func() {
			for d := range jobs {
				t0 := time.Now()
				code, err := sim.Post(ctx, client, cfg.target, cfg.appSecret, d.Body)
				sum.record(d, code, err, time.Since(t0))
			}
		})
	}

	began := time.Now()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
dispatch:
	for d := range cfg.scenario.Deliveries() {
		if wait := time.Until(began.Add(d.At)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				break dispatch
			case <-timer.C:
			}
		}
		select {
		case jobs <- d:
			sum.lag(time.Since(began) - d.At)
		case <-ctx.Done():
			break dispatch
		}
	}
	close(jobs)
	wg.Wait()
	sum.elapsed = time.Since(began)
	sum.interrupted = ctx.Err() != nil
	return sum
}
