package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// loadgenSecret is the Meta app secret of the in-process server: loadgen
// signs its webhooks with it.
const loadgenSecret = "loadgen-secret"

// tenant is a signed-up business with one connected WhatsApp number.
type tenant struct {
	token   string
	channel sim.Channel
}

// newTenant signs up a business and connects a number, through the API.
func newTenant(ctx context.Context, base string, i int) (*tenant, error) {
	c := &client{url: base + "/graphql", http: &http.Client{Timeout: time.Minute}}
	if err := c.signUp(ctx); err != nil {
		return nil, err
	}
	ch := sim.Channel{WABAID: fmt.Sprint(102290129340000 + i), PhoneNumberID: fmt.Sprint(106540352240000 + i),
		DisplayPhoneNumber: fmt.Sprintf("+1 555 01%02d", i%100)}
	var out struct{ ConnectWhatsApp struct{ ID string } }
	err := c.do(ctx, `mutation($in: ConnectWhatsAppInput!) { connectWhatsApp(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"name": "Loadgen line", "wabaId": ch.WABAID, "phoneNumberId": ch.PhoneNumberID,
		"displayPhoneNumber": ch.DisplayPhoneNumber, "accessToken": "EAAGloadgen-" + ch.PhoneNumberID, "metaUserId": "10158",
	}}, &out)
	if err != nil {
		return nil, fmt.Errorf("connect number: %w", err)
	}
	return &tenant{token: c.token, channel: ch}, nil
}

// textWebhook is Meta's payload for one text message from one of 500
// customers; seq keeps the Meta message ids distinct.
func textWebhook(t *tenant, seq uint64, text string) ([]byte, error) {
	c := sim.CustomerN(int(seq % 500))
	return sim.Marshal(sim.TextMessage(t.channel, c, sim.Wamid(c.WAID, seq, 0x10ad), text, time.Now()))
}

// server is the Switchboard to measure: in-process or remote.
type server struct {
	base, storage, secret string
	t                     *target // nil when remote
}

func (s *server) webhookURL() string { return s.base + "/webhooks/whatsapp" }

// openServer starts the in-process server, or uses the remote one at
// remote (loopback only: every benchmark stays on this machine).
func openServer(ctx context.Context, remote, databaseURL, secret string, runJobs bool) (*server, error) {
	if remote != "" {
		if err := sim.CheckLoopback(remote); err != nil {
			return nil, err
		}
		return &server{base: strings.TrimRight(remote, "/"), storage: "remote server", secret: secret}, nil
	}
	t, err := startServer(ctx, databaseURL, runJobs)
	if err != nil {
		return nil, err
	}
	return &server{base: t.URL, storage: t.Storage, secret: loadgenSecret, t: t}, nil
}

func (s *server) Close() {
	if s.t != nil {
		s.t.Close()
	}
}

// latencies summarizes a sample of durations.
type latencies []time.Duration

func (l latencies) String() string {
	if len(l) == 0 {
		return "no samples"
	}
	s := slices.Clone(l)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	r := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/1e6) }
	return fmt.Sprintf("n=%d p50=%s p90=%s p99=%s max=%s", len(s), r(q(0.50)), r(q(0.90)), r(q(0.99)), r(s[len(s)-1]))
}

// raiseFileLimit lifts RLIMIT_NOFILE as far as allowed: to want if this
// process may raise the hard limit (root), else to the hard limit. Each
// WebSocket costs a descriptor on each side.
func raiseFileLimit(want uint64) uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	if want > l.Max {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: want, Max: want}); err == nil {
			return want
		}
	}
	l.Cur = min(max(l.Cur, want), l.Max)
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l)
	return l.Cur
}

// procStatus reads fields (in kB) such as VmRSS and VmHWM from an open
// /proc/<pid>/status. It is opened once, before the sockets, because a
// process at its descriptor limit can no longer open it; reading from
// offset 0 regenerates it.
func procStatus(f *os.File, fields ...string) map[string]int64 {
	out := map[string]int64{}
	if f == nil {
		return out
	}
	buf := make([]byte, 16<<10)
	n, _ := f.ReadAt(buf, 0)
	for _, line := range strings.Split(string(buf[:n]), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !slices.Contains(fields, k) {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		out[k] = n
	}
	return out
}
