package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// ingest measures P1: signed webhook POSTs acknowledged (200, i.e. the raw
// event and its job committed). First as many as C clients can push for
// the duration; then an open-loop run at a fixed rate, whose latency is
// measured from each request's scheduled start, so a stalled server is
// charged for the requests it delayed (no coordinated omission).
func ingest(args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ExitOnError)
	conc := fs.Int("c", 64, "concurrent clients in the max-rate run")
	dur := fs.Duration("d", 10*time.Second, "duration of each run")
	rate := fs.Int("rate", 2000, "events/s of the fixed-rate run (0 skips it)")
	maxRun := fs.Bool("max", true, "do the max-rate run")
	process := fs.Bool("process", false, "also run the job workers that process the webhooks (in-process server)")
	target := fs.String("url", "", "base URL of a running Switchboard on loopback (default: start one in-process)")
	secret := fs.String("app-secret", "", "Meta app secret of the -url server")
	dbURL := fs.String("database-url", "", "postgres://… for the in-process server (scratch schema; default: temporary SQLite file)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole process to this file")
	_ = fs.Parse(args)
	*dur = min(*dur, 10*time.Minute)

	ctx := context.Background()
	srv, err := openServer(ctx, *target, *dbURL, *secret, *process)
	if err != nil {
		return err
	}
	defer srv.Close()
	t, err := newTenant(ctx, srv.base, 1)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		stop, err := profileCPU(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	fmt.Printf("ingest: %s, processing %v, GOMAXPROCS=%d, %s\n", srv.storage, *process, runtime.GOMAXPROCS(0), runtime.Version())
	hc := sim.NewClient(30*time.Second, max(*conc, 256))
	var seq atomic.Uint64
	post := func() (time.Duration, error) {
		n := seq.Add(1)
		body, err := textWebhook(t, n, fmt.Sprintf("ingest %d", n))
		if err != nil {
			return 0, err
		}
		start := time.Now()
		code, err := sim.Post(ctx, hc, srv.webhookURL(), srv.secret, body)
		if err == nil && code != 200 {
			err = fmt.Errorf("HTTP %d", code)
		}
		return time.Since(start), err
	}

	if *maxRun {
		var ok, failed atomic.Int64
		lat := make([]latencies, *conc)
		deadline := time.Now().Add(*dur)
		start := time.Now()
		var wg sync.WaitGroup
		for i := range *conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					d, err := post()
					if err != nil {
						failed.Add(1)
						continue
					}
					ok.Add(1)
					lat[i] = append(lat[i], d)
				}
			}()
		}
		wg.Wait()
		el := time.Since(start)
		var all latencies
		for _, l := range lat {
			all = append(all, l...)
		}
		fmt.Printf("max rate, %d clients, %s: %d acknowledged, %d failed, %.0f events/s; latency %s\n",
			*conc, el.Round(time.Millisecond), ok.Load(), failed.Load(), float64(ok.Load())/el.Seconds(), all)
	}
	if *rate > 0 {
		lat, failed, el := fixedRate(*rate, *dur, func() (time.Duration, error) { return post() })
		fmt.Printf("fixed rate %d/s, %s: %d acknowledged, %d failed, %.0f events/s; latency from scheduled start %s\n",
			*rate, el.Round(time.Millisecond), len(lat), failed, float64(len(lat))/el.Seconds(), lat)
	}
	return nil
}

// fixedRate starts do at rate per second for d (open loop: requests start
// on schedule whatever the previous ones are doing, up to 10,000 in
// flight) and returns each successful request's latency measured from its
// scheduled start.
func fixedRate(rate int, d time.Duration, do func() (time.Duration, error)) (latencies, int, time.Duration) {
	total := int(float64(rate) * d.Seconds())
	var mu sync.Mutex
	lat := make(latencies, 0, total)
	failed := 0
	sem := make(chan struct{}, 10_000)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range total {
		at := start.Add(time.Duration(float64(i) / float64(rate) * float64(time.Second)))
		if w := time.Until(at); w > 0 {
			time.Sleep(w)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := do()
			took := time.Since(at)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				return
			}
			lat = append(lat, took)
		}()
	}
	wg.Wait()
	return lat, failed, time.Since(start)
}
