package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"switchboard/internal/whatsapp/sim"
	"switchboard/internal/whatsapp/sim/graphapi"
)

// serveConfig is the `metasim serve` mode: a simulated Graph API on loopback.
type serveConfig struct {
	listen string
	api    graphapi.Config
}

func parseServeFlags(args []string, stderr io.Writer, getenv func(string) string) (*serveConfig, error) {
	fs := flag.NewFlagSet("metasim serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &serveConfig{}
	a := &cfg.api
	var tokens, revoked, openWindows listFlag
	var windowCustomers int
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8090", "address of the Graph API; loopback only")
	fs.StringVar(&a.AppSecret, "app-secret", "", "app secret signing status webhooks (default $META_APP_SECRET)")
	fs.StringVar(&a.Target, "target", "http://127.0.0.1:8080/webhooks/whatsapp", "webhook URL for statuses and /_sim/inbound; loopback only; empty sends none")
	fs.StringVar(&a.WABAID, "waba-id", "102290129340398", "WhatsApp Business Account id (entry[].id of webhooks)")
	fs.StringVar(&a.DisplayPhoneNumber, "display-phone-number", "16505559000", "metadata.display_phone_number of webhooks")
	fs.Var(&tokens, "token", "accepted Bearer token(s), comma-separated or repeated (default any non-empty token)")
	fs.Var(&revoked, "revoke", "token(s) answered with error 190 (revoked)")
	fs.Float64Var(&a.Rate, "rate", 80, "messages per second per phone number; above it error 130429")
	fs.IntVar(&a.PairBurst, "pair-burst", 45, "messages to one customer in a burst; above it error 131056")
	fs.DurationVar(&a.PairInterval, "pair-interval", 6*time.Second, "one more message to the same customer per interval")
	fs.IntVar(&windowCustomers, "window-customers", 10, "the first N customers of the webhook mode (-customers) wrote just now: their 24-hour window is open")
	fs.Var(&openWindows, "open-window", "more customers (wa_id or BSUID) whose window is open")
	fs.BoolVar(&a.AllWindowsOpen, "window-all", false, "every customer's window is open (no 131047)")
	fs.Float64Var(&a.FailShare, "fail", 0, "share of accepted messages whose statuses end sent→failed (131026)")
	fs.DurationVar(&a.StatusDelay, "status-delay", 100*time.Millisecond, "pause before each status webhook")
	fs.StringVar(&a.TemplateCategory, "template-category", "marketing", "pricing.category of template statuses")
	fs.BoolVar(&a.BSUID, "bsuid", false, "webhooks carry user_id/from_user_id/recipient_user_id and empty wa_id/from/recipient_id")
	fs.DurationVar(&a.URLTTL, "url-ttl", 5*time.Minute, "lifetime of media download URLs")
	fs.StringVar(&a.RejectTemplateWord, "reject-template-word", "", "created templates whose name contains this word are REJECTED by the review webhook (others APPROVED)")
	fs.DurationVar(&a.TemplateReviewDelay, "template-review-delay", 500*time.Millisecond, "time from a template's creation to its review webhook")
	fs.IntVar(&a.TemplatePageSize, "template-page-size", 0, "largest page of the template list (0: the client's limit, at most 100)")
	fs.BoolVar(&a.LenientTemplates, "lenient-templates", false, "accept sends of any template name as approved (no 132001)")
	fs.Float64Var(&a.Fault5xx, "fault-5xx", 0, "share of sends answered 500 (131000), not sent")
	fs.Float64Var(&a.FaultTimeout, "fault-timeout", 0, "share of sends never answered (the client times out), not sent")
	fs.Float64Var(&a.FaultLost, "fault-lost", 0, "share of sends accepted whose answer is lost (connection dropped; statuses still come)")
	fs.Uint64Var(&a.Seed, "seed", 1, "random seed for failures and faults")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := sim.CheckLoopback("http://" + cfg.listen); err != nil {
		return nil, fmt.Errorf("-listen: %w", err)
	}
	if a.AppSecret == "" {
		a.AppSecret = getenv("META_APP_SECRET")
	}
	if a.Target != "" && a.AppSecret == "" {
		return nil, errors.New("-app-secret (or META_APP_SECRET) is required to sign webhooks to -target")
	}
	if windowCustomers < 0 || windowCustomers > sim.MaxCustomers {
		return nil, fmt.Errorf("-window-customers must be between 0 and %d", sim.MaxCustomers)
	}
	a.Tokens, a.RevokedTokens = tokens, revoked
	for i := range windowCustomers {
		a.OpenWindows = append(a.OpenWindows, sim.CustomerN(i).WAID)
	}
	a.OpenWindows = append(a.OpenWindows, openWindows...)
	if _, err := graphapi.New(*a); err != nil {
		return nil, err
	}
	return cfg, nil
}

// runServe listens on cfg.listen until ctx ends.
func runServe(ctx context.Context, cfg *serveConfig, stderr io.Writer) int {
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		fmt.Fprintln(stderr, "metasim:", err)
		return 1
	}
	fmt.Fprintf(stderr, "metasim: Graph API on http://%s, webhooks → %s\n", ln.Addr(), cfg.api.Target)
	if err := serveOn(ctx, ln, cfg.api); err != nil {
		fmt.Fprintln(stderr, "metasim:", err)
		return 1
	}
	return 0
}

// serveOn serves the simulated Graph API on ln until ctx ends, then drains it.
func serveOn(ctx context.Context, ln net.Listener, api graphapi.Config) error {
	s, err := graphapi.New(api)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		s.Close() // releases hung requests first, so Shutdown can finish
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = srv.Shutdown(shutdown)
	}
	s.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
