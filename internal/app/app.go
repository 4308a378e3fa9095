// Package app wires Switchboard together: one place that builds every
// service from the config and the database. cmd/switchboard and the test
// harness both use it, so tests run the same assembly as production.
package app

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"switchboard/graph"
	"switchboard/internal/account"
	"switchboard/internal/analytics"
	"switchboard/internal/auth"
	"switchboard/internal/campaigns"
	"switchboard/internal/channels"
	"switchboard/internal/config"
	"switchboard/internal/contacts"
	"switchboard/internal/crypto"
	"switchboard/internal/events"
	"switchboard/internal/inbound"
	"switchboard/internal/inbox"
	"switchboard/internal/jobs"
	"switchboard/internal/media"
	"switchboard/internal/metaapi"
	"switchboard/internal/metacallback"
	"switchboard/internal/outbox"
	"switchboard/internal/privacy"
	"switchboard/internal/retention"
	"switchboard/internal/server"
	"switchboard/internal/store"
	"switchboard/internal/templates"
	"switchboard/internal/webhook"
)

// App is one assembled Switchboard process.
type App struct {
	Config   *config.Config
	DB       *store.DB
	Log      *slog.Logger
	Auth     *auth.Service
	Channels *channels.Service
	Jobs     *jobs.Runner
	Events   *events.Hub
	// Meta calls the Graph API at META_API_BASE_URL (Meta, or the
	// simulator in tests).
	Meta *metaapi.Client
	// Outbox sends queued messages at each number's rate.
	Outbox *outbox.Outbox
	// Campaigns starts scheduled campaigns and completes finished ones.
	Campaigns *campaigns.Service
	// Rollup keeps messageStats' daily rollup up to date.
	Rollup *analytics.Rollup
	// Retention purges what is past its retention period, hourly, on one
	// replica at a time.
	Retention *retention.Purger
	// Notifier is told after commit which tenants' event logs grew: the
	// Hub's Broker, or PGNotifier on PostgreSQL.
	Notifier events.Notifier
	// PGNotifier carries event wake-ups across replicas (PostgreSQL only).
	PGNotifier *events.PGNotifier
	// Media keeps messages' files (MEDIA_STORE_URL): inbound downloads
	// and uploads for sending.
	Media *media.Store
	// Downloads downloads inbound messages' files (media.DownloadJob).
	Downloads *media.Downloader
	Handler   http.Handler
	// Drain starts a shutdown: open WebSockets close with 1001 and SSE
	// streams end, so that http.Server.Shutdown only waits for ordinary
	// in-flight requests (webhooks among them) to finish.
	Drain context.CancelFunc
}

// New builds the services and the HTTP handler over an open database.
func New(cfg *config.Config, db *store.DB, log *slog.Logger) (*App, error) {
	// Secrets are sealed with ENCRYPTION_KEY and opened with it or any key
	// of ENCRYPTION_KEYS_OLD, so a server keeps working while
	// `switchboard rotate-key` moves stored secrets to the new key.
	sealer, err := crypto.NewSealer(cfg.EncryptionKeys()...)
	if err != nil {
		return nil, err
	}
	authSvc := auth.New(db.Client, log)
	authSvc.SetTermsVersion(cfg.TermsVersion)
	channelSvc := channels.New(sealer)
	pg := db.Dialect == "postgres"
	broker := events.NewBroker()
	hub := events.NewHub(db.Client, broker)
	var notifier events.Notifier = broker
	var pgNotifier *events.PGNotifier
	if pg {
		pgNotifier = events.NewPGNotifier(db.SQL, db.DSN, broker, log)
		notifier = pgNotifier
	}
	reg := prometheus.NewRegistry()
	meta := &metaapi.Client{BaseURL: cfg.MetaAPIBaseURL, HTTPClient: metaapi.NewHTTPClient()}
	runner := jobs.NewRunner(db.Client, log, jobs.Options{SkipLocked: pg, Lease: cfg.JobLease, Registry: reg})
	// Webhooks are processed up to 100 per transaction: one commit and one
	// lock of each tenant's event log per batch, not per webhook.
	proc := &inbound.Processor{Notifier: notifier, LockRows: pg}
	runner.HandleBatch(webhook.JobKind, 100, proc.HandleBatch)
	runner.Handle(inbound.ReplayJobKind, proc.Replay)
	mediaStore, err := media.OpenStore(context.Background(), cfg.MediaStoreURL, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	mediaLinks := media.NewLinks(cfg.EncryptionKey, cfg.PublicBaseURL, cfg.EncryptionKeysOld...)
	downloads := &media.Downloader{Store: mediaStore, Meta: meta, Channels: channelSvc, Notifier: notifier, Log: log,
		Timeout: cfg.JobLease * 3 / 4, Detach: !pg}
	runner.Handle(media.DownloadJob.Name, downloads.Handle)
	runner.OnDead(media.DownloadJob.Name, downloads.Dead)
	privacySvc := privacy.New(mediaStore, db.Checkpoint, log)
	runner.Handle(privacy.ProcessJob.Name, privacySvc.Handle)
	runner.OnDead(privacy.ProcessJob.Name, privacySvc.Dead)
	runner.Handle(privacy.ExpireExportJob.Name, privacySvc.ExpireExport)
	accountSvc := account.New(mediaStore, cfg.AccountDeletionGrace, db.Checkpoint, log)
	runner.Handle(account.EraseJob.Name, accountSvc.Erase)
	ob := outbox.New(db.Client, meta, channelSvc, notifier, log, outbox.Options{
		OutcomeTimeout: cfg.SendOutcomeTimeout, RequestTimeout: cfg.MetaRequestTimeout,
		Registry: reg, RowLocks: pg,
		Media: mediaStore,
	})
	runner.Handle(outbox.ReadReceiptJob.Name, ob.SendReadReceipt)
	inboxSvc := inbox.New(db.Client, notifier)
	inboxSvc.SetOutbox(ob.Notify)
	campaignSvc := campaigns.New(db.Client, ob.Notify)
	campaignSvc.Notifier = notifier
	retentionPolicy := retention.Policy{WebhookDays: cfg.RetentionWebhookDays, AuditDays: cfg.RetentionAuditDays}
	purger := &retention.Purger{Client: db.Client, Media: mediaStore, Policy: retentionPolicy, Owner: ob.Owner(),
		Log: log, Metrics: retention.NewMetrics(reg)}
	contactsSvc := contacts.New()
	contactsSvc.Files = mediaStore
	drain, startDrain := context.WithCancel(context.Background())
	resolver := &graph.Resolver{
		Client:    db.Client,
		Auth:      authSvc,
		Channels:  channelSvc,
		Contacts:  contactsSvc,
		Inbox:     inboxSvc,
		Outbox:    ob,
		Campaigns: campaignSvc,
		Uploads:   mediaStore,
		Events:    hub,
		Log:       log,

		MediaLinks: mediaLinks,
		Templates:  templates.New(meta, channelSvc),
		Privacy:    privacySvc,
		Account:    accountSvc,
		WakeJobs:   runner.Notify,
		Retention:  retentionPolicy,
	}
	srv := &server.Server{
		DB:       db,
		Auth:     authSvc,
		Resolver: resolver,
		Webhook: &webhook.Handler{
			Batcher:   &webhook.Batcher{Client: db.Client},
			AppSecret: cfg.MetaAppSecret, VerifyToken: cfg.MetaVerifyToken,
			Wake: runner.Notify, Log: log,
		},
		Media: &media.Handler{Client: db.Client, Store: mediaStore, Links: mediaLinks, Log: log},
		MetaCallbacks: &metacallback.Handler{Client: db.Client, AppSecret: cfg.MetaAppSecret,
			PublicBaseURL: cfg.PublicBaseURL, Log: log},
		Log: log,
		Options: server.Options{
			CORSAllowedOrigins: cfg.CORSAllowedOrigins,
			MaxBodyBytes:       cfg.MaxBodyBytes,
			MaxUploadBytes:     cfg.MaxUploadBytes,
			ComplexityLimit:    cfg.ComplexityLimit,
			TrustedProxies:     cfg.TrustedProxies,
			Registry:           reg,

			BodyReadTimeout:            cfg.BodyReadTimeout,
			SubscriptionsPerConnection: cfg.SubscriptionsPerConnection,
			ConnectionsPerTenant:       cfg.ConnectionsPerTenant,
			Introspection:              cfg.Introspection,
			Playground:                 cfg.Playground,
			MetricsToken:               cfg.MetricsToken,
			Drain:                      drain,
		},
	}
	return &App{Config: cfg, DB: db, Log: log, Auth: authSvc, Channels: channelSvc,
		Jobs: runner, Events: hub, Meta: meta, Outbox: ob, Campaigns: campaignSvc,
		Rollup:    &analytics.Rollup{Client: db.Client, Owner: ob.Owner(), Log: log},
		Retention: purger, Notifier: notifier, PGNotifier: pgNotifier, Media: mediaStore, Downloads: downloads, Handler: srv.Handler(), Drain: startDrain}, nil
}

// Run does the background work until ctx ends: jobs (webhook processing
// and the rest), the rollup, the retention purge and, on PostgreSQL, the
// cross-replica event doorbell.
func (a *App) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if a.PGNotifier != nil {
		wg.Add(1)
		go func() { defer wg.Done(); a.PGNotifier.Run(ctx) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); a.Outbox.Run(ctx) }()
	wg.Add(1)
	go func() { defer wg.Done(); a.Campaigns.Run(ctx, a.Log) }()
	wg.Add(1)
	go func() { defer wg.Done(); a.Rollup.Run(ctx) }()
	wg.Add(1)
	go func() { defer wg.Done(); a.Retention.Run(ctx) }()
	a.Jobs.Run(ctx)
	wg.Wait()
}
