package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/config"
	"switchboard/internal/store"
	"switchboard/internal/whatsapp/sim/graphapi"
)

// simRecorder serves the simulated Graph API and timestamps every send it
// accepts, as Meta would count them. The path's first segment names the
// replica whose client sent it (each replica's META_API_BASE_URL ends in
// /r<i>, which the simulator takes for the API version).
type simRecorder struct {
	sim     atomic.Pointer[graphapi.Server]
	mu      sync.Mutex
	sends   []simSend
	refused map[int]int // Meta error code → answers
	dropped int         // sends accepted whose response was dropped
}

type simSend struct {
	at          time.Time
	id, replica string // id: biz_opaque_callback_data, our message id
}

func (rec *simRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := rec.sim.Load()
	if s == nil {
		http.Error(w, "simulator not ready", http.StatusServiceUnavailable)
		return
	}
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/messages") {
		s.ServeHTTP(w, r)
		return
	}
	at := time.Now()
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		ID string `json:"biz_opaque_callback_data"`
	}
	_ = json.Unmarshal(body, &req)
	cw := &codeWriter{ResponseWriter: w}
	s.ServeHTTP(cw, r)
	if req.ID == "" {
		return // a read receipt
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if cw.code == 0 || cw.code == http.StatusOK { // 0: accepted, then the connection dropped (FaultLost)
		if cw.code == 0 {
			rec.dropped++
		}
		replica, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		rec.sends = append(rec.sends, simSend{at: at, id: req.ID, replica: replica})
		return
	}
	var e struct{ Error struct{ Code int } }
	_ = json.Unmarshal(cw.body.Bytes(), &e)
	rec.refused[e.Error.Code]++
}

// codeWriter keeps the status and an error answer's body; Unwrap lets the
// simulator hijack the connection to drop it.
type codeWriter struct {
	http.ResponseWriter
	code int
	body bytes.Buffer
}

func (w *codeWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }
func (w *codeWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	if w.code != http.StatusOK && w.body.Len() < 1024 {
		w.body.Write(p)
	}
	return w.ResponseWriter.Write(p)
}
func (w *codeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// fleet is the replicas of one benchmark: their base URLs, a handle on
// their database (the final states are read from it, not from frames that
// might have been missed) and how to put them away.
type fleet struct {
	urls    []string
	db      *store.DB
	storage string
	close   func()
}

// startReplicas runs n Switchboards over one scratch database, each on its
// loopback port with its background work running, each calling the
// simulator at metaURL/r<i>.
func startReplicas(ctx context.Context, n int, databaseURL, metaURL string, outcome time.Duration) (*fleet, error) {
	var cleanups []func()
	closeAll := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	fail := func(err error) (*fleet, error) { closeAll(); return nil, err }
	dir, err := os.MkdirTemp("", "loadgen-send-")
	if err != nil {
		return fail(err)
	}
	cleanups = append(cleanups, func() { os.RemoveAll(dir) })
	dsn, storage := "", "SQLite (temporary file)"
	if databaseURL != "" {
		var drop func()
		if dsn, drop, err = store.ScratchSchema(databaseURL, "loadgen_"); err != nil {
			return fail(err)
		}
		cleanups = append(cleanups, drop)
		storage = "PostgreSQL (scratch schema)"
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := &fleet{storage: storage, close: closeAll}
	for i := range n {
		env := map[string]string{
			"ENCRYPTION_KEY":       base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)),
			"DATA_DIR":             filepath.Join(dir, fmt.Sprint(i)),
			"META_APP_SECRET":      loadgenSecret,
			"META_API_BASE_URL":    fmt.Sprintf("%s/r%d", metaURL, i),
			"SEND_OUTCOME_TIMEOUT": outcome.String(),
		}
		cfg, err := config.Load(func(k string) string { return env[k] }, quiet)
		if err != nil {
			return fail(err)
		}
		var db *store.DB
		if dsn == "" {
			db, err = store.OpenSQLite(ctx, filepath.Join(dir, "switchboard.db"))
		} else {
			db, err = store.OpenPostgres(ctx, dsn)
		}
		if err != nil {
			return fail(err)
		}
		cleanups = append(cleanups, func() { db.Close() })
		a, err := app.New(cfg, db, quiet)
		if err != nil {
			return fail(err)
		}
		a.Auth.SetSignUpLimit(1 << 30)
		runCtx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Run(runCtx); close(done) }()
		srv := httptest.NewServer(a.Handler)
		cleanups = append(cleanups, func() { stop(); <-done }, srv.Close, srv.CloseClientConnections)
		f.urls = append(f.urls, srv.URL)
		f.db = db
	}
	return f, nil
}

// loadavg is the 1-, 5- and 15-minute load averages.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
