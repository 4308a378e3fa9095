package crash_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/pulid"
	"switchboard/internal/store"
	"switchboard/internal/testdb"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim"
	"switchboard/internal/whatsapp/sim/graphapi"
)

const (
	sends         = 300 // agent replies queued in one burst
	sendCustomers = 30  // ten each: well inside Meta's pair-rate burst
)

// TestSIGKILLDuringSendsSendsNothingTwice kills the server while its
// outbox is sending a burst of replies to the simulated Graph API, which
// counts every accepted send by our message id, and restarts it: no
// message may reach Meta twice, and none may stay QUEUED.
func TestSIGKILLDuringSendsSendsNothingTwice(t *testing.T) {
	if os.Getenv("CRASH_TEST") != "1" {
		t.Skip("set CRASH_TEST=1 to build the server and kill it mid-send")
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "send-crash.db")
		sendCrashTest(t, "sqlite://"+path, func() (*store.DB, error) { return store.OpenSQLite(context.Background(), path) })
	})
	t.Run("postgres", func(t *testing.T) {
		if testdb.URL() == "" {
			t.Skip("TEST_DATABASE_URL not set")
		}
		t.Parallel()
		dsn, drop := testdb.NewSchema(t, testdb.URL())
		t.Cleanup(drop)
		sendCrashTest(t, dsn, func() (*store.DB, error) { return store.OpenPostgres(context.Background(), dsn) })
	})
}

func sendCrashTest(t *testing.T, databaseURL string, open func() (*store.DB, error)) {
	// The simulator answers at its own address; the server's is known
	// before it starts, so the simulator can post statuses back to it.
	var handler http.Handler = http.NotFoundHandler()
	meta := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(meta.Close)
	srv := newServer(t, databaseURL,
		"META_API_BASE_URL="+meta.URL,
		// Short enough that the killed process's claims and the sends whose
		// statuses were posted to a dead server settle within the test.
		"META_REQUEST_TIMEOUT=2s", "SEND_OUTCOME_TIMEOUT=10s")
	gs, err := graphapi.New(graphapi.Config{AppSecret: appSecret, Target: srv.url() + "/webhooks/whatsapp", AllWindowsOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gs.Close)
	handler = gs
	srv.start()
	deadline := time.Now().Add(150 * time.Second)

	var auth struct {
		SignUp struct {
			Token  string
			Tenant struct{ ID string }
		}
	}
	srv.graphql("", `mutation($in: SignUpInput!) { signUp(input: $in) { token tenant { id } } }`,
		map[string]any{"in": map[string]any{"email": "sends@example.com", "password": "correct horse battery",
			"name": "Send Owner", "businessName": "Sends Ltd", "acceptTerms": true, "confirmAdult": true}}, &auth)
	ch := sim.Channel{WABAID: "102290129340398", PhoneNumberID: "1065403522430", DisplayPhoneNumber: "15550100"}
	var connected struct{ ConnectWhatsApp struct{ ID string } }
	srv.graphql(auth.SignUp.Token, `mutation($in: ConnectWhatsAppInput!) { connectWhatsApp(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Send line", "wabaId": ch.WABAID, "phoneNumberId": ch.PhoneNumberID,
			"displayPhoneNumber": "+1 555 0100", "accessToken": "EAAG-sends", "metaUserId": "10158"}}, &connected)
	// 30 a second: the burst is queued well before it is sent, so the kill
	// lands in the middle of the sending.
	srv.graphql(auth.SignUp.Token, `mutation($id: ID!) { updateChannel(id: $id, input: {sendRatePerSecond: 30}) { id } }`,
		map[string]any{"id": connected.ConnectWhatsApp.ID}, &struct{}{})

	// Each customer writes, which opens a conversation and its window.
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	client := sim.NewClient(5*time.Second, 4)
	for i := range sendCustomers {
		c := sim.CustomerN(i)
		body, _ := sim.Marshal(sim.TextMessage(ch, c, sim.Wamid(c.WAID, uint64(i), 0x5E4D), "hello", time.Now().Add(-time.Minute)))
		if code, err := sim.Post(ctx, client, srv.url()+"/webhooks/whatsapp", appSecret, body); err != nil || code != 200 {
			t.Fatalf("webhook: %d %v", code, err)
		}
	}
	var convs []string
	testwait.For(t, 30*time.Second, "the customers' conversations", func() bool {
		var out struct {
			Conversations struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		srv.graphql(auth.SignUp.Token, `{ conversations(first: 100) { edges { node { id } } } }`, nil, &out)
		convs = convs[:0]
		for _, e := range out.Conversations.Edges {
			convs = append(convs, e.Node.ID)
		}
		return len(convs) == sendCustomers
	})

	// The burst; the outbox starts sending while it is being queued.
	for i := range sends {
		srv.graphql(auth.SignUp.Token, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"conversationId": convs[i%len(convs)], "text": fmt.Sprintf("reply %d", i)}}, &struct{}{})
	}
	testwait.For(t, time.Until(deadline), "a third of the burst to reach Meta", func() bool { return gs.Sends().Total >= sends/3 })
	srv.kill()
	killedAt := gs.Sends().Total
	srv.start()

	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sys := viewer.System(context.Background())
	tenant := pulid.ID(auth.SignUp.Tenant.ID)
	var queued int
	if !testwait.Until(time.Until(deadline), func() bool {
		queued = db.Client.Message.Query().Where(message.TenantID(tenant), message.StatusEQ(message.StatusQUEUED)).CountX(sys)
		return queued == 0
	}) {
		t.Fatalf("%d messages still QUEUED after the restart", queued)
	}
	checkSentOnce(t, sys, db.Client, tenant, gs.Sends(), killedAt)
}

// checkSentOnce compares the outbound messages with what the simulator
// accepted: nothing twice; every message settled; a message counts as
// sent only if Meta took it; an unknown outcome is the only failure.
func checkSentOnce(t *testing.T, ctx context.Context, c *ent.Client, tenant pulid.ID, got graphapi.Sends, killedAt int) {
	t.Helper()
	msgs := c.Message.Query().Where(message.TenantID(tenant), message.DirectionEQ(message.DirectionOUTBOUND)).AllX(ctx)
	if len(msgs) != sends {
		t.Fatalf("%d outbound messages, want %d", len(msgs), sends)
	}
	states := map[string]int{}
	for _, m := range msgs {
		n := got.ByCallbackData[string(m.ID)]
		if n > 1 {
			t.Errorf("message %s reached Meta %d times", m.ID, n)
		}
		switch m.Status {
		case message.StatusSENT, message.StatusDELIVERED, message.StatusREAD:
			if n != 1 {
				t.Errorf("message %s is %s but Meta took it %d times", m.ID, m.Status, n)
			}
		case message.StatusFAILED:
			if m.Error == nil || m.Error.Code != schematype.CodeOutcomeUnknown {
				t.Errorf("message %s failed with %+v", m.ID, m.Error)
			}
		default:
			t.Errorf("message %s is %s", m.ID, m.Status)
		}
		states[string(m.Status)]++
	}
	t.Logf("killed after %d sends; Meta accepted %d; final states %v", killedAt, got.Total, states)
}
