package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchboard/ent"
	"switchboard/ent/campaignrecipient"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim/graphapi"
)

// campaignBench is issue 9's P5: a campaign of -recipients contacts sent
// through one number at -rate against the simulated Graph API on
// loopback, with agent replies going out meanwhile. It reports the rate
// Meta sees (every accepted send timestamped), the replies' QUEUED → SENT
// latency as an inboxEvents subscriber sees it, duplicates, and the
// recipients' final states. Contacts come in through importContacts, in
// CSV chunks of -chunk rows. Switchboard runs in-process (no -kill yet).
func campaignBench(args []string) error {
	fs := flag.NewFlagSet("campaign", flag.ExitOnError)
	rate := fs.Int("rate", 1000, "the number's sendRatePerSecond (1..1000)")
	recipients := fs.Int("recipients", 100000, "contacts in the campaign's audience")
	chunk := fs.Int("chunk", 10000, "rows per importContacts call")
	customers := fs.Int("customers", 20, "customers who wrote first, the agent replies' recipients")
	every := fs.Duration("reply-every", 200*time.Millisecond, "one agent reply this often while the campaign runs")
	dbURL := fs.String("database-url", "", "postgres://… (scratch schema; default: temporary SQLite file)")
	bound := fs.Duration("timeout", 4*time.Minute, "give up waiting for COMPLETED after this long")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole process from startCampaign to the end")
	_ = fs.Parse(args)
	if *rate < 1 || *rate > 1000 {
		return errors.New("-rate must be 1..1000")
	}
	ctx := context.Background()
	rec := &simRecorder{refused: map[int]int{}}
	meta := httptest.NewServer(rec)
	defer meta.Close()
	rs, err := startReplicas(ctx, 1, *dbURL, meta.URL, 10*time.Second)
	if err != nil {
		return err
	}
	defer rs.close()
	gs, err := graphapi.New(graphapi.Config{Rate: 2 * float64(*rate), AllWindowsOpen: true, TemplateReviewDelay: 50 * time.Millisecond, Seed: 9,
		Target: rs.urls[0] + "/webhooks/whatsapp", AppSecret: loadgenSecret}) // the template's review, and sent/delivered/read statuses, come by webhook
	if err != nil {
		return err
	}
	defer gs.Close()
	rec.sim.Store(gs)
	fmt.Printf("campaign: %s, %d recipients at %d/s, a reply every %s to %d customers, GOMAXPROCS=%d, %s, load %s\n",
		rs.storage, *recipients, *rate, *every, *customers, runtime.GOMAXPROCS(0), runtime.Version(), loadavg())

	b, err := setUpSends(ctx, rs, gs, *customers)
	if err != nil {
		return err
	}
	defer b.ws.Close()
	if err := b.setRate(ctx, *rate); err != nil {
		return err
	}
	api := b.api[0]

	start := time.Now()
	for i := 0; i < *recipients; i += *chunk {
		var csv strings.Builder
		csv.WriteString("phone,name,tags,opt_in\n")
		for j := i; j < min(i+*chunk, *recipients); j++ {
			fmt.Fprintf(&csv, "+1415%07d,Customer %d,broadcast,yes\n", 3000000+j, j)
		}
		var out struct{ ImportContacts struct{ Created int } }
		if err := api.do(ctx, `mutation($csv: String!) { importContacts(csv: $csv) { created } }`, map[string]any{"csv": csv.String()}, &out); err != nil {
			return fmt.Errorf("importContacts at row %d: %w", i, err)
		}
	}
	took := time.Since(start)
	fmt.Printf("contacts: %d imported in %s (%.0f/s) through importContacts, %d rows a call\n", *recipients, took.Round(time.Millisecond), float64(*recipients)/took.Seconds(), *chunk)

	var tpl struct{ CreateTemplate struct{ ID string } }
	err = api.do(ctx, `mutation($in: CreateTemplateInput!) { createTemplate(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"channelId": b.channel, "name": "spring_news", "language": "en_US",
			"category": "MARKETING", "components": []any{map[string]any{"type": "BODY", "text": "Hello {{1}}, spring is here.",
				"example": map[string]any{"body_text": []any{[]any{"Ada"}}}}}}}, &tpl)
	if err != nil {
		return fmt.Errorf("createTemplate: %w", err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var got struct{ Node struct{ Status string } }
		if err := api.do(ctx, `query($id: ID!) { node(id: $id) { ... on Template { status } } }`, map[string]any{"id": tpl.CreateTemplate.ID}, &got); err != nil {
			return err
		}
		if got.Node.Status == "APPROVED" {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("template %s after 30 s", got.Node.Status)
		}
	}
	var cp struct{ CreateCampaign struct{ ID string } }
	err = api.do(ctx, `mutation($in: CreateCampaignInput!) { createCampaign(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "P5", "channelId": b.channel, "templateId": tpl.CreateTemplate.ID,
			"audience": map[string]any{"tags": []string{"broadcast"}}, "parameters": []string{"{{contact.name}}"}}}, &cp)
	if err != nil {
		return fmt.Errorf("createCampaign: %w", err)
	}
	if *cpuProfile != "" {
		stop, err := profileCPU(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	from := time.Now()
	if err := api.do(ctx, `mutation($id: ID!) { startCampaign(id: $id) { id } }`, map[string]any{"id": cp.CreateCampaign.ID}, &struct{}{}); err != nil {
		return fmt.Errorf("startCampaign: %w", err)
	}

	// Agent replies while the campaign runs, until it completes.
	sys := viewer.System(ctx)
	id := pulid.ID(cp.CreateCampaign.ID)
	var (
		mu      sync.Mutex
		replies []string
		refused int
		status  string
	)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(*every)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-t.C:
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				rid, err := b.send(ctx, i)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					refused++
					return
				}
				replies = append(replies, rid)
			}()
		}
	}()
	deadline := from.Add(*bound)
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		c, err := rs.db.Client.Campaign.Get(sys, id)
		if err != nil {
			return err
		}
		if status = string(c.Status); status == "COMPLETED" || status == "FAILED" {
			break
		}
	}
	ran := time.Since(from)
	close(done)
	wg.Wait()
	b.wait(replies, 30*time.Second)
	fmt.Printf("campaign %s after %s; load %s\n", status, ran.Round(time.Millisecond), loadavg())

	// What Meta saw: campaign sends are those whose id is no reply's.
	rec.mu.Lock()
	all := slices.Clone(rec.sends)
	refusedBy, dropped := fmt.Sprint(rec.refused), rec.dropped
	rec.mu.Unlock()
	isReply := make(map[string]bool, len(replies))
	for _, r := range replies {
		isReply[r] = true
	}
	var ts, cs []time.Time
	for _, s := range all {
		ts = append(ts, s.at)
		if !isReply[s.id] {
			cs = append(cs, s.at)
		}
	}
	slices.SortFunc(ts, time.Time.Compare)
	slices.SortFunc(cs, time.Time.Compare)
	got, window := steadyRate(ts)
	peak, at := maxPerSecond(ts)
	fmt.Printf("Meta accepted %d sends (%d campaign, %d replies; %d responses dropped; refused by code %s)\n", len(all), len(cs), len(all)-len(cs), dropped, refusedBy)
	fmt.Printf("rate at Meta (campaign + replies): %.1f/s over the steady %s (%+.2f %% of %d/s); busiest 1-s window %d at +%s (limit %d + burst %d)\n",
		got, window.Round(time.Millisecond), (got-float64(*rate))/float64(*rate)*100, *rate, peak, at.Sub(from).Round(time.Millisecond), *rate, max(1, *rate/10))
	if n, total, runs := pauses(ts, *rate); n > 0 {
		fmt.Printf("  pauses (no send for 4 intervals or 20 ms): %d, %s in all, after %.0f sends on average\n", n, total.Round(time.Millisecond), runs)
	}
	sends := gs.Sends()
	dup := 0
	for mid, c := range sends.ByCallbackData {
		if c > 1 {
			dup++
			if dup <= 10 {
				fmt.Printf("  DUPLICATE: message %s sent %d times\n", mid, c)
			}
		}
	}
	if line, err := claimTimes(ctx, rs.urls[0]); err == nil {
		fmt.Println(line)
	}
	fmt.Printf("duplicates: %d messages sent more than once (%d accepted sends, %d distinct messages)\n", dup, sends.Total, len(sends.ByCallbackData))
	fmt.Printf("replies: %d queued (%d refused); QUEUED → SENT frame: %s\n", len(replies), refused, b.latency(replies, b.sentAt))

	// Every recipient accounted for, from the database.
	var byStatus []struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	if err := rs.db.Client.CampaignRecipient.Query().Where(campaignrecipient.CampaignID(id)).
		GroupBy(campaignrecipient.FieldStatus).Aggregate(ent.Count()).Scan(sys, &byStatus); err != nil {
		return err
	}
	sum := 0
	for _, s := range byStatus {
		sum += s.Count
	}
	noMsg, err := rs.db.Client.CampaignRecipient.Query().Where(campaignrecipient.CampaignID(id), campaignrecipient.Not(campaignrecipient.HasMessage())).Count(sys)
	if err != nil {
		return err
	}
	fmt.Printf("recipients: %d (want %d) by status %v; %d without a message\n", sum, *recipients, byStatus, noMsg)
	return nil
}

// claimTimes summarises switchboard_outbox_claim_seconds from the server's
// /metrics: how long the sender's claims took, against the tenth of a
// second a claim's batch takes to send.
func claimTimes(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/metrics", nil)
	if err != nil {
		return "", err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var sum, count, fast float64
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		v, err := strconv.ParseFloat(value, 64)
		if !ok || err != nil {
			continue
		}
		switch name {
		case "switchboard_outbox_claim_seconds_sum":
			sum = v
		case "switchboard_outbox_claim_seconds_count":
			count = v
		case `switchboard_outbox_claim_seconds_bucket{le="0.1"}`:
			fast = v
		}
	}
	if count == 0 {
		return "", errors.New("no claims counted")
	}
	return fmt.Sprintf("claims: %.0f, mean %.1f ms, %.0f %% within 100 ms", count, sum/count*1000, fast/count*100), sc.Err()
}
