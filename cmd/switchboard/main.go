// Command switchboard is the Switchboard server and its operator tools.
//
//	switchboard serve          start the HTTP server
//	switchboard migrate        bring the database schema up to date and exit
//	switchboard jobs           list and re-drive dead background jobs
//	switchboard rotate-key     re-seal stored secrets with ENCRYPTION_KEY
//	switchboard notices        publish, list and withdraw notices to tenants
//	switchboard breach-report  which tenants and how many contacts a breach affects
//	switchboard schema         print the GraphQL schema (SDL)
//	switchboard version        print the version and commit
//
// With no command, or with help, -h or --help, it prints the usage (every
// command and environment variable) and starts nothing.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/config"
	"switchboard/internal/store"
)

// commands are switchboard's subcommands, in the order the usage lists them.
func commands(stdout io.Writer) []command {
	return []command{
		{"serve", "start the HTTP server (make run)", func(log *slog.Logger, args []string) error {
			if err := noArgs("serve", args); err != nil {
				return err
			}
			return serve(log)
		}},
		{"migrate", "bring the database schema up to date and exit", func(log *slog.Logger, args []string) error {
			if err := noArgs("migrate", args); err != nil {
				return err
			}
			return migrate(log)
		}},
		{"jobs", "list and re-drive dead background jobs (switchboard jobs help)", jobsCmd},
		{"rotate-key", "re-seal stored access tokens with ENCRYPTION_KEY while servers run (old keys: ENCRYPTION_KEYS_OLD)", func(log *slog.Logger, args []string) error {
			if err := noArgs("rotate-key", args); err != nil {
				return err
			}
			return rotateKey(log, stdout)
		}},
		{"notices", "publish, list and withdraw notices to tenants' members (switchboard notices help)", noticesCmd(stdout)},
		{"breach-report", "tenants and contact counts a breach of tables in a time window affects (switchboard breach-report help)", breachCmd(stdout)},
		{"schema", "print the GraphQL schema this server serves (SDL; make schema)", func(_ *slog.Logger, args []string) error {
			if err := noArgs("schema", args); err != nil {
				return err
			}
			return writeSchema(stdout)
		}},
		{"version", "print the version and the commit it was built from", func(_ *slog.Logger, args []string) error {
			if err := noArgs("version", args); err != nil {
				return err
			}
			_, err := fmt.Fprintln(stdout, versionLine())
			return err
		}},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command in args and returns the exit status: 0, 1 when the
// command failed, 2 for a command or arguments it does not know.
func run(args []string, stdout, stderr io.Writer) int {
	cmds := commands(stdout)
	if len(args) == 0 || isHelp(args[0]) {
		writeUsage(stdout, cmds)
		return 0
	}
	var cmd *command
	for i := range cmds {
		if cmds[i].name == args[0] {
			cmd = &cmds[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "switchboard: unknown command %q\n\n", args[0])
		writeUsage(stderr, cmds)
		return 2
	}
	err := cmd.run(slog.New(slog.NewJSONHandler(stderr, nil)), args[1:])
	var bad usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		writeUsage(stdout, cmds)
		return 0
	case errors.As(err, &bad):
		fmt.Fprintf(stderr, "switchboard: %s\n\n", bad.msg)
		writeUsage(stderr, cmds)
		return 2
	default:
		fmt.Fprintln(stderr, "switchboard:", err)
		return 1
	}
}

func load(log *slog.Logger) (*config.Config, *store.DB, error) {
	cfg, err := config.Load(os.Getenv, log)
	if err != nil {
		return nil, nil, err
	}
	db, err := openStore(context.Background(), cfg, startSchema(cfg))
	return cfg, db, err
}

func serve(log *slog.Logger) error {
	cfg, db, err := load(log)
	if err != nil {
		return err
	}
	defer db.Close()
	log = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	a, err := app.New(cfg, db, log)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              cfg.ListenAddr,
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	workCtx, stopWork := context.WithCancel(context.Background())
	workDone := make(chan struct{})
	go func() { a.Run(workCtx); close(workDone) }()
	defer func() { stopWork(); <-workDone }()
	log.Info("switchboard listening", "addr", cfg.ListenAddr, "storage", db.Dialect)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// Streams first (WebSockets get 1001, SSE ends), then Shutdown waits
	// for in-flight requests, webhooks among them, to finish.
	a.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
