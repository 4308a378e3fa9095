package graph

import (
	"net/http"

	"github.com/gorilla/websocket"
)

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
