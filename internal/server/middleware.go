package server

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"switchboard/graph"
	"switchboard/internal/reqctx"
)

// requestContext gives every request an id (X-Request-Id, echoed back),
// records the client's address, and logs one line when it ends, with its
// duration in milliseconds and, for /graphql, the operation it ran (its
// name, or its first root field when anonymous). Bodies, tokens and query
// variables are never logged.
func requestContext(log *slog.Logger, proxies []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		ip := clientIP(r, proxies)
		ctx := reqctx.With(r.Context(), reqctx.Info{RequestID: id, IP: ip, UserAgent: r.UserAgent()})
		var op *graph.Operation
		if r.URL.Path == "/graphql" {
			ctx, op = graph.WithOperation(ctx)
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r.WithContext(ctx))
		elapsed := time.Since(start)
		attrs := []slog.Attr{
			slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", rec.status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.String("ip", ip),
		}
		if op != nil {
			attrs = append(attrs, slog.String("operation", op.Name()))
		}
		log.LogAttrs(ctx, slog.LevelInfo, "http request", attrs...)
	})
}

// statusRecorder remembers the status code for logs and metrics; it keeps
// Flush and Hijack working for SSE and WebSocket.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijack not supported")
	}
	s.status = http.StatusSwitchingProtocols
	return h.Hijack()
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// clientIP is the address of the client: the peer, or, when the peer is a
// trusted proxy, the last address in X-Forwarded-For that is not a trusted
// proxy (addresses further left are whatever the client claimed).
func clientIP(r *http.Request, proxies []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	trusted := func(s string) bool {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return false
		}
		for _, p := range proxies {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	if !trusted(host) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // malformed: stop believing the header here
		}
		if !trusted(hop) {
			return hop
		}
	}
	return host
}
