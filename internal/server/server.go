// Package server assembles Switchboard's HTTP surface: GraphQL (HTTP,
// WebSocket, SSE), the playground, a landing page, health, readiness and
// metrics, behind
// request ids, structured logs, CORS, body limits and authentication.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/cors"

	"switchboard/graph"
	"switchboard/internal/apperr"
	"switchboard/internal/auth"
	"switchboard/internal/metacallback"
	"switchboard/internal/server/playground"
	"switchboard/internal/store"
	"switchboard/internal/viewer"
	"switchboard/internal/webhook"
)

// Options configure the HTTP surface.
type Options struct {
	CORSAllowedOrigins []string
	MaxBodyBytes       int64
	// MaxUploadBytes bounds a multipart request to /graphql (a file
	// upload), which is streamed to the handler rather than read first.
	MaxUploadBytes  int64
	ComplexityLimit int
	// TrustedProxies may set the client address with X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// Registry receives the HTTP metrics; nil makes a private one.
	Registry *prometheus.Registry

	// BodyReadTimeout bounds the time to receive a request body.
	BodyReadTimeout time.Duration
	// SubscriptionsPerConnection and ConnectionsPerTenant cap streams
	// (0 = no cap).
	SubscriptionsPerConnection int
	ConnectionsPerTenant       int
	Introspection              bool
	Playground                 bool
	// MetricsToken, when set, is the Bearer token /metrics requires.
	MetricsToken string
	// Drain ends when the process shuts down: streams then close (1001 on
	// WebSockets) so that in-flight requests can finish and the server stop.
	Drain context.Context
}

// Server is the HTTP handler of one Switchboard process.
type Server struct {
	DB       *store.DB
	Auth     *auth.Service
	Resolver *graph.Resolver
	// Webhook serves Meta's webhook endpoint (GET handshake, POST events).
	Webhook http.Handler
	// Media serves GET /media/{id} (internal/media) to the callers the
	// authentication puts in the context and to signed links; nil: no
	// route.
	Media http.Handler
	// MetaCallbacks serves Meta's data-deletion and deauthorize callbacks
	// and the deletion status page (internal/metacallback); nil: no
	// routes.
	MetaCallbacks *metacallback.Handler
	Log           *slog.Logger
	Options       Options
}

// Handler returns the complete http.Handler.
func (s *Server) Handler() http.Handler {
	reg := s.Options.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := newMetrics(reg)
	m.watch(reg, s.DB.SQL, s.Resolver.Events)
	c := cors.New(cors.Options{
		AllowedOrigins:   s.Options.CORSAllowedOrigins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   []string{"Authorization", "Content-Type", "Accept"},
		AllowCredentials: false,
		MaxAge:           600,
	})
	gql := graph.NewHandler(s.Resolver, graph.HandlerOptions{
		ComplexityLimit:        s.Options.ComplexityLimit,
		MaxMessageBytes:        s.Options.MaxBodyBytes,
		MaxUploadBytes:         s.Options.MaxUploadBytes,
		SubscriptionsPerSocket: s.Options.SubscriptionsPerConnection,
		SocketsPerTenant:       s.Options.ConnectionsPerTenant,
		Introspection:          s.Options.Introspection,
		WebsocketInit:          s.websocketInit,
		AllowOrigin:            c.OriginAllowed,
		Drain:                  s.Options.Drain,
	})
	body := bodyLimits{max: s.Options.MaxBodyBytes, timeout: s.Options.BodyReadTimeout, drain: s.Options.Drain,
		upload: s.Options.MaxUploadBytes}

	mux := http.NewServeMux()
	mux.Handle("/graphql", m.instrument("/graphql", body.wrap(s.authenticate(uploadsNeedCaller(gql)))))
	mux.Handle("/webhooks/whatsapp", m.instrument("/webhooks/whatsapp", webhook.CountOutcomes(reg, body.wrapMax(webhook.DefaultMaxBytes, s.Webhook))))
	if s.Media != nil {
		mux.Handle("GET /media/{id}", m.instrument("/media", s.authenticate(s.Media)))
	}
	if mc := s.MetaCallbacks; mc != nil {
		mux.Handle("POST /meta/data-deletion", m.instrument("/meta/data-deletion", body.wrapMax(metacallback.MaxBodyBytes, http.HandlerFunc(mc.DataDeletion))))
		mux.Handle("POST /meta/deauthorize", m.instrument("/meta/deauthorize", body.wrapMax(metacallback.MaxBodyBytes, http.HandlerFunc(mc.Deauthorize))))
		mux.Handle("GET /privacy/deletion-status/{code}", m.instrument("/privacy/deletion-status", http.HandlerFunc(mc.Status)))
	}
	if s.Options.Playground {
		mux.Handle("GET /playground", playground.Page(playgroundCSP))
		mux.Handle("GET "+playground.AssetsPrefix, playground.Assets())
	}
	mux.Handle("GET /{$}", landing(s.Options.Playground))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /readyz", m.instrument("/readyz", http.HandlerFunc(s.ready)))
	mux.Handle("GET /metrics", requireToken(s.Options.MetricsToken, m.handler(reg)))
	return requestContext(s.Log, s.Options.TrustedProxies, securityHeaders(c.Handler(mux)))
}

// ready answers 200 when storage answers, else 503.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain")
	if err := s.DB.Ping(ctx); err != nil {
		s.Log.WarnContext(ctx, "readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("storage unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// authenticate puts the caller of a Bearer token into the context. A bad
// token is not rejected here: resolvers that need a caller answer
// UNAUTHENTICATED, and signUp/logIn still work.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		v, err := s.Auth.Authenticate(r.Context(), token)
		if err != nil {
			if !errors.Is(err, apperr.ErrUnauthenticated) {
				s.Log.ErrorContext(r.Context(), "authentication failed", "err", err)
			}
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(viewer.NewContext(r.Context(), v)))
	})
}

// websocketInit authenticates a subscription socket from connection_init's
// authorization (or the upgrade request's header); a bad token closes the
// socket (4403 per graphql-transport-ws).
func (s *Server) websocketInit(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	raw := p.Authorization()
	if raw == "" {
		if a, ok := p["authorization"].(string); ok {
			raw = a
		}
	}
	if raw == "" {
		if _, ok := viewer.FromContext(ctx); ok {
			return ctx, nil, nil
		}
		return ctx, nil, errors.New("unauthenticated: send {\"authorization\": \"Bearer <token>\"} in connection_init")
	}
	token, ok := bearer(raw)
	if !ok {
		token = raw
	}
	v, err := s.Auth.Authenticate(ctx, token)
	if err != nil {
		return ctx, nil, errors.New("unauthenticated: invalid token")
	}
	return viewer.NewContext(ctx, v), nil, nil
}

func bearer(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}
