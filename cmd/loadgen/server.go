package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"

	"switchboard/internal/app"
	"switchboard/internal/config"
	"switchboard/internal/store"
)

// target is a Switchboard to measure and how to put it away.
type target struct {
	URL     string
	Storage string
	App     *app.App
	DB      *store.DB
	Close   func()
}

// startServer runs Switchboard in-process on a loopback httptest server,
// assembled by internal/app exactly as cmd/switchboard does, over a scratch
// database that Close removes. With runJobs it also processes webhooks
// (app.Run), as a real server does.
func startServer(ctx context.Context, databaseURL string, runJobs bool) (*target, error) {
	dir, err := os.MkdirTemp("", "loadgen-")
	if err != nil {
		return nil, err
	}
	cleanups := []func(){func() { os.RemoveAll(dir) }}
	closeAll := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	env := map[string]string{
		"ENCRYPTION_KEY":    base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)),
		"DATA_DIR":          dir,
		"META_APP_SECRET":   loadgenSecret,
		"MAX_REQUEST_BYTES": fmt.Sprint(64 << 20),
		// Benchmarks hold thousands of sockets per tenant: no stream caps.
		"MAX_CONNECTIONS_PER_TENANT":       "0",
		"MAX_SUBSCRIPTIONS_PER_CONNECTION": "0",
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg, err := config.Load(func(k string) string { return env[k] }, quiet)
	if err != nil {
		closeAll()
		return nil, err
	}
	var db *store.DB
	storage := "SQLite (temporary file)"
	if databaseURL == "" {
		db, err = store.OpenSQLite(ctx, filepath.Join(dir, "switchboard.db"))
	} else {
		dsn, drop, serr := store.ScratchSchema(databaseURL, "loadgen_")
		if serr != nil {
			closeAll()
			return nil, serr
		}
		cleanups = append(cleanups, drop)
		storage = "PostgreSQL (scratch schema)"
		db, err = store.OpenPostgres(ctx, dsn)
	}
	if err != nil {
		closeAll()
		return nil, err
	}
	cleanups = append(cleanups, func() { db.Close() })
	a, err := app.New(cfg, db, quiet)
	if err != nil {
		closeAll()
		return nil, err
	}
	// Every benchmark tenant signs up from 127.0.0.1.
	a.Auth.SetSignUpLimit(1 << 30)
	if runJobs {
		jctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Run(jctx); close(done) }()
		cleanups = append(cleanups, func() { stop(); <-done })
	}
	srv := httptest.NewUnstartedServer(a.Handler)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // clients dropping sockets at exit is expected
	srv.Start()
	cleanups = append(cleanups, srv.Close, srv.CloseClientConnections) // run in reverse
	return &target{URL: srv.URL, Storage: storage, App: a, DB: db, Close: closeAll}, nil
}
