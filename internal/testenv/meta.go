package testenv

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"switchboard/internal/config"
	"switchboard/internal/whatsapp/sim/graphapi"
)

// NewWithMeta starts a server whose META_API_BASE_URL is a simulated Graph
// API (cmd/metasim's), and the simulator with cfg, its status webhooks
// signed with AppSecret and posted to the server's webhook endpoint. Both
// stop when the test ends.
func NewWithMeta(t testing.TB, cfg graphapi.Config, opts ...Option) (*Env, *graphapi.Server) {
	t.Helper()
	// The simulator needs the server's URL and the server the
	// simulator's: the simulator's listener starts first, serving
	// whatever handler is installed once both exist.
	var h atomic.Pointer[graphapi.Server]
	meta := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := h.Load()
		if s == nil {
			http.Error(w, "simulator not ready", http.StatusServiceUnavailable)
			return
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(meta.Close)
	opts = append([]Option{func(c *config.Config) { c.MetaAPIBaseURL = meta.URL }}, opts...)
	env := New(t, opts...)
	cfg.Target = env.Server.URL + "/webhooks/whatsapp"
	cfg.AppSecret = AppSecret
	s, err := graphapi.New(cfg)
	if err != nil {
		t.Fatalf("testenv: simulator: %v", err)
	}
	t.Cleanup(s.Close)
	h.Store(s)
	return env, s
}
