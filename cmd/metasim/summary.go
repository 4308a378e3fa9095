package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// summary aggregates a run. Latencies go into a log-scale histogram (about 2% precision) so
// memory stays constant for hour-long runs.
type summary struct {
	mu          sync.Mutex
	posts       int
	messages    int
	statuses    int
	duplicates  int
	acked       int
	byStatus    map[int]int
	errors      int
	errorKinds  map[string]int
	hist        histogram
	maxLag      time.Duration
	elapsed     time.Duration
	interrupted bool
}

func newSummary() *summary {
	return &summary{byStatus: map[int]int{}, errorKinds: map[string]int{}}
}

func (s *summary) record(d sim.Delivery, code int, err error, took time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.posts++
	if d.Duplicate {
		s.duplicates++ // its events were counted with the original
	} else {
		s.messages += d.Messages
		s.statuses += d.Statuses
	}
	switch {
	case err != nil:
		s.errors++
		if len(s.errorKinds) < 10 {
			s.errorKinds[err.Error()]++
		}
		return
	case code >= 200 && code < 300:
		s.acked++
	default:
		s.byStatus[code]++
	}
	s.hist.add(took)
}

func (s *summary) lag(l time.Duration) {
	s.mu.Lock()
	s.maxLag = max(s.maxLag, l)
	s.mu.Unlock()
}

func (s *summary) allAcknowledged() bool {
	return !s.interrupted && s.errors == 0 && s.acked == s.posts
}

type summaryJSON struct {
	Posts        int            `json:"posts"`
	Messages     int            `json:"messages"`
	Statuses     int            `json:"statuses"`
	Duplicates   int            `json:"duplicates"`
	Acknowledged int            `json:"acknowledged"`
	Non2xx       map[string]int `json:"non_2xx"`
	Errors       int            `json:"errors"`
	P50Millis    float64        `json:"latency_p50_ms"`
	P99Millis    float64        `json:"latency_p99_ms"`
	MaxMillis    float64        `json:"latency_max_ms"`
	ElapsedSecs  float64        `json:"elapsed_s"`
	PostsPerSec  float64        `json:"posts_per_s"`
	MaxLagMillis float64        `json:"max_lag_ms"`
	Interrupted  bool           `json:"interrupted"`
}

func (s *summary) snapshot() summaryJSON {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := summaryJSON{
		Posts: s.posts, Messages: s.messages, Statuses: s.statuses, Duplicates: s.duplicates,
		Acknowledged: s.acked, Non2xx: map[string]int{}, Errors: s.errors,
		P50Millis: ms(s.hist.quantile(0.50)), P99Millis: ms(s.hist.quantile(0.99)), MaxMillis: ms(s.hist.max),
		ElapsedSecs: s.elapsed.Seconds(), MaxLagMillis: ms(s.maxLag), Interrupted: s.interrupted,
	}
	for code, n := range s.byStatus {
		out.Non2xx[fmt.Sprint(code)] = n
	}
	if s.elapsed > 0 {
		out.PostsPerSec = float64(s.posts) / s.elapsed.Seconds()
	}
	return out
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

func (s *summary) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s.snapshot())
}

func (s *summary) writeText(w io.Writer) {
	j := s.snapshot()
	fmt.Fprintf(w, "sent          %d POSTs (%d messages, %d statuses, plus %d duplicate deliveries) in %.2fs, %.1f POST/s\n",
		j.Posts, j.Messages, j.Statuses, j.Duplicates, j.ElapsedSecs, j.PostsPerSec)
	fmt.Fprintf(w, "acknowledged  %d (2xx)\n", j.Acknowledged)
	codes := make([]string, 0, len(j.Non2xx))
	for c, n := range j.Non2xx {
		codes = append(codes, fmt.Sprintf("%s×%d", c, n))
	}
	sort.Strings(codes)
	if len(codes) == 0 {
		codes = []string{"none"}
	}
	fmt.Fprintf(w, "non-2xx       %s\n", strings.Join(codes, " "))
	if j.Errors > 0 {
		s.mu.Lock()
		kinds := make([]string, 0, len(s.errorKinds))
		for k := range s.errorKinds {
			kinds = append(kinds, k)
		}
		s.mu.Unlock()
		sort.Strings(kinds)
		fmt.Fprintf(w, "errors        %d (e.g. %s)\n", j.Errors, strings.Join(kinds, "; "))
	}
	fmt.Fprintf(w, "latency       p50 %.3fms  p99 %.3fms  max %.3fms\n", j.P50Millis, j.P99Millis, j.MaxMillis)
	if j.MaxLagMillis > 100 {
		fmt.Fprintf(w, "behind        up to %.0fms behind schedule (server or -concurrency too slow for -rate)\n", j.MaxLagMillis)
	}
	if j.Interrupted {
		fmt.Fprintln(w, "interrupted   before the scenario finished")
	}
}

// histogram buckets durations on a 2% log scale from 1µs.
type histogram struct {
	counts [1200]int
	n      int
	max    time.Duration
}

const histBase = 1.02

func (h *histogram) add(d time.Duration) {
	i := 0
	if us := float64(d) / 1e3; us > 1 {
		i = min(int(math.Log(us)/math.Log(histBase))+1, len(h.counts)-1)
	}
	h.counts[i]++
	h.n++
	h.max = max(h.max, d)
}

// quantile returns the upper bound of the bucket holding the q-th sample, capped at the max.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int(math.Ceil(q * float64(h.n)))
	seen := 0
	for i, c := range h.counts {
		if seen += c; seen >= rank {
			upper := time.Duration(math.Pow(histBase, float64(i)) * 1e3)
			return min(upper, h.max)
		}
	}
	return h.max
}
