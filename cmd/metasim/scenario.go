package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// config is everything a run needs, validated before anything is sent.
type config struct {
	target      string
	appSecret   string
	concurrency int
	timeout     time.Duration
	dryRun      bool
	jsonSummary bool
	scenario    sim.Scenario
}

// listFlag collects a repeatable, comma-separated flag (-phone-number-id a,b -phone-number-id c).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (*config, error) {
	fs := flag.NewFlagSet("metasim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &config{}
	var (
		phoneIDs      listFlag
		types         string
		statusFile    string
		start         string
		shuffle       bool
		shuffleWindow int
		seed          uint64
	)
	s := &cfg.scenario
	fs.StringVar(&cfg.target, "target", "http://127.0.0.1:8080/webhooks/whatsapp", "webhook URL; loopback only")
	fs.StringVar(&cfg.appSecret, "app-secret", "", "app secret for X-Hub-Signature-256 (default $META_APP_SECRET)")
	fs.StringVar(&s.WABAID, "waba-id", "102290129340398", "WhatsApp Business Account id (entry[].id)")
	fs.Var(&phoneIDs, "phone-number-id", "business phone number id(s), repeatable or comma-separated (default 106540352242922)")
	fs.IntVar(&s.Customers, "customers", 10, "number of customers writing; 0 sends only statuses for -status-ids")
	fs.Float64Var(&s.Rate, "rate", 10, "inbound messages per second across all customers")
	fs.DurationVar(&s.Duration, "duration", 10*time.Second, "how long to send (at most 1h)")
	fs.StringVar(&types, "types", "all", "message types, comma-separated, or all (rotates through every type)")
	fs.IntVar(&s.Batch, "batch", 1, "events per webhook POST (batched as several entries, changes or array items)")
	fs.Float64Var(&s.Duplicates, "duplicates", 0, "fraction of POSTs delivered twice, like Meta's retries")
	fs.BoolVar(&shuffle, "shuffle", false, "deliver POSTs out of order within a window")
	fs.IntVar(&shuffleWindow, "shuffle-window", 16, "window size for -shuffle, in POSTs")
	fs.BoolVar(&s.Statuses, "statuses", false, "send sent→delivered→read callbacks for a generated reply to each message")
	fs.StringVar(&statusFile, "status-ids", "", "file of message ids to send statuses for, one per line: wamid[,recipient[,phone_number_id]] (implies -statuses)")
	fs.BoolVar(&s.StatusOutOfOrder, "statuses-out-of-order", false, "permute each message's status callbacks (e.g. read before delivered)")
	fs.Float64Var(&s.FailRate, "fail", 0, "fraction of status sequences that end sent→failed")
	fs.Uint64Var(&seed, "seed", 1, "random seed; with -start, a run is reproducible byte for byte")
	fs.StringVar(&start, "start", "", "clock of message timestamps, Unix seconds or RFC 3339 (default now)")
	fs.IntVar(&cfg.concurrency, "concurrency", 32, "concurrent POSTs in flight")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "per-POST timeout")
	fs.BoolVar(&cfg.dryRun, "dry-run", false, "print the webhook bodies, one per line, instead of sending")
	fs.BoolVar(&cfg.jsonSummary, "json", false, "print the summary as JSON")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	if err := sim.CheckLoopback(cfg.target); err != nil {
		return nil, fmt.Errorf("-target: %w", err)
	}
	if cfg.appSecret == "" {
		cfg.appSecret = getenv("META_APP_SECRET")
	}
	if cfg.appSecret == "" && !cfg.dryRun {
		return nil, errors.New("-app-secret (or META_APP_SECRET) is required to sign webhooks")
	}
	if cfg.concurrency < 1 || cfg.concurrency > 4096 {
		return nil, errors.New("-concurrency must be between 1 and 4096")
	}
	if s.Duration > sim.MaxDuration {
		return nil, fmt.Errorf("-duration %s refused: at most %s", s.Duration, sim.MaxDuration)
	}
	if len(phoneIDs) == 0 {
		phoneIDs = listFlag{"106540352242922"}
	}
	s.PhoneNumberIDs = phoneIDs
	var err error
	if s.Types, err = sim.ParseTypes(types); err != nil {
		return nil, fmt.Errorf("-types: %w", err)
	}
	if shuffle {
		s.ShuffleWindow = shuffleWindow
	}
	s.Seed = seed
	if s.Start, err = parseStart(start); err != nil {
		return nil, fmt.Errorf("-start: %w", err)
	}
	if statusFile != "" {
		s.Statuses = true
		if s.StatusIDs, err = readStatusIDs(statusFile); err != nil {
			return nil, fmt.Errorf("-status-ids: %w", err)
		}
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func parseStart(v string) (time.Time, error) {
	if v == "" {
		return time.Now().UTC().Truncate(time.Second), nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Parse(time.RFC3339, v)
}

// readStatusIDs reads "wamid[,recipient[,phone_number_id]]" lines; blank lines and # comments
// are skipped.
func readStatusIDs(path string) ([]sim.StatusTarget, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []sim.StatusTarget
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		parts := strings.Split(text, ",")
		if len(parts) > 3 || strings.TrimSpace(parts[0]) == "" {
			return nil, fmt.Errorf("%s:%d: want wamid[,recipient[,phone_number_id]]", path, line)
		}
		t := sim.StatusTarget{Wamid: strings.TrimSpace(parts[0])}
		if len(parts) > 1 {
			t.Recipient = strings.TrimSpace(parts[1])
		}
		if len(parts) > 2 {
			t.PhoneNumberID = strings.TrimSpace(parts[2])
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no message ids", path)
	}
	return out, nil
}

func (c *config) describe() string {
	s := c.scenario
	d := fmt.Sprintf("%d customers, %.4g msg/s for %s, %d number(s), types %d, batch %d",
		s.Customers, s.Rate, s.Duration, len(s.PhoneNumberIDs), len(s.Types), s.Batch)
	if s.Statuses {
		d += ", statuses"
	}
	if s.Duplicates > 0 {
		d += fmt.Sprintf(", duplicates %.2g", s.Duplicates)
	}
	if s.ShuffleWindow > 1 {
		d += fmt.Sprintf(", shuffle window %d", s.ShuffleWindow)
	}
	return d
}

// dryRun prints every body on its own line: for inspecting payloads and for diffing runs.
func dryRun(ctx context.Context, cfg *config, w io.Writer) error {
	bw := bufio.NewWriter(w)
	for d := range cfg.scenario.Deliveries() {
		if ctx.Err() != nil {
			break
		}
		bw.Write(d.Body)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
