package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/whatsapp/sim/graphapi"
)

// sendBench measures issue 8's sending against the simulated Graph API on
// loopback: the rate Meta sees from one number (every accepted send is
// timestamped as it arrives), agent replies' QUEUED → SENT latency as an
// inboxEvents subscriber sees it, and that no message is sent twice when
// responses are lost. Switchboard runs in-process, -replicas of it over one
// database, each with its background work (app.Run), all sharing the number.
func sendBench(args []string) error {
	fs := flag.NewFlagSet("send", flag.ExitOnError)
	rate := fs.Int("rate", 80, "the number's sendRatePerSecond (1..1000)")
	n := fs.Int("n", 0, "replies queued in the burst (default 10 s worth)")
	customers := fs.Int("customers", 0, "customers who wrote first, replies round-robin (default: ≥ 100, ≤ 40 replies each)")
	replicas := fs.Int("replicas", 1, "Switchboard replicas sharing the number (more than 1 needs -database-url)")
	lost := fs.Float64("lost", 0, "share of send responses the simulator drops after accepting (FaultLost)")
	statuses := fs.Bool("statuses", true, "the simulator posts sent/delivered/read status webhooks")
	outcome := fs.Duration("outcome-timeout", 10*time.Second, "SEND_OUTCOME_TIMEOUT of the replicas")
	paced := fs.Duration("paced", 5*time.Second, "after the burst, replies at -paced-rate for this long: latency without a backlog (0: none)")
	pacedRate := fs.Int("paced-rate", 0, "replies/s after the burst (default half of -rate)")
	conc := fs.Int("c", 32, "concurrent sendMessage requests while queueing the burst")
	batch := fs.Int("batch", 1, "replies per request while queueing the burst (aliased sendMessage fields: one transaction)")
	hold := fs.Bool("hold", false, "queue the burst at sendRatePerSecond 1, then raise it to -rate (a backlog even if queueing is slower than -rate)")
	dbURL := fs.String("database-url", "", "postgres://… (scratch schema; default: temporary SQLite file)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole process from the end of queueing (with -hold: from the raise) to the end")
	_ = fs.Parse(args)
	if *rate < 1 || *rate > 1000 {
		return errors.New("-rate must be 1..1000")
	}
	if *replicas > 1 && *dbURL == "" {
		return errors.New("-replicas > 1 needs -database-url (replicas share a PostgreSQL database)")
	}
	if *lost > 0 && !*statuses {
		return errors.New("-lost needs -statuses: only a status webhook settles a send whose response was lost")
	}
	if *batch > 40 {
		return errors.New("-batch is at most 40: a batch goes to one customer, and Meta's pair rate allows 45")
	}
	if *n <= 0 {
		*n = 10 * *rate
	}
	if *pacedRate <= 0 {
		*pacedRate = max(1, *rate/2)
	}
	total := *n + int(float64(*pacedRate)*paced.Seconds())
	if *customers <= 0 {
		// Meta's pair rate: 45, then one per 6 s; a batch goes to one customer.
		*customers = max(100, (total+39)/40)
		if *batch > 1 {
			*customers = max(*customers, (*n+*batch-1) / *batch)
		}
	}

	ctx := context.Background()
	rec := &simRecorder{refused: map[int]int{}}
	meta := httptest.NewServer(rec)
	defer meta.Close()
	rs, err := startReplicas(ctx, *replicas, *dbURL, meta.URL, *outcome)
	if err != nil {
		return err
	}
	defer rs.close()
	cfg := graphapi.Config{Rate: 2 * float64(*rate), FaultLost: *lost, Seed: 8}
	if *statuses {
		cfg.Target, cfg.AppSecret = rs.urls[0]+"/webhooks/whatsapp", loadgenSecret
	}
	gs, err := graphapi.New(cfg)
	if err != nil {
		return err
	}
	defer gs.Close() // before the replicas: no status webhook is left posting
	rec.sim.Store(gs)
	fmt.Printf("send: %s, %d replica(s), rate %d/s, burst %d + %d paced at %d/s over %d customers, lost %.0f %%, statuses %v, GOMAXPROCS=%d, %s, load %s\n",
		rs.storage, *replicas, *rate, *n, total-*n, *pacedRate, *customers, *lost*100, *statuses, runtime.GOMAXPROCS(0), runtime.Version(), loadavg())

	b, err := setUpSends(ctx, rs, gs, *customers)
	if err != nil {
		return err
	}
	defer b.ws.Close()
	if *hold {
		if err := b.setRate(ctx, 1); err != nil {
			return err
		}
	} else if err := b.setRate(ctx, *rate); err != nil {
		return err
	}
	// The burst, as fast as the API takes it.
	start := time.Now()
	burst, failed := b.queue(ctx, *n, *conc, max(1, *batch))
	took := time.Since(start)
	fmt.Printf("burst: %d replies queued in %s (%.0f/s), %d refused\n", len(burst), took.Round(time.Millisecond), float64(len(burst))/took.Seconds(), failed)
	from := start
	if *hold {
		if err := b.setRate(ctx, *rate); err != nil {
			return err
		}
		from = time.Now()
	}
	if *cpuProfile != "" { // from the burst, or with -hold from the raise: the sending
		stop, err := profileCPU(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	b.wait(burst, time.Duration(float64(len(burst))/float64(*rate)*3*float64(time.Second))+30*time.Second)

	var steady []string
	if *paced > 0 {
		var mu sync.Mutex
		var i atomic.Int64
		_, pf, _ := fixedRate(*pacedRate, *paced, func() (time.Duration, error) {
			id, err := b.send(ctx, int(i.Add(1))+*n)
			if err == nil {
				mu.Lock()
				steady = append(steady, id)
				mu.Unlock()
			}
			return 0, err
		})
		fmt.Printf("paced: %d replies at %d/s, %d refused\n", len(steady), *pacedRate, pf)
		b.wait(steady, 30*time.Second)
	}

	// Settle: every reply SENT (READ with statuses) or FAILED.
	settle := time.Now()
	census := b.census(ctx, *statuses, *outcome+30*time.Second)
	fmt.Printf("settled in %s; load %s\n", time.Since(settle).Round(time.Millisecond), loadavg())
	sends := gs.Sends()
	report(rec, b, sends, burst, steady, from, start.Add(took), *rate)
	fmt.Printf("final states (database): %s\n", census)
	return nil
}

// report prints what the simulator saw and what the subscriber saw.
func report(rec *simRecorder, b *sendRun, sends graphapi.Sends, burst, steady []string, from, queued time.Time, rate int) {
	rec.mu.Lock()
	all := slices.Clone(rec.sends)
	refused, dropped := fmt.Sprint(rec.refused), rec.dropped
	rec.mu.Unlock()
	inBurst := make(map[string]bool, len(burst))
	for _, id := range burst {
		inBurst[id] = true
	}
	var ts, bs []time.Time
	byReplica := map[string]int{}
	for _, s := range all {
		ts = append(ts, s.at)
		byReplica[s.replica]++
		if inBurst[s.id] && !s.at.Before(from) {
			bs = append(bs, s.at)
		}
	}
	slices.SortFunc(ts, time.Time.Compare)
	slices.SortFunc(bs, time.Time.Compare)
	burstLimit := max(1, rate/10) // the outbox's limiter burst
	got, window := steadyRate(bs)
	peak, at := maxPerSecond(ts)
	fmt.Printf("Meta accepted %d sends (by replica %v; %d responses dropped; refused by code %s)\n", len(all), byReplica, dropped, refused)
	fmt.Printf("burst rate at Meta: %.1f/s over the steady %s (%+.2f %% of %d/s); busiest 1-s window %d at +%s (limit %d + burst %d)\n",
		got, window.Round(time.Millisecond), (got-float64(rate))/float64(rate)*100, rate, peak, at.Sub(from).Round(time.Millisecond), rate, burstLimit)
	var drain []time.Time
	for _, t := range bs {
		if t.After(queued) {
			drain = append(drain, t)
		}
	}
	if got, window := steadyRate(drain); window >= 2*time.Second {
		fmt.Printf("  after queueing ended: %.1f/s over %s (%+.2f %%)\n", got, window.Round(time.Millisecond), (got-float64(rate))/float64(rate)*100)
	}
	if n, total, runs := pauses(bs, rate); n > 0 {
		fmt.Printf("  pauses (no send for 4 intervals or 20 ms): %d, %s in all, after %.0f sends on average\n", n, total.Round(time.Millisecond), runs)
	}
	dup := 0
	for id, c := range sends.ByCallbackData {
		if c > 1 {
			dup++
			fmt.Printf("  DUPLICATE: message %s sent %d times\n", id, c)
		}
	}
	fmt.Printf("duplicates: %d messages sent more than once (%d accepted sends, %d distinct messages)\n", dup, sends.Total, len(sends.ByCallbackData))
	fmt.Printf("QUEUED → SENT frame, burst: %s\n", b.latency(burst, b.sentAt))
	if len(steady) > 0 {
		fmt.Printf("QUEUED → SENT frame, paced: %s\n", b.latency(steady, b.sentAt))
		at := map[string]time.Time{}
		for _, s := range all {
			if _, ok := at[s.id]; !ok {
				at[s.id] = s.at
			}
		}
		fmt.Printf("QUEUED → accepted by Meta, paced: %s\n", b.latency(steady, at))
	}
}

// steadyRate is the rate of sorted send times without their first and last
// second (the limiter's initial burst, the end of the backlog).
func steadyRate(ts []time.Time) (float64, time.Duration) {
	if len(ts) < 2 {
		return 0, 0
	}
	lo, hi := ts[0].Add(time.Second), ts[len(ts)-1].Add(-time.Second)
	if hi.Sub(lo) < time.Second {
		d := ts[len(ts)-1].Sub(ts[0])
		return float64(len(ts)-1) / d.Seconds(), d
	}
	n := 0
	for _, t := range ts {
		if !t.Before(lo) && !t.After(hi) {
			n++
		}
	}
	return float64(n) / hi.Sub(lo).Seconds(), hi.Sub(lo)
}

// pauses finds the stalls in a backlog's sorted send times between its
// first and last second: gaps of at least four intervals at rate (and
// 20 ms), when the sender had tokens but sent nothing (a claim, a full
// results channel). It returns how many, their total and the sends between
// two on average.
func pauses(ts []time.Time, rate int) (int, time.Duration, float64) {
	if len(ts) < 2 {
		return 0, 0, 0
	}
	gap := max(20*time.Millisecond, 4*time.Second/time.Duration(rate))
	lo, hi := ts[0].Add(time.Second), ts[len(ts)-1].Add(-time.Second)
	n, sends := 0, 0
	var total time.Duration
	for i := 1; i < len(ts); i++ {
		if ts[i].Before(lo) || ts[i].After(hi) {
			continue
		}
		sends++
		if d := ts[i].Sub(ts[i-1]); d >= gap {
			n++
			total += d
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	return n, total, float64(sends) / float64(n)
}

// maxPerSecond is the most sends in any 1-second window of sorted times,
// and where that window starts.
func maxPerSecond(ts []time.Time) (int, time.Time) {
	best, i := 0, 0
	var at time.Time
	for j := range ts {
		for ts[j].Sub(ts[i]) >= time.Second {
			i++
		}
		if j-i+1 > best {
			best, at = j-i+1, ts[i]
		}
	}
	return best, at
}
