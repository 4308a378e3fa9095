// Package app wires Switchboard together: one place that builds every
// service from the config and the database. cmd/switchboard and the test
// harness both use it, so tests run the same assembly as production.
package app

import (
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"switchboard/graph"
	"switchboard/internal/auth"
	"switchboard/internal/channels"
	"switchboard/internal/config"
	"switchboard/internal/contacts"
	"switchboard/internal/crypto"
	"switchboard/internal/server"
	"switchboard/internal/store"
)

// App is one assembled Switchboard process.
type App struct {
	Config   *config.Config
	DB       *store.DB
	Log      *slog.Logger
	Auth     *auth.Service
	Channels *channels.Service
	Handler  http.Handler
}

// New builds the services and the HTTP handler over an open database.
func New(cfg *config.Config, db *store.DB, log *slog.Logger) (*App, error) {
	sealer, err := crypto.NewSealer(cfg.EncryptionKey)
	if err != nil {
		return nil, err
	}
	authSvc := auth.New(db.Client, log)
	channelSvc := channels.New(sealer)
	resolver := &graph.Resolver{
		Client:   db.Client,
		Auth:     authSvc,
		Channels: channelSvc,
		Contacts: contacts.New(),
		Log:      log,
	}
	srv := &server.Server{
		DB:       db,
		Auth:     authSvc,
		Resolver: resolver,
		Log:      log,
		Options: server.Options{
			CORSAllowedOrigins: cfg.CORSAllowedOrigins,
			MaxBodyBytes:       cfg.MaxBodyBytes,
			ComplexityLimit:    cfg.ComplexityLimit,
			Registry:           prometheus.NewRegistry(),
		},
	}
	return &App{Config: cfg, DB: db, Log: log, Auth: authSvc, Channels: channelSvc, Handler: srv.Handler()}, nil
}
