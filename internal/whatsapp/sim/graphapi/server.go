// Package graphapi is the simulator's stand-in for Meta's Graph API (the Cloud API's outbound
// side): the messages endpoint with Meta's limits and error codes, status webhooks sent back
// to a local Switchboard, media upload and download, and injectable faults. Tests start it
// in-process with httptest; cmd/metasim serve runs it on loopback.
//
// Like its parent package sim it shares no code with the server it tests (internal/whatsapp,
// internal/metaapi): requests are read and answers written with its own types, so a mistake
// in the client's JSON is not mirrored here.
package graphapi

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// Config is the simulated account and its behaviour. The zero value of each knob means Meta's
// default (see the field docs); AppSecret and Target matter only for status webhooks.
type Config struct {
	AppSecret string // signs status webhooks (X-Hub-Signature-256)
	Target    string // webhook URL for statuses and inbound messages; loopback only; empty: none sent

	WABAID             string // entry[].id of webhooks (default 102290129340398)
	DisplayPhoneNumber string // metadata.display_phone_number (default 16505559000)

	Tokens        []string // accepted Bearer tokens; empty: any non-empty token
	RevokedTokens []string // tokens answered with 190 (more with Server.Revoke)

	Rate         float64       // messages per second per phone number (default 80); above: 130429
	PairBurst    int           // messages to one customer in a burst (default 45); above: 131056
	PairInterval time.Duration // one more message to a customer per interval (default 6s)

	AllWindowsOpen bool     // every customer may receive free-form messages
	OpenWindows    []string // customers (wa_id or BSUID) who wrote just now; others get 131047

	FailShare        float64       // share of accepted messages whose statuses end sent → failed
	StatusDelay      time.Duration // pause before each status webhook (default 100ms)
	TemplateCategory string        // pricing.category of delivered templates (default marketing)
	BSUID            bool          // webhooks carry user ids and empty phone numbers

	URLTTL time.Duration // lifetime of media download URLs (default 5m)

	// Templates: a created template is reviewed after TemplateReviewDelay
	// (default 500ms): APPROVED, or REJECTED when its name contains
	// RejectTemplateWord. TemplatePageSize caps the list endpoint's pages
	// (default: the client's limit, at most 100). LenientTemplates accepts
	// sends of any template name, as if approved (load tests that create
	// none); otherwise unknown, unapproved, paused and disabled templates
	// answer 132001, 132015 and 132016.
	RejectTemplateWord  string
	TemplateReviewDelay time.Duration
	TemplatePageSize    int
	LenientTemplates    bool

	Fault5xx, FaultTimeout, FaultLost float64 // share of sends hit by each fault
	Seed                              uint64  // seeds failures and random faults
}

// Server is a running simulated Graph API. It is safe for concurrent use.
type Server struct {
	cfg    Config
	mux    *http.ServeMux
	client *http.Client
	done   chan struct{}
	wg     sync.WaitGroup

	mu            sync.Mutex
	rnd           *rand.Rand
	tokens        map[string]bool
	revoked       map[string]bool
	windows       map[string]time.Time
	numbers       map[string]*bucket
	pairs         map[string]*bucket
	sends         map[string]int
	requests      map[string]map[string]json.RawMessage // the last accepted send per callback data
	reads         []string                              // wamids marked read, in order
	total         int
	seq           uint64
	faults        []Fault
	media         map[string]*mediaFile
	templates     []*simTemplate // in creation order
	templateCalls int
	closed        bool // no more status webhooks are started
	closeOnce     sync.Once
}

// New validates cfg, fills in Meta's defaults and returns a server ready to be mounted.
func New(cfg Config) (*Server, error) {
	if cfg.Target != "" {
		if err := sim.CheckLoopback(cfg.Target); err != nil {
			return nil, err
		}
		if cfg.AppSecret == "" {
			return nil, errors.New("graphapi: an app secret is needed to sign webhooks to the target")
		}
	}
	for _, p := range []float64{cfg.FailShare, cfg.Fault5xx, cfg.FaultTimeout, cfg.FaultLost} {
		if p < 0 || p > 1 {
			return nil, errors.New("graphapi: shares must be between 0 and 1")
		}
	}
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&cfg.WABAID, "102290129340398")
	def(&cfg.DisplayPhoneNumber, "16505559000")
	def(&cfg.TemplateCategory, "marketing")
	if cfg.Rate <= 0 {
		cfg.Rate = 80
	}
	if cfg.PairBurst <= 0 {
		cfg.PairBurst = 45
	}
	if cfg.PairInterval <= 0 {
		cfg.PairInterval = 6 * time.Second
	}
	if cfg.StatusDelay <= 0 {
		cfg.StatusDelay = 100 * time.Millisecond
	}
	if cfg.URLTTL <= 0 {
		cfg.URLTTL = 5 * time.Minute
	}
	if cfg.TemplateReviewDelay <= 0 {
		cfg.TemplateReviewDelay = 500 * time.Millisecond
	}
	s := &Server{
		cfg:      cfg,
		client:   sim.NewClient(10*time.Second, 16),
		done:     make(chan struct{}),
		rnd:      rand.New(rand.NewPCG(cfg.Seed, 8)),
		tokens:   set(cfg.Tokens),
		revoked:  set(cfg.RevokedTokens),
		windows:  map[string]time.Time{},
		numbers:  map[string]*bucket{},
		pairs:    map[string]*bucket{},
		sends:    map[string]int{},
		requests: map[string]map[string]json.RawMessage{},
		media:    map[string]*mediaFile{},
	}
	now := time.Now()
	for _, c := range cfg.OpenWindows {
		s.windows[c] = now
	}
	s.seedTemplates()
	s.routes()
	return s, nil
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// ServeHTTP serves the Graph API and the simulator-only /_sim endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close releases requests hung by the timeout fault and waits for pending status webhooks, so a
// test ends with nothing of the simulator still running.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.done)
	})
	s.wg.Wait()
}

func (s *Server) routes() {
	m := http.NewServeMux()
	for _, v := range []string{"", "/{version}"} {
		m.HandleFunc("POST "+v+"/{number}/messages", s.authed(s.handleMessages))
		m.HandleFunc("POST "+v+"/{number}/media", s.authed(s.handleUpload))
		m.HandleFunc("GET "+v+"/{media}", s.authed(s.handleMediaInfo))
		m.HandleFunc("POST "+v+"/{waba}/message_templates", s.authed(s.handleCreateTemplate))
		m.HandleFunc("GET "+v+"/{waba}/message_templates", s.authed(s.handleListTemplates))
		m.HandleFunc("DELETE "+v+"/{waba}/message_templates", s.authed(s.handleDeleteTemplate))
	}
	m.HandleFunc("GET /whatsapp_business/attachments/{$}", s.authed(s.handleDownload))
	m.HandleFunc("GET /_sim/sends", s.handleSends)
	m.HandleFunc("POST /_sim/faults", s.handleFaults)
	m.HandleFunc("POST /_sim/revoke", s.handleRevoke)
	m.HandleFunc("POST /_sim/inbound", s.handleInbound)
	m.HandleFunc("POST /_sim/templates/pause", s.handlePauseTemplate)
	m.HandleFunc("POST /_sim/inbound_media", s.handleInboundMedia)
	s.mux = m
}

// authed answers 190 unless the request carries a valid, unrevoked Bearer token.
func (s *Server) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		token = strings.TrimSpace(token)
		s.mu.Lock()
		valid := ok && token != "" && !s.revoked[token] && (len(s.tokens) == 0 || s.tokens[token])
		revoked := s.revoked[token]
		s.mu.Unlock()
		switch {
		case revoked:
			writeError(w, http.StatusUnauthorized, errTokenRevoked)
		case !valid:
			writeError(w, http.StatusUnauthorized, errTokenInvalid)
		default:
			h(w, r)
		}
	}
}

// Revoke makes token answer 190 from now on, as when a user changes their password.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	s.revoked[token] = true
	s.mu.Unlock()
}

// OpenWindow records that customer wrote at t, opening the 24-hour service window.
func (s *Server) OpenWindow(customer string, t time.Time) {
	s.mu.Lock()
	s.windows[customer] = t
	s.mu.Unlock()
}
