package graph

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
)

// WebSocket close codes Switchboard sends besides gqlgen's own.
const (
	// CloseForbidden is what graphql-transport-ws prescribes when the server
	// refuses connection_init ("4403: Forbidden"). Clients such as graphql-ws
	// and Apollo treat it as final and stop reconnecting with the same
	// credentials, where a 1000 (normal closure) makes them retry forever.
	CloseForbidden = 4403
	// CloseTooManyConnections refuses a socket over the tenant's connection
	// cap. graphql-transport-ws reserves 4429 for "too many requests".
	CloseTooManyConnections = 4429
	// CloseGoingAway (RFC 6455) tells clients the server is shutting down, so
	// they reconnect (to another replica) instead of treating it as an error.
	CloseGoingAway = 1001
)

// websocketTransport is gqlgen's WebSocket transport (coder/websocket
// underneath) with Switchboard's policies: the origin check shared with
// CORS, a message size limit, a cap on sockets per tenant, 4403 for a
// refused connection_init, and 1001 for every socket when the server
// drains on SIGTERM.
type websocketTransport struct {
	transport.Websocket // legacy graphql-ws
	modern              transportWS
	drain               context.Context
}

func newWebsocketTransport(opt HandlerOptions, limits *connLimits) websocketTransport {
	readLimit := opt.MaxMessageBytes
	ws := transport.Websocket{
		Implementation: acceptor{allow: opt.AllowOrigin, drain: opt.Drain},
		// Keep-alives are a frame per interval per socket; 15s keeps idle
		// sockets through proxies that drop after 30s or more.
		KeepAlivePingInterval: 15 * time.Second,
		InitTimeout:           10 * time.Second,
		PayloadReadLimit:      &readLimit,
	}
	if opt.WebsocketInit != nil {
		ws.InitFunc = admit(opt.WebsocketInit, limits)
	}
	modern := transportWS{accept: ws.Implementation.(acceptor), init: ws.InitFunc,
		readLimit: readLimit, initTimeout: ws.InitTimeout, drain: opt.Drain}
	return websocketTransport{Websocket: ws, modern: modern, drain: opt.Drain}
}

// Do serves one socket until it closes, or until the server drains:
// graphql-transport-ws with transportWS, graphql-ws with gqlgen's.
func (t websocketTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if offersTransportWS(r) {
		t.modern.serve(w, r, exec)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	if t.drain != nil {
		stop := context.AfterFunc(t.drain, cancel)
		defer stop()
	}
	t.Websocket.Do(w, r.WithContext(ctx), exec)
}

// admit wraps the authenticating InitFunc: a refused connection_init
// closes with 4403 and the refusal as the reason; an accepted one takes a
// slot of its tenant's socket cap for as long as the socket lives.
func admit(init transport.WebsocketInitFunc, limits *connLimits) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		next, ack, err := init(ctx, p)
		if err != nil {
			return refuse(ctx, CloseForbidden, err)
		}
		next, err = limits.openSocket(next)
		if err != nil {
			return refuse(ctx, CloseTooManyConnections, err)
		}
		return next, ack, nil
	}
}

// refuse answers connection_init with the close code in both forms: in
// the context for gqlgen's transport, in the error for transportWS.
func refuse(ctx context.Context, code int, err error) (context.Context, *transport.InitPayload, error) {
	ctx = transport.WithWebsocketCloseCode(ctx, code)
	ctx = transport.AppendCloseReason(ctx, truncateUTF8(err.Error(), 123))
	return ctx, nil, &refusal{code: coderws.StatusCode(code), err: err}
}

// refusal is a refused connection_init and the code to close with.
type refusal struct {
	code coderws.StatusCode
	err  error
}

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// acceptor upgrades requests whose origin the server allows (same-origin
// pages, clients that send no Origin such as mobile apps and servers, and
// the configured browser origins) and wraps the socket so that it closes
// with 1001 once the server drains.
type acceptor struct {
	allow func(*http.Request) bool
	drain context.Context
}

func (a acceptor) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	if !a.originAllowed(r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return nil, errOriginRefused
	}
	// The origin was checked above with the same rule as CORS, so coder's
	// own host-pattern check is skipped.
	impl := transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{InsecureSkipVerify: true}}
	c, err := impl.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	return &drainingConn{WebsocketConn: c, drain: a.drain}, nil
}

func (a acceptor) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if u, err := url.Parse(origin); err == nil && strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return a.allow != nil && a.allow(r)
}

type wsError string

func (e wsError) Error() string { return string(e) }

const errOriginRefused = wsError("websocket origin not allowed")

// drainingConn turns gqlgen's normal closure into 1001 "going away" while
// the server drains: gqlgen closes every socket with 1000 when its context
// ends and offers no hook for the code of that close.
type drainingConn struct {
	transport.WebsocketConn
	drain context.Context // nil: never drains
}

func (c *drainingConn) WriteClose(code int, reason string) error {
	if code == transport.WebsocketCloseNormalClosure && c.drain != nil && c.drain.Err() != nil {
		code, reason = CloseGoingAway, "server shutting down"
	}
	return c.WebsocketConn.WriteClose(code, reason)
}

// SetReadLimit and SetReadDeadline pass gqlgen's optional interfaces
// through the wrapper, so the message size limit still holds.
func (c *drainingConn) SetReadLimit(n int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(n)
	}
}

func (c *drainingConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune, since a
// close reason must be valid UTF-8 and fit a 125-byte control frame.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
