// Command demo is `make demo`: it starts bin/switchboard on an embedded SQLite database with
// development secrets, signs up a demo tenant, connects the demo WhatsApp number, prints the
// playground URL with a token, headers and a subscription to paste, then runs bin/metasim
// against the server for a while so the inbox fills and realtime events flow. The server keeps
// running until Ctrl-C (SIGINT or SIGTERM), which stops it with SIGTERM.
//
// It builds nothing: the Makefile builds bin/switchboard, bin/metasim and bin/demo first.
//
//	DEMO_ADDR       listen address, loopback only (default 127.0.0.1:8080)
//	DEMO_DURATION   how long the simulator sends (default 1m)
//	DEMO_DATA_DIR   the server's DATA_DIR (default data/demo); kept between runs, so a second
//	                run logs the demo user in again and finds the channel connected
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	opts, err := parseArgs(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(2)
	}
	opts.stdout, opts.stderr = os.Stdout, os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first Ctrl-C the default action comes back, so a second one ends the
		// demo at once if the server is slow to stop.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, opts, nil); err != nil {
		fmt.Fprintln(os.Stderr, "demo: FAILED:", err)
		os.Exit(1)
	}
}

// parseArgs reads the flags and the DEMO_* variables.
func parseArgs(args []string, getenv func(string) string) (*options, error) {
	o := &options{addr: "127.0.0.1:8080", dataDir: "data/demo", duration: time.Minute,
		rate: 2, customers: 20}
	if v := getenv("DEMO_ADDR"); v != "" {
		o.addr = v
	}
	if v := getenv("DEMO_DATA_DIR"); v != "" {
		o.dataDir = v
	}
	if v := getenv("DEMO_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Hour {
			return nil, fmt.Errorf("DEMO_DURATION=%q: want a duration between 1s and 1h, like 1m or 30s", v)
		}
		o.duration = d
	}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.StringVar(&o.server, "switchboard", "bin/switchboard", "the server binary (make build)")
	fs.StringVar(&o.metasim, "metasim", "bin/metasim", "the simulator binary")
	fs.StringVar(&o.addr, "addr", o.addr, "listen address, loopback only (default $DEMO_ADDR or 127.0.0.1:8080)")
	fs.StringVar(&o.dataDir, "data-dir", o.dataDir, "the server's DATA_DIR (default $DEMO_DATA_DIR or data/demo)")
	fs.DurationVar(&o.duration, "duration", o.duration, "how long the simulator sends (default $DEMO_DURATION or 1m)")
	fs.Float64Var(&o.rate, "rate", o.rate, "simulated inbound messages per second")
	fs.IntVar(&o.customers, "customers", o.customers, "simulated customers")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.duration <= 0 || o.duration > time.Hour {
		return nil, fmt.Errorf("-duration %s: want between 1s and 1h", o.duration)
	}
	if o.rate <= 0 || o.customers <= 0 {
		return nil, errors.New("-rate and -customers must be positive")
	}
	return o, nil
}
