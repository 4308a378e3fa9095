// Command switchboard is the Switchboard server.
//
//	switchboard serve     start the HTTP server (the default)
//	switchboard migrate   bring the database schema up to date and exit
package main

import (
	"context"
	"errors"
	"fmt"
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

func main() {
	cmd := "serve"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	var err error
	switch cmd {
	case "serve":
		err = serve(log)
	case "migrate":
		err = migrate(log)
	case "jobs":
		err = jobsCmd(log, os.Args[2:])
	case "help", "-h", "--help":
		fmt.Println("usage: switchboard [serve|migrate]")
		fmt.Println("       switchboard jobs [dead|retry|stats]   dead (FAILED) background jobs; switchboard jobs help")
		return
	default:
		err = fmt.Errorf("unknown command %q (want serve or migrate)", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "switchboard:", err)
		os.Exit(1)
	}
}

func load(log *slog.Logger) (*config.Config, *store.DB, error) {
	cfg, err := config.Load(os.Getenv, log)
	if err != nil {
		return nil, nil, err
	}
	ctx := context.Background()
	var db *store.DB
	if cfg.Postgres() {
		db, err = store.OpenPostgres(ctx, cfg.DatabaseURL)
	} else {
		db, err = store.OpenSQLite(ctx, cfg.SQLitePath())
	}
	return cfg, db, err
}

func migrate(log *slog.Logger) error {
	_, db, err := load(log)
	if err != nil {
		return err
	}
	log.Info("schema up to date", "dialect", db.Dialect)
	return db.Close()
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
