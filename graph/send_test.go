package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"switchboard/ent/auditlog"
	"switchboard/ent/job"
	"switchboard/ent/message"
	"switchboard/internal/config"
	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim/graphapi"
)

const (
	sendNumber   = "106540352242922"
	sendCustomer = "14155550123"
)

// sendEnv is a tenant with a connected number on a server wired to the
// simulated Graph API, and a conversation in which the customer wrote a
// minute ago (so its service window is open, at Switchboard and at the
// simulator alike unless closedAtMeta).
type sendEnv struct {
	env   *testenv.Env
	sim   *graphapi.Server
	owner testenv.Account
	conv  string // the conversation's id
	in    string // the customer's message's id
}

func newSendEnv(t *testing.T, cfg graphapi.Config, opts ...testenv.Option) *sendEnv {
	t.Helper()
	cfg.StatusDelay = 20 * time.Millisecond
	env, sim := testenv.NewWithMeta(t, cfg, opts...)
	s := &sendEnv{env: env, sim: sim, owner: env.SignUp(t, "Send Owner")}
	connect(t, env, s.owner.Token, sendNumber)
	s.conv, s.in = s.customerWrites(t, sendCustomer, "wamid.in.1", "Hello, is my order on its way?", time.Now().Add(-time.Minute))
	sim.OpenWindow(sendCustomer, time.Now())
	return s
}

// customerWrites delivers an inbound message and returns its conversation
// and message ids.
func (s *sendEnv) customerWrites(t *testing.T, from, wamid, text string, at time.Time) (conv, msg string) {
	t.Helper()
	deliver(t, s.env, textWebhook(sendNumber, from, "Alice", wamid, text, at))
	processed(t, s.env)
	var out struct {
		Conversations struct {
			Edges []struct {
				Node struct {
					ID       string
					Contact  struct{ Phone string }
					Messages struct {
						Edges []struct {
							Node struct{ ID, ExternalID string }
						}
					}
				}
			}
		}
	}
	s.env.MustQuery(t, s.owner.Token, `{ conversations(first: 50) { edges { node { id contact { phone }
	  messages(first: 50) { edges { node { id externalId } } } } } } }`, nil, &out)
	for _, e := range out.Conversations.Edges {
		if e.Node.Contact.Phone != "+"+from {
			continue
		}
		for _, m := range e.Node.Messages.Edges {
			if m.Node.ExternalID == wamid {
				return e.Node.ID, m.Node.ID
			}
		}
	}
	t.Fatalf("no conversation with %s's message %s: %+v", from, wamid, out)
	return "", ""
}

type sentMessage struct {
	ID, Status, ExternalID, Text, Type string
	Attempts                           int
	SentAt, DeliveredAt, ReadAt        *time.Time
	Error                              *struct {
		Code           int
		Title, Message string
	}
	ReplyTo *struct{ ID string }
}

const messageFields = `id status externalId text type attempts sentAt deliveredAt readAt error { code title message } replyTo { id }`

func (s *sendEnv) send(t *testing.T, in map[string]any) (*testenv.Response, sentMessage) {
	t.Helper()
	if _, ok := in["conversationId"]; !ok {
		in["conversationId"] = s.conv
	}
	r := s.env.Query(t, s.owner.Token, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { `+messageFields+` } }`,
		map[string]any{"in": in})
	var out struct{ SendMessage sentMessage }
	if len(r.Errors) == 0 {
		r.Decode(t, &out)
	}
	return r, out.SendMessage
}

func (s *sendEnv) mustSend(t *testing.T, in map[string]any) sentMessage {
	t.Helper()
	r, m := s.send(t, in)
	if len(r.Errors) > 0 {
		t.Fatalf("sendMessage: %+v", r.Errors)
	}
	return m
}

func (s *sendEnv) message(t *testing.T, id string) sentMessage {
	t.Helper()
	var out struct{ Node sentMessage }
	s.env.MustQuery(t, s.owner.Token, `query($id: ID!) { node(id: $id) { ... on Message { `+messageFields+` } } }`,
		map[string]any{"id": id}, &out)
	return out.Node
}

// waitStatus waits until the message reaches status, and returns it.
func (s *sendEnv) waitStatus(t *testing.T, id, status string) sentMessage {
	t.Helper()
	return s.waitStatusWithin(t, id, status, 20*time.Second)
}

func (s *sendEnv) waitStatusWithin(t *testing.T, id, status string, d time.Duration) sentMessage {
	t.Helper()
	var m sentMessage
	testwait.For(t, d, "message "+id+" to be "+status, func() bool {
		m = s.message(t, id)
		return m.Status == status
	})
	return m
}

func TestSendMessageGoesSentDeliveredRead(t *testing.T) {
	s := newSendEnv(t, graphapi.Config{})
	ws, err := dialWS(t, s.env, s.owner.Token)
	if err != nil {
		t.Fatal(err)
	}
	ws.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query": `subscription { inboxEvents { kind message { id status externalId } } }`}})
	waitSubscribers(t, s.env, 1)

	m := s.mustSend(t, map[string]any{"text": "Yes, it ships today.", "clientMessageId": "agent-7-reply-1"})
	if m.Status != "QUEUED" || m.Type != "TEXT" || m.Text != "Yes, it ships today." || m.ExternalID != "" || m.Attempts != 0 {
		t.Fatalf("sendMessage answered %+v, want it QUEUED", m)
	}

	// The inbox sees it created, then each step as MESSAGE_UPDATED.
	seen := map[string]bool{}
	var wamid string
	for !seen["READ"] {
		raw, err := ws.read()
		if err != nil {
			t.Fatalf("waiting for the message's events (seen %v): %v", seen, err)
		}
		if raw["type"] != "next" {
			continue
		}
		var ev struct {
			Data struct {
				InboxEvents struct {
					Kind    string
					Message *struct{ ID, Status, ExternalID string }
				}
			}
		}
		b, _ := json.Marshal(raw["payload"])
		_ = json.Unmarshal(b, &ev)
		e := ev.Data.InboxEvents
		if e.Message == nil || e.Message.ID != m.ID {
			continue
		}
		if e.Kind == "MESSAGE_CREATED" && e.Message.Status != "QUEUED" {
			t.Fatalf("created as %s", e.Message.Status)
		}
		if e.Kind == "MESSAGE_UPDATED" {
			seen[e.Message.Status] = true
			wamid = e.Message.ExternalID
		}
	}
	if !seen["SENT"] && !seen["DELIVERED"] {
		t.Errorf("no SENT or DELIVERED event before READ: %v", seen)
	}
	got := s.message(t, m.ID)
	if got.Status != "READ" || !strings.HasPrefix(got.ExternalID, "wamid.") || got.ExternalID != wamid ||
		got.SentAt == nil || got.DeliveredAt == nil || got.ReadAt == nil || got.Attempts != 1 || got.Error != nil {
		t.Fatalf("after the statuses: %+v", got)
	}
	req := s.sim.Request(m.ID)
	if string(req["to"]) != `"`+sendCustomer+`"` || string(req["biz_opaque_callback_data"]) != `"`+m.ID+`"` {
		t.Fatalf("Meta was sent %s", req)
	}

	// The client retries its request: the same message, nothing sent again.
	again := s.mustSend(t, map[string]any{"text": "Yes, it ships today.", "clientMessageId": "agent-7-reply-1"})
	if again.ID != m.ID {
		t.Fatalf("the same clientMessageId made a second message %s", again.ID)
	}
	if n := s.sim.Sends().ByCallbackData[m.ID]; n != 1 {
		t.Fatalf("Meta received the message %d times", n)
	}
}

func TestSendMessageRepliesReactsAndSendsInteractive(t *testing.T) {
	s := newSendEnv(t, graphapi.Config{})
	reply := s.mustSend(t, map[string]any{"replyTo": s.in,
		"media": map[string]any{"link": "https://cdn.example.com/labels/parcel.jpg", "caption": "Your label"}})
	if reply.Type != "IMAGE" || reply.Text != "Your label" || reply.ReplyTo == nil || reply.ReplyTo.ID != s.in {
		t.Fatalf("reply: %+v", reply)
	}
	react := s.mustSend(t, map[string]any{"reaction": map[string]any{"messageId": s.in, "emoji": "👍"}})
	menu := s.mustSend(t, map[string]any{"interactive": map[string]any{"body": "Was this helpful?",
		"buttons": []any{map[string]any{"id": "yes", "title": "Yes"}, map[string]any{"id": "no", "title": "No"}}}})
	for _, id := range []string{reply.ID, react.ID, menu.ID} {
		s.waitStatus(t, id, "READ")
	}
	req := s.sim.Request(reply.ID)
	if !strings.Contains(string(req["context"]), "wamid.in.1") || !strings.Contains(string(req["image"]), "parcel.jpg") ||
		string(req["type"]) != `"image"` {
		t.Fatalf("the reply went as %s", req)
	}
	if r := s.sim.Request(react.ID); !strings.Contains(string(r["reaction"]), "wamid.in.1") {
		t.Fatalf("the reaction went as %s", r)
	}
	if r := s.sim.Request(menu.ID); !strings.Contains(string(r["interactive"]), `"button"`) {
		t.Fatalf("the buttons went as %s", r)
	}
}

func TestSendMessageRefusalsStoreNothing(t *testing.T) {
	s := newSendEnv(t, graphapi.Config{})
	// A customer who wrote 25 hours ago, and one who opted out.
	late, lateMsg := s.customerWrites(t, "14155550999", "wamid.late", "Hi", time.Now().Add(-25*time.Hour))
	stopped, _ := s.customerWrites(t, "14155550777", "wamid.stop", "STOP", time.Now().Add(-time.Minute))
	other := s.env.SignUp(t, "Other Tenant")

	cases := []struct {
		name, token string
		in          map[string]any
		code, field string
	}{
		{"window closed", "", map[string]any{"conversationId": late, "text": "Hello?"}, "OUTSIDE_SERVICE_WINDOW", ""},
		{"opted out", "", map[string]any{"conversationId": stopped, "text": "Hello?"}, "CONSENT_REQUIRED", ""},
		{"nothing to send", "", map[string]any{}, "BAD_USER_INPUT", "input"},
		{"two contents", "", map[string]any{"text": "a", "reaction": map[string]any{"messageId": s.in, "emoji": "👍"}}, "BAD_USER_INPUT", "input"},
		{"text too long", "", map[string]any{"text": strings.Repeat("x", 4097)}, "BAD_USER_INPUT", "input.text.body"},
		{"four buttons", "", map[string]any{"interactive": map[string]any{"body": "Pick", "buttons": []any{
			map[string]any{"id": "1", "title": "a"}, map[string]any{"id": "2", "title": "b"},
			map[string]any{"id": "3", "title": "c"}, map[string]any{"id": "4", "title": "d"}}}}, "BAD_USER_INPUT", ""},
		{"plain http link", "", map[string]any{"media": map[string]any{"link": "http://example.com/a.jpg"}}, "BAD_USER_INPUT", "input.media.link"},
		{"link and upload missing", "", map[string]any{"media": map[string]any{"caption": "x"}}, "BAD_USER_INPUT", "input.media"},
		{"reply to another conversation's message", "", map[string]any{"text": "x", "replyTo": lateMsg}, "BAD_USER_INPUT", "replyTo"},
		{"reply to a stranger", "", map[string]any{"text": "x", "replyTo": "MS01ARZ3NDEKTSV4RRFFQ69G5FAV"}, "BAD_USER_INPUT", "replyTo"},
		{"long client id", "", map[string]any{"text": "x", "clientMessageId": strings.Repeat("k", 129)}, "BAD_USER_INPUT", "input.clientMessageId"},
		{"another tenant's conversation", other.Token, map[string]any{"text": "x"}, "NOT_FOUND", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := s.owner.Token
			if c.token != "" {
				token = c.token
			}
			if _, ok := c.in["conversationId"]; !ok {
				c.in["conversationId"] = s.conv
			}
			r := s.env.Query(t, token, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { id } }`, map[string]any{"in": c.in})
			if r.Code() != c.code || (c.field != "" && r.Field() != c.field) {
				t.Fatalf("got %s on %q (%+v), want %s on %q", r.Code(), r.Field(), r.Errors, c.code, c.field)
			}
		})
	}
	n := s.env.DB.Client.Message.Query().Where(message.DirectionEQ(message.DirectionOUTBOUND)).CountX(viewer.System(t.Context()))
	if n != 0 || s.sim.Sends().Total != 0 {
		t.Fatalf("refused sends left %d messages and %d sends", n, s.sim.Sends().Total)
	}
}

func TestFailedSendIsVisibleAndRetryResends(t *testing.T) {
	s := newSendEnv(t, graphapi.Config{})
	// Meta's own window is closed (say the customer's message was older
	// at Meta): 131047, FAILED with Meta's error.
	s.sim.OpenWindow(sendCustomer, time.Now().Add(-48*time.Hour))
	m := s.mustSend(t, map[string]any{"text": "Following up"})
	failed := s.waitStatus(t, m.ID, "FAILED")
	if failed.Error == nil || failed.Error.Code != 131047 || failed.Error.Title == "" || failed.Attempts != 1 {
		t.Fatalf("failed message: %+v", failed)
	}
	if s.sim.Sends().ByCallbackData[m.ID] != 0 {
		t.Fatal("a refused send was counted as sent")
	}

	s.sim.OpenWindow(sendCustomer, time.Now())
	var out struct{ RetryMessage sentMessage }
	s.env.MustQuery(t, s.owner.Token, `mutation($id: ID!) { retryMessage(id: $id) { `+messageFields+` } }`,
		map[string]any{"id": m.ID}, &out)
	if out.RetryMessage.Status != "QUEUED" || out.RetryMessage.Error != nil {
		t.Fatalf("retryMessage answered %+v", out.RetryMessage)
	}
	read := s.waitStatus(t, m.ID, "READ")
	if read.Attempts != 2 || s.sim.Sends().ByCallbackData[m.ID] != 1 {
		t.Fatalf("after the retry: %+v, sent %d times", read, s.sim.Sends().ByCallbackData[m.ID])
	}
	entries := s.env.DB.Client.AuditLog.Query().Where(auditlog.Action("message.retry"), auditlog.TargetID(m.ID)).
		CountX(viewer.System(t.Context()))
	if entries != 1 {
		t.Fatalf("%d audit entries for the retry", entries)
	}

	// Retrying what is not FAILED is refused, and changes nothing.
	r := s.env.Query(t, s.owner.Token, `mutation($id: ID!) { retryMessage(id: $id) { id } }`, map[string]any{"id": m.ID})
	if r.Code() != "BAD_USER_INPUT" {
		t.Fatalf("retrying a READ message: %+v", r.Errors)
	}
	other := s.env.SignUp(t, "Retry Stranger")
	if r := s.env.Query(t, other.Token, `mutation($id: ID!) { retryMessage(id: $id) { id } }`, map[string]any{"id": m.ID}); r.Code() != "NOT_FOUND" {
		t.Fatalf("another tenant retrying: %+v", r.Errors)
	}
}

func TestUndeliverableIsNeverRetried(t *testing.T) {
	s := newSendEnv(t, graphapi.Config{FailShare: 1})
	m := s.mustSend(t, map[string]any{"text": "Are you there?"})
	failed := s.waitStatus(t, m.ID, "FAILED")
	if failed.Error == nil || failed.Error.Code != 131026 {
		t.Fatalf("failed message: %+v", failed)
	}
	r := s.env.Query(t, s.owner.Token, `mutation($id: ID!) { retryMessage(id: $id) { id } }`, map[string]any{"id": m.ID})
	if r.Code() != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "131026") {
		t.Fatalf("retrying an undeliverable message: %+v", r.Errors)
	}
	if got := s.message(t, m.ID); got.Status != "FAILED" || got.Attempts != 1 {
		t.Fatalf("after the refused retry: %+v", got)
	}
}

func TestLostResponseIsSettledByItsStatusNeverResent(t *testing.T) {
	s := newSendEnv(t, graphapi.Config{})
	s.sim.InjectFaults(graphapi.FaultLost, 1)
	m := s.mustSend(t, map[string]any{"text": "Your refund is on its way."})
	read := s.waitStatus(t, m.ID, "READ")
	if !strings.HasPrefix(read.ExternalID, "wamid.") || read.Attempts != 1 {
		t.Fatalf("after a lost response: %+v", read)
	}
	if n := s.sim.Sends().ByCallbackData[m.ID]; n != 1 {
		t.Fatalf("sent %d times", n)
	}
}

func TestUnansweredSendFailsAsOutcomeUnknown(t *testing.T) {
	s := newSendEnv(t, graphapi.Config{}, func(c *config.Config) {
		c.MetaRequestTimeout = 300 * time.Millisecond
		c.SendOutcomeTimeout = time.Second
	})
	s.sim.InjectFaults(graphapi.FaultTimeout, 1)
	m := s.mustSend(t, map[string]any{"text": "Hello?"})
	failed := s.waitStatus(t, m.ID, "FAILED")
	if failed.Error == nil || failed.Error.Code != -1 || !strings.Contains(failed.Error.Message, "may or may not") {
		t.Fatalf("an unanswered send: %+v", failed)
	}
	if n := s.sim.Sends().Total; n != 0 {
		t.Fatalf("an unanswered send was resent blindly: %d sends", n)
	}
	// An agent decides to send it again.
	s.env.MustQuery(t, s.owner.Token, `mutation($id: ID!) { retryMessage(id: $id) { id } }`, map[string]any{"id": m.ID}, nil)
	s.waitStatus(t, m.ID, "READ")
	if n := s.sim.Sends().ByCallbackData[m.ID]; n != 1 {
		t.Fatalf("sent %d times", n)
	}
}

func TestRevokedTokenHoldsSendsUntilReplaced(t *testing.T) {
	s := newSendEnv(t, graphapi.Config{})
	s.sim.Revoke("EAAGtest-secret-token-" + sendNumber)
	m := s.mustSend(t, map[string]any{"text": "Hello again"})
	var ch struct{ Channels []struct{ ID, Status string } }
	testwait.For(t, 10*time.Second, "the channel to need a new token", func() bool {
		s.env.MustQuery(t, s.owner.Token, `{ channels { id status } }`, nil, &ch)
		return ch.Channels[0].Status == "NEEDS_REAUTH"
	})
	if got := s.message(t, m.ID); got.Status != "QUEUED" {
		t.Fatalf("a send on a refused token: %+v", got)
	}
	// Sends keep waiting, queued, while the channel needs a token; the
	// customer's messages still arrive.
	m2 := s.mustSend(t, map[string]any{"text": "Still there?"})
	if conv, _ := s.customerWrites(t, sendCustomer, "wamid.in.reauth", "Hello?", time.Now()); conv != s.conv {
		t.Fatalf("a message to a channel that needs a token went to %s", conv)
	}

	var upd struct{ UpdateChannel struct{ Status string } }
	s.env.MustQuery(t, s.owner.Token, `mutation($id: ID!) { updateChannel(id: $id, input: {accessToken: "EAAGrenewed-token"}) { status } }`,
		map[string]any{"id": ch.Channels[0].ID}, &upd)
	if upd.UpdateChannel.Status != "CONNECTED" {
		t.Fatalf("after a new token: %+v", upd)
	}
	for _, id := range []string{m.ID, m2.ID} {
		if got := s.waitStatus(t, id, "READ"); s.sim.Sends().ByCallbackData[id] != 1 {
			t.Fatalf("%s sent %d times: %+v", id, s.sim.Sends().ByCallbackData[id], got)
		}
	}
}

func TestThroughputAndPairLimitsAreRetriedNotLost(t *testing.T) {
	// Meta lets this number send 10/s while the channel is set to 40/s:
	// 130429s slow the sender down; 131056 (pair rate) delays only the
	// customer it names. Every message goes, once.
	s := newSendEnv(t, graphapi.Config{Rate: 10, PairBurst: 20, PairInterval: time.Second})
	var ch struct{ Channels []struct{ ID string } }
	s.env.MustQuery(t, s.owner.Token, `{ channels { id } }`, nil, &ch)
	s.env.MustQuery(t, s.owner.Token, `mutation($id: ID!) { updateChannel(id: $id, input: {sendRatePerSecond: 40}) { id } }`,
		map[string]any{"id": ch.Channels[0].ID}, nil)
	var ids []string
	for i := range 30 {
		ids = append(ids, s.mustSend(t, map[string]any{"text": fmt.Sprintf("update %d", i)}).ID)
	}
	// Meta's hint for 131056 is to wait 4^n s, so a message refused a
	// third time waits 16 s and a fourth 64 s: how many refusals a send
	// meets depends on the machine's speed, so the wait is generous.
	for _, id := range ids {
		s.waitStatusWithin(t, id, "READ", 2*time.Minute)
	}
	sends := s.sim.Sends()
	for _, id := range ids {
		if sends.ByCallbackData[id] != 1 {
			t.Fatalf("%s sent %d times", id, sends.ByCallbackData[id])
		}
	}
}

func TestMarkConversationReadSendsAReadReceipt(t *testing.T) {
	s := newSendEnv(t, graphapi.Config{})
	s.env.MustQuery(t, s.owner.Token, `mutation($id: ID!) { markConversationRead(id: $id) { unreadCount } }`,
		map[string]any{"id": s.conv}, nil)
	testwait.For(t, 10*time.Second, "the read receipt", func() bool {
		reads := s.sim.Reads()
		return len(reads) == 1 && reads[0] == "wamid.in.1"
	})

	// Off for the tenant: no receipt.
	s.env.MustQuery(t, s.owner.Token, `mutation { updateTenantSettings(input: {readReceipts: false}) { readReceipts } }`, nil, nil)
	s.customerWrites(t, sendCustomer, "wamid.in.2", "Thanks!", time.Now())
	s.env.MustQuery(t, s.owner.Token, `mutation($id: ID!) { markConversationRead(id: $id) { unreadCount } }`,
		map[string]any{"id": s.conv}, nil)
	processedJobs(t, s.env)
	if reads := s.sim.Reads(); len(reads) != 1 {
		t.Fatalf("read receipts with readReceipts off: %v", reads)
	}
}

// processedJobs waits until no job is waiting or running.
func processedJobs(t *testing.T, env *testenv.Env) {
	t.Helper()
	ctx := viewer.System(t.Context())
	testwait.For(t, 10*time.Second, "the queued jobs to run", func() bool {
		env.App.Jobs.Notify()
		return env.DB.Client.Job.Query().Where(job.StatusIn(job.StatusPENDING, job.StatusRUNNING)).CountX(ctx) == 0
	})
}
