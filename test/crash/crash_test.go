// Package crash_test kills the Switchboard server with SIGKILL in the
// middle of a webhook load, restarts it on the same database, and checks
// DESIGN.md principles 1 and 2 from the outside: every webhook answered 200
// ends up processed exactly once, whatever the crash interrupted.
//
// It builds and runs the real binary, so it is opt-in (CRASH_TEST=1; CI
// sets it). It runs on SQLite, and also on PostgreSQL when
// TEST_DATABASE_URL is set, each in a scratch schema or file.
package crash_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/conversation"
	"switchboard/ent/event"
	"switchboard/ent/job"
	"switchboard/ent/message"
	"switchboard/ent/webhookevent"
	"switchboard/internal/pulid"
	"switchboard/internal/store"
	"switchboard/internal/testdb"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim"
)

const (
	appSecret = "crash-test-app-secret"
	messages  = 600 // distinct inbound messages
	dupEvery  = 7   // every 7th message is delivered twice, as Meta retries
	senders   = 8
	customers = 25
)

func TestSIGKILLDuringWebhookLoadLosesAndDoublesNothing(t *testing.T) {
	if os.Getenv("CRASH_TEST") != "1" {
		t.Skip("set CRASH_TEST=1 to build the server and kill it mid-load")
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "crash.db")
		crashTest(t, "sqlite://"+path, func() (*store.DB, error) { return store.OpenSQLite(context.Background(), path) })
	})
	t.Run("postgres", func(t *testing.T) {
		if testdb.URL() == "" {
			t.Skip("TEST_DATABASE_URL not set")
		}
		t.Parallel()
		dsn, drop := testdb.NewSchema(t, testdb.URL())
		t.Cleanup(drop)
		crashTest(t, dsn, func() (*store.DB, error) { return store.OpenPostgres(context.Background(), dsn) })
	})
}

// delivery is one webhook POST to make until it is acknowledged.
type delivery struct {
	wamid string
	body  []byte
}

func crashTest(t *testing.T, databaseURL string, open func() (*store.DB, error)) {
	srv := newServer(t, databaseURL)
	srv.start()
	// The whole run is bounded: the load, a restart, and the wait for the
	// jobs the killed process had leased (their lease is one minute).
	deadline := time.Now().Add(110 * time.Second)

	var auth struct {
		SignUp struct {
			Token  string
			Tenant struct{ ID string }
		}
	}
	srv.graphql("", `mutation($in: SignUpInput!) { signUp(input: $in) { token tenant { id } } }`,
		map[string]any{"in": map[string]any{"email": "crash@example.com", "password": "correct horse battery",
			"name": "Crash Owner", "businessName": "Crash Ltd", "acceptTerms": true, "confirmAdult": true}}, &auth)
	ch := sim.Channel{WABAID: "102290129340398", PhoneNumberID: "1065403522429", DisplayPhoneNumber: "15550100"}
	var connected struct{ ConnectWhatsApp struct{ ID string } }
	srv.graphql(auth.SignUp.Token, `mutation($in: ConnectWhatsAppInput!) { connectWhatsApp(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Crash line", "wabaId": ch.WABAID, "phoneNumberId": ch.PhoneNumberID,
			"displayPhoneNumber": "+1 555 0100", "accessToken": "EAAG-crash", "metaUserId": "10158"}}, &connected)
	tenant := pulid.ID(auth.SignUp.Tenant.ID)

	// The load: distinct messages from a few customers, some delivered
	// twice (the copy goes out a while after the original).
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	var work []delivery
	var dups []delivery
	for i := range messages {
		c := sim.CustomerN(i % customers)
		wamid := sim.Wamid(c.WAID, uint64(i), 0xC4A5)
		body, err := sim.Marshal(sim.TextMessage(ch, c, wamid, fmt.Sprintf("message %d", i), t0.Add(time.Duration(i)*time.Second)))
		if err != nil {
			t.Fatal(err)
		}
		work = append(work, delivery{wamid, body})
		if i%dupEvery == 0 {
			dups = append(dups, delivery{wamid, body})
		}
		if i%50 == 49 { // interleave the copies with the originals
			work, dups = append(work, dups...), nil
		}
	}
	work = append(work, dups...)

	// Senders retry each delivery until it is acknowledged, as Meta does;
	// while the server is down they keep failing and waiting.
	var (
		mu    sync.Mutex
		acked = map[string]int{} // wamid → 200s received
		acks  atomic.Int64
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	client := sim.NewClient(5*time.Second, senders)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	target := srv.url() + "/webhooks/whatsapp"
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(work); i = int(next.Add(1)) - 1 {
				for ctx.Err() == nil {
					code, err := sim.Post(ctx, client, target, appSecret, work[i].body)
					if err == nil && code == http.StatusOK {
						mu.Lock()
						acked[work[i].wamid]++
						mu.Unlock()
						acks.Add(1)
						break
					}
					if err == nil && code != http.StatusServiceUnavailable {
						t.Errorf("webhook answered %d", code)
						return
					}
					// Not a wait for a condition: a sender backs off
					// before retrying a server that is down, as Meta does.
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}

	// Kill the server a third of the way through, then restart it on the
	// same database and address while the senders keep going.
	testwait.Until(time.Until(deadline), func() bool { return acks.Load() >= int64(len(work)/3) || ctx.Err() != nil })
	srv.kill()
	killedAt := acks.Load()
	srv.start()
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("load not acknowledged in time: %d of %d", acks.Load(), len(work))
	}
	t.Logf("killed after %d of %d acknowledgements", killedAt, len(work))

	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sys := viewer.System(context.Background())
	waitIdle(t, sys, db.Client, deadline)
	checkExactlyOnce(t, sys, db.Client, tenant, acked)
}

// waitIdle waits until every stored webhook is processed and no job is
// left to run, including those the killed process held (their lease has to
// expire before the new process may retake them).
func waitIdle(t *testing.T, ctx context.Context, c *ent.Client, deadline time.Time) {
	t.Helper()
	reported := false
	var pending, running int
	if !testwait.Until(time.Until(deadline), func() bool {
		pending = c.WebhookEvent.Query().Where(webhookevent.StatusEQ(webhookevent.StatusPENDING)).CountX(ctx)
		running = c.Job.Query().Where(job.StatusIn(job.StatusPENDING, job.StatusRUNNING)).CountX(ctx)
		if pending == 0 && running == 0 {
			return true
		}
		if !reported {
			t.Logf("after the restart: %d webhooks pending, %d jobs pending or running", pending, running)
			reported = true
		}
		return false
	}) {
		t.Fatalf("not idle in time: %d webhooks pending, %d jobs pending or running", pending, running)
	}
}

// checkExactlyOnce compares the database with what was acknowledged.
func checkExactlyOnce(t *testing.T, ctx context.Context, c *ent.Client, tenant pulid.ID, acked map[string]int) {
	t.Helper()
	if n := c.Job.Query().Where(job.StatusEQ(job.StatusFAILED)).CountX(ctx); n > 0 {
		t.Errorf("%d jobs failed", n)
	}
	if n := c.WebhookEvent.Query().Where(webhookevent.StatusNEQ(webhookevent.StatusPROCESSED)).CountX(ctx); n > 0 {
		t.Errorf("%d webhooks not PROCESSED (failed or unrouted)", n)
	}

	// Each acknowledged message is stored exactly once.
	msgs := c.Message.Query().Where(message.TenantID(tenant)).AllX(ctx)
	stored := map[string]int{}
	perConv := map[pulid.ID]int{}
	for _, m := range msgs {
		if m.ExternalID == nil {
			t.Fatalf("message %s has no Meta id", m.ID)
		}
		stored[*m.ExternalID]++
		perConv[m.ConversationID]++
	}
	var doubled, lost []string
	for wamid, n := range stored {
		if n != 1 {
			doubled = append(doubled, fmt.Sprintf("%s ×%d", wamid, n))
		}
	}
	for wamid := range acked {
		if stored[wamid] == 0 {
			lost = append(lost, wamid)
		}
	}
	if len(doubled) > 0 {
		t.Errorf("%d messages stored more than once, e.g. %v", len(doubled), doubled[:min(3, len(doubled))])
	}
	if len(lost) > 0 {
		t.Errorf("%d acknowledged messages are not stored, e.g. %v", len(lost), lost[:min(3, len(lost))])
	}
	if len(acked) != messages || len(stored) != messages {
		t.Errorf("%d messages acknowledged and %d stored, want %d", len(acked), len(stored), messages)
	}

	// Unread counts were incremented once per message.
	convs := c.Conversation.Query().Where(conversation.TenantID(tenant)).AllX(ctx)
	if len(convs) != customers {
		t.Errorf("%d conversations, want %d", len(convs), customers)
	}
	for _, cv := range convs {
		if cv.UnreadCount != perConv[cv.ID] {
			t.Errorf("conversation %s: unread %d, messages %d", cv.ID, cv.UnreadCount, perConv[cv.ID])
		}
	}

	// The event log is dense and holds one MESSAGE_CREATED per message.
	evs := c.Event.Query().Where(event.TenantID(tenant)).Order(ent.Asc(event.FieldSeq)).AllX(ctx)
	created := map[pulid.ID]int{}
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: the log has a gap or starts late", i+1, e.Seq)
		}
		if e.Kind == event.KindMESSAGE_CREATED {
			created[e.MessageID]++
		}
	}
	if head := c.Tenant.GetX(ctx, tenant).EventSeq; head != int64(len(evs)) {
		t.Errorf("tenant's event_seq is %d, log holds %d events", head, len(evs))
	}
	for _, m := range msgs {
		if created[m.ID] != 1 {
			t.Errorf("message %s has %d MESSAGE_CREATED events", *m.ExternalID, created[m.ID])
		}
	}
	if len(created) != len(msgs) {
		t.Errorf("MESSAGE_CREATED for %d messages, %d stored", len(created), len(msgs))
	}
}
