package graph

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
)

// CloseForbidden is the close code graphql-transport-ws prescribes when the
// server refuses connection_init ("4403: Forbidden"). Clients such as
// graphql-ws and Apollo treat it as final and stop reconnecting with the
// same credentials, where a 1000 (normal closure) makes them retry forever.
const CloseForbidden = 4403

// upgrader accepts WebSocket upgrades from same-origin pages, clients that
// send no Origin (mobile apps, servers) and the configured browser origins.
func upgrader(allow func(*http.Request) bool) websocket.Upgrader {
	return websocket.Upgrader{
		ReadBufferSize:  1024,
		WriteBufferSize: 1024,
		Subprotocols:    []string{"graphql-transport-ws", "graphql-ws"},
		CheckOrigin: func(r *http.Request) bool {
			origin := r.Header.Get("Origin")
			if origin == "" || origin == "http://"+r.Host || origin == "https://"+r.Host {
				return true
			}
			return allow != nil && allow(r)
		},
	}
}

// websocketTransport is gqlgen's WebSocket transport with one fix: when
// InitFunc refuses connection_init, the socket closes with 4403 instead of
// the 1000 "terminated" that gqlgen (v0.17.x) hard-codes.
//
// gqlgen offers no hook for the close code, so the transport hands gqlgen a
// ResponseWriter whose hijacked connection it can see. The InitFunc wrapper
// (rejectForbidden) marks that connection as refused; the connection then
// rewrites the one close frame gqlgen writes afterwards. Everything else,
// including legacy graphql-ws's connection_error message that precedes the
// close, passes through untouched. Once gqlgen can set the close code
// itself (gqlgen PR #4170), this wrapper can go.
type websocketTransport struct{ transport.Websocket }

// newWebsocketTransport wraps ws so that init refusals close with 4403.
func newWebsocketTransport(ws transport.Websocket) websocketTransport {
	if ws.InitFunc != nil {
		ws.InitFunc = rejectForbidden(ws.InitFunc)
	}
	return websocketTransport{ws}
}

// Do serves one WebSocket connection through gqlgen, with the hijacked
// connection reachable from InitFunc's context.
func (t websocketTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	hw := &hijackWatcher{ResponseWriter: w}
	ctx := context.WithValue(r.Context(), watcherKey{}, hw)
	t.Websocket.Do(hw, r.WithContext(ctx), exec)
}

type watcherKey struct{}

// rejectForbidden wraps an InitFunc: when it refuses, the socket's closing
// frame carries 4403 and the refusal's message as the reason.
func rejectForbidden(init transport.WebsocketInitFunc) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		next, ack, err := init(ctx, p)
		if err != nil {
			if hw, ok := ctx.Value(watcherKey{}).(*hijackWatcher); ok && hw.conn != nil {
				hw.conn.refuse(CloseForbidden, err.Error())
			}
		}
		return next, ack, err
	}
}

// hijackWatcher keeps the connection that the WebSocket upgrade hijacks.
// Hijack happens on the request's goroutine before InitFunc runs on it, so
// conn needs no lock.
type hijackWatcher struct {
	http.ResponseWriter
	conn *closeCodeConn
}

func (h *hijackWatcher) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.conn = &closeCodeConn{Conn: c}
	return h.conn, brw, nil
}

func (h *hijackWatcher) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// closeCodeConn passes every write through until refuse is called; then
// the next close frame written (gorilla writes a control frame in one
// Write call) is replaced by one carrying the refusal's code and reason.
type closeCodeConn struct {
	net.Conn
	mu    sync.Mutex
	frame []byte // replacement close frame; nil while not refused
}

func (c *closeCodeConn) refuse(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frame = closeFrame(code, reason)
}

func (c *closeCodeConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	frame := c.frame
	c.mu.Unlock()
	// A server frame is never masked: byte 0 is FIN|opcode, so 0x88 is a
	// complete close frame (control frames cannot be fragmented).
	if frame == nil || len(p) < 2 || p[0] != 0x80|websocket.CloseMessage {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(frame); err != nil {
		return 0, err
	}
	return len(p), nil
}

// closeFrame is an unmasked server close frame (RFC 6455 §5.5.1); the
// reason is cut to fit the 125-byte control frame limit.
func closeFrame(code int, reason string) []byte {
	payload := websocket.FormatCloseMessage(code, truncateUTF8(reason, 123))
	return append([]byte{0x80 | websocket.CloseMessage, byte(len(payload))}, payload...)
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune, since a
// close reason must be valid UTF-8.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
