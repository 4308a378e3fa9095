// Command metasim stands in for Meta's WhatsApp Cloud API, which Switchboard cannot reach from
// its test and benchmark environments. It sends signed webhooks in Meta's exact format to a
// local Switchboard: N customers writing every message type at a rate, status callbacks,
// batching, duplicates and out-of-order delivery, reproducibly from a seed. `metasim serve`
// runs the outbound side instead: a simulated Graph API (package graphapi) on loopback.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		mainServe(os.Args[2:])
	}
	cfg, err := parseFlags(os.Args[1:], os.Stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "metasim:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, cfg, os.Stdout, os.Stderr))
}

// mainServe runs `metasim serve`: the simulated Graph API until interrupted.
func mainServe(args []string) {
	cfg, err := parseServeFlags(args, os.Stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "metasim serve:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(runServe(ctx, cfg, os.Stderr))
}

// run executes the scenario and prints the summary; the exit code is 0 only when every POST
// was acknowledged with a 2xx, so scripts and CI can rely on it.
func run(ctx context.Context, cfg *config, stdout, stderr io.Writer) int {
	if cfg.dryRun {
		if err := dryRun(ctx, cfg, stdout); err != nil {
			fmt.Fprintln(stderr, "metasim:", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "metasim: %s → %s (seed %d, start %d)\n", cfg.describe(), cfg.target, cfg.scenario.Seed, cfg.scenario.Start.Unix())
	sum := sendWebhooks(ctx, cfg)
	if cfg.jsonSummary {
		if err := sum.writeJSON(stdout); err != nil {
			fmt.Fprintln(stderr, "metasim:", err)
			return 1
		}
	} else {
		sum.writeText(stdout)
	}
	if !sum.allAcknowledged() {
		return 1
	}
	return 0
}
