package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// wsConn is a graphql-transport-ws client connection.
type wsConn struct{ c *websocket.Conn }

// dialWS opens a socket to base's /graphql, authenticates in
// connection_init and waits for the ack. local, when set, is the source
// address (several 127.0.0.x sources get past the ephemeral port range).
func dialWS(ctx context.Context, base, token string, local net.IP) (*wsConn, error) {
	nd := &net.Dialer{Timeout: 10 * time.Second}
	if local != nil {
		nd.LocalAddr = &net.TCPAddr{IP: local}
	}
	d := websocket.Dialer{
		Subprotocols: []string{"graphql-transport-ws"}, NetDialContext: nd.DialContext,
		HandshakeTimeout: 30 * time.Second, ReadBufferSize: 2048, WriteBufferSize: 1024,
	}
	url := "ws" + strings.TrimPrefix(base, "http") + "/graphql"
	c, _, err := d.DialContext(ctx, url, http.Header{})
	if err != nil {
		return nil, err
	}
	w := &wsConn{c: c}
	if err := c.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + token}}); err != nil {
		c.Close()
		return nil, err
	}
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var m struct{ Type string }
		if err := c.ReadJSON(&m); err != nil {
			c.Close()
			return nil, err
		}
		switch m.Type {
		case "connection_ack":
			_ = c.SetReadDeadline(time.Time{})
			return w, nil
		case "connection_error":
			c.Close()
			return nil, fmt.Errorf("connection_error")
		}
	}
}

func (w *wsConn) subscribe(id, query string, vars map[string]any) error {
	return w.c.WriteJSON(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
}

// frame is a server message; Payload is raw for "next".
type frame struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Payload json.RawMessage `json:"payload"`
}

// next reads the next subscription frame, answering pings.
func (w *wsConn) next() (frame, error) {
	for {
		var f frame
		if err := w.c.ReadJSON(&f); err != nil {
			return f, err
		}
		switch f.Type {
		case "ping":
			_ = w.c.WriteJSON(map[string]any{"type": "pong"})
		case "pong", "ka":
		case "error":
			return f, fmt.Errorf("subscription error: %s", f.Payload)
		default:
			return f, nil
		}
	}
}

func (w *wsConn) Close() error { return w.c.Close() }
