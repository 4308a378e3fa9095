package crash_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"switchboard/internal/testwait"
	"switchboard/internal/whatsapp"
	"switchboard/internal/whatsapp/sim"
)

// SIGTERM is a deploy, not a crash: WebSocket clients are told the server
// is going away (1001, so they reconnect to another replica instead of
// reporting an error), and a webhook whose body is still arriving is
// received, stored and answered 200 before the process exits.
func TestSIGTERMClosesSocketsWith1001AndFinishesWebhooks(t *testing.T) {
	srv := newServer(t, "sqlite://"+filepath.Join(t.TempDir(), "shutdown.db"))
	srv.start()
	var auth struct{ SignUp struct{ Token string } }
	srv.graphql("", `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`,
		map[string]any{"in": map[string]any{"email": "deploy@example.com", "password": "correct horse battery",
			"name": "Deploy Owner", "businessName": "Deploy Ltd", "acceptTerms": true, "confirmAdult": true}}, &auth)
	ch := sim.Channel{WABAID: "102290129340398", PhoneNumberID: "1065403522430", DisplayPhoneNumber: "15550100"}
	var connected struct{ ConnectWhatsApp struct{ ID string } }
	srv.graphql(auth.SignUp.Token, `mutation($in: ConnectWhatsAppInput!) { connectWhatsApp(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Deploy line", "wabaId": ch.WABAID, "phoneNumberId": ch.PhoneNumberID,
			"displayPhoneNumber": "+1 555 0100", "accessToken": "EAAG-deploy", "metaUserId": "10159"}}, &connected)

	// A subscriber on each WebSocket protocol.
	var sockets []*websocket.Conn
	for _, proto := range []string{"graphql-transport-ws", "graphql-ws"} {
		d := websocket.Dialer{Subprotocols: []string{proto}, HandshakeTimeout: 10 * time.Second}
		conn, _, err := d.Dial("ws://"+srv.addr+"/graphql", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.WriteJSON(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + auth.SignUp.Token}})
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var ack struct{ Type string }
		if err := conn.ReadJSON(&ack); err != nil || ack.Type != "connection_ack" {
			t.Fatalf("%s: %v %v", proto, ack, err)
		}
		sockets = append(sockets, conn)
	}

	// A webhook whose body is half sent when SIGTERM arrives.
	c := sim.CustomerN(1)
	body, err := sim.Marshal(sim.TextMessage(ch, c, sim.Wamid(c.WAID, 1, 0x5D), "sent during a deploy", time.Now().Add(-time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /webhooks/whatsapp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nX-Hub-Signature-256: %s\r\nContent-Length: %d\r\n\r\n",
		srv.addr, whatsapp.Sign(appSecret, body), len(body))
	half := len(body) / 2
	if _, err := conn.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	// Not a wait for a condition but the behaviour under test: a slow
	// client, its headers read and its body still arriving, when SIGTERM
	// comes (the server gives no sign of having read the headers).
	time.Sleep(200 * time.Millisecond)
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	for i, ws := range sockets {
		code := closeCode(ws)
		if code != websocket.CloseGoingAway {
			t.Errorf("socket %d closed with %d, want 1001 (going away)", i, code)
		}
	}
	time.Sleep(200 * time.Millisecond) // the slow client: the rest of its body comes after shutdown began
	if _, err := conn.Write(body[half:]); err != nil {
		t.Fatalf("rest of the webhook body: %v", err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 200") {
		t.Fatalf("in-flight webhook during shutdown answered %q %v", status, err)
	}
	select {
	case <-srv.done:
	case <-time.After(25 * time.Second):
		t.Fatal("server did not exit after SIGTERM")
	}
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}

	// The acknowledged message is there after the restart.
	srv.start()
	var inbox struct {
		Conversations struct {
			Edges []struct {
				Node struct{ LastMessage struct{ Text string } }
			}
		}
	}
	if !testwait.Until(30*time.Second, func() bool {
		srv.graphql(auth.SignUp.Token, `{ conversations(first: 5) { edges { node { lastMessage { text } } } } }`, nil, &inbox)
		return len(inbox.Conversations.Edges) == 1 && inbox.Conversations.Edges[0].Node.LastMessage.Text == "sent during a deploy"
	}) {
		t.Fatalf("acknowledged webhook not in the inbox after restart: %+v", inbox)
	}
}

// closeCode reads until the server closes ws and returns the close code
// (0 when the connection ended without a close frame).
func closeCode(ws *websocket.Conn) int {
	for range 100 {
		_ = ws.SetReadDeadline(time.Now().Add(15 * time.Second))
		if _, _, err := ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code
			}
			return 0
		}
	}
	return 0
}
