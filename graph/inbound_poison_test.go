package graph_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"switchboard/ent/job"
	"switchboard/ent/message"
	"switchboard/ent/webhookevent"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
	"switchboard/internal/webhook"
)

// poisonWebhook is a messages change whose contacts, messages and statuses
// are given as raw JSON, so that they can hold bytes and escapes that a
// JSON encoder would never write.
func poisonWebhook(phoneNumberID, contacts, messages, statuses string) string {
	return `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages",
"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100","phone_number_id":"` + phoneNumberID + `"},
"contacts":[` + contacts + `],"messages":[` + messages + `],"statuses":[` + statuses + `]}}]}]}`
}

const poisonInbox = `{ conversations(first: 50) { totalCount edges { node {
  lastMessageAt contact { phone profileName }
  messages(first: 20) { edges { node { externalId type text timestamp createdAt
    media { caption filename mimeType } status error { code title message } readAt failedAt } } } } } } }`

type poisonMessage struct {
	ExternalID, Type, Text string
	Timestamp, CreatedAt   time.Time
	Media                  *struct{ Caption, Filename, MimeType string }
	Status                 string
	Error                  *struct {
		Code           int
		Title, Message string
	}
	ReadAt, FailedAt *time.Time
}

type poisonConversations struct {
	Conversations struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				LastMessageAt time.Time
				Contact       struct{ Phone, ProfileName string }
				Messages      struct {
					Edges []struct{ Node poisonMessage }
				}
			}
		}
	}
}

// find returns the message with Meta id wamid and its conversation's
// contact and last activity, failing the test when it is not in the inbox.
func (p *poisonConversations) find(t *testing.T, wamid string) (poisonMessage, string, time.Time) {
	t.Helper()
	for _, c := range p.Conversations.Edges {
		for _, m := range c.Node.Messages.Edges {
			if m.Node.ExternalID == wamid {
				return m.Node, c.Node.Contact.ProfileName, c.Node.LastMessageAt
			}
		}
	}
	t.Fatalf("message %s is not in the inbox", wamid)
	return poisonMessage{}, "", time.Time{}
}

// TestInboundPoisonousFieldsDoNotDropTheMessage: NUL bytes, invalid UTF-8
// and lone surrogates in any stored text, and impossible timestamps, are
// stored by one database and refused by the other (or break every later
// read). Each such message must be stored, cleaned, and the inbox must
// still load, on both databases.
func TestInboundPoisonousFieldsDoNotDropTheMessage(t *testing.T) {
	ts := time.Now().Add(-time.Hour).Unix()
	const r = "\uFFFD"

	cases := []struct {
		name     string
		profile  string // the contact's profile name, raw JSON string content
		message  string // the message's type and payload, raw JSON members
		stamp    string // its timestamp, raw JSON string content ("" = an hour ago)
		text     string
		name2    string // the stored profile name
		caption  string
		filename string
		now      bool // the timestamp is impossible: the receive time is used
	}{
		{name: "NUL in text", profile: "Nul", message: `"type":"text","text":{"body":"a\u0000b"}`, text: "a" + r + "b", name2: "Nul"},
		{name: "invalid UTF-8 in text", profile: "Bad", message: "\"type\":\"text\",\"text\":{\"body\":\"bad \xff\xfe bytes\"}", text: "bad " + r + r + " bytes", name2: "Bad"},
		{name: "lone surrogate in text", profile: "Half", message: `"type":"text","text":{"body":"half \ud800 pair"}`, text: "half " + r + " pair", name2: "Half"},
		{name: "NUL and surrogate in profile name", profile: `Al\u0000ice \udc00`, message: `"type":"text","text":{"body":"hi"}`, text: "hi", name2: "Al" + r + "ice " + r},
		{name: "invalid UTF-8 in profile name", profile: "Bo\xffb", message: `"type":"text","text":{"body":"hi"}`, text: "hi", name2: "Bo" + r + "b"},
		{name: "NUL in caption", profile: "Cap", message: `"type":"image","image":{"id":"m1","mime_type":"image/jpeg\u0000","caption":"look\u0000 \ud800"}`,
			text: "look" + r + " " + r, name2: "Cap", caption: "look" + r + " " + r},
		{name: "bad bytes in filename", profile: "Doc", message: "\"type\":\"document\",\"document\":{\"id\":\"m2\",\"filename\":\"re\xc3port\\u0000.pdf\"}",
			text: "re" + r + "port" + r + ".pdf", name2: "Doc", filename: "re" + r + "port" + r + ".pdf"},
		{name: "lone surrogate in interactive title", profile: "Btn", message: `"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"b1","title":"Yes \udfff\u0000"}}`,
			text: "Yes " + r + r, name2: "Btn"},
		{name: "NUL in message id and errors", profile: "Err", message: `"type":"unsupported","errors":[{"code":131051,"title":"Unsupported\u0000","message":"x\ud800"}]`, name2: "Err"},
		{name: "timestamp in year 3170843", profile: "Far", message: `"type":"text","text":{"body":"from the future"}`, stamp: "99999999999999", text: "from the future", name2: "Far", now: true},
		{name: "timestamp two days ahead", profile: "Ahead", message: `"type":"text","text":{"body":"early"}`, stamp: fmt.Sprint(time.Now().Add(48 * time.Hour).Unix()), text: "early", name2: "Ahead", now: true},
		{name: "timestamp before WhatsApp", profile: "Old", message: `"type":"text","text":{"body":"old"}`, stamp: "86400", text: "old", name2: "Old", now: true},
		{name: "timestamp not a number", profile: "NaN", message: `"type":"text","text":{"body":"nan"}`, stamp: "soon", text: "nan", name2: "NaN", now: true},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.New(t) // each case alone: a failed job must not hide the next case
			owner := env.SignUp(t, "Poison Owner")
			connect(t, env, owner.Token, "8001")
			from := fmt.Sprintf("1415555%04d", i)
			wamid := fmt.Sprintf("wamid.poison.%d", i)
			stamp := tc.stamp
			if stamp == "" {
				stamp = fmt.Sprint(ts)
			}
			contacts := `{"profile":{"name":"` + tc.profile + `"},"wa_id":"` + from + `"}`
			msg := `{"from":"` + from + `","id":"` + wamid + `","timestamp":"` + stamp + `",` + tc.message + `}`
			before := time.Now().Add(-time.Second)
			deliver(t, env, poisonWebhook("8001", contacts, msg, ""))
			waitProcessed(t, env, 30*time.Second)
			after := time.Now().Add(time.Second)

			var got poisonConversations
			env.MustQuery(t, owner.Token, poisonInbox, nil, &got) // the whole inbox loads
			m, profile, last := got.find(t, wamid)
			if m.Text != tc.text || profile != tc.name2 {
				t.Fatalf("stored text %q profile %q; want %q, %q", m.Text, profile, tc.text, tc.name2)
			}
			if tc.caption != "" && (m.Media == nil || m.Media.Caption != tc.caption) {
				t.Fatalf("media %+v, want caption %q", m.Media, tc.caption)
			}
			if tc.filename != "" && (m.Media == nil || m.Media.Filename != tc.filename) {
				t.Fatalf("media %+v, want filename %q", m.Media, tc.filename)
			}
			if tc.now && (m.Timestamp.Before(before) || m.Timestamp.After(after) || !last.Equal(m.Timestamp)) {
				t.Fatalf("impossible timestamp %s stored as %s (conversation at %s); want the receive time", stamp, m.Timestamp, last)
			}
			if !tc.now && m.Timestamp.Unix() != ts {
				t.Fatalf("timestamp %s, want %d", m.Timestamp, ts)
			}
			if tc.name == "NUL in message id and errors" && (m.Error == nil || m.Error.Code != 131051 ||
				m.Error.Title != "Unsupported"+r || m.Error.Message != "x"+r) {
				t.Fatalf("message error %+v", m.Error)
			}
			// The raw message keeps what Meta sent, the impossible
			// timestamp included.
			ctx := viewer.System(t.Context())
			stored := env.DB.Client.Message.Query().Where(message.ExternalID(wamid)).OnlyX(ctx)
			if !strings.Contains(string(stored.Raw), `"`+stamp+`"`) {
				t.Fatalf("raw message lost the original timestamp: %s", stored.Raw)
			}
			if n := env.DB.Client.WebhookEvent.Query().Where(webhookevent.StatusNEQ(webhookevent.StatusPROCESSED)).CountX(ctx); n != 0 {
				t.Fatalf("%d webhooks not processed", n)
			}
			// (Media downloads fail here: no Graph API in this test.)
			if n := env.DB.Client.Job.Query().Where(job.Kind(webhook.JobKind), job.LastErrorNEQ("")).CountX(ctx); n != 0 {
				t.Fatalf("%d webhook jobs failed on the way", n)
			}
		})
	}
}

// TestInboundPoisonousStatusIsApplied: a delivery status with unstorable
// error text and an impossible timestamp still moves its message, and the
// conversation's messages still load.
func TestInboundPoisonousStatusIsApplied(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Status Poison")
	ch := connect(t, env, owner.Token, "8101")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	deliver(t, env, textWebhook("8101", "14155550123", "Alice", "wamid.in", "hi", t0))
	waitProcessed(t, env, 30*time.Second)
	ctx := viewer.System(t.Context())
	conv := env.DB.Client.Conversation.Query().OnlyX(ctx)
	for _, wamid := range []string{"wamid.out.failed", "wamid.out.read", "wamid.out.early"} {
		env.DB.Client.Message.Create().SetTenantID(pulid.ID(owner.TenantID)).SetConversationID(conv.ID).
			SetChannelID(pulid.ID(ch.ID)).SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEXT).
			SetText("reply").SetStatus(message.StatusSENT).SetExternalID(wamid).SetTimestamp(t0).SaveX(ctx)
	}

	before := time.Now().Add(-time.Second)
	deliver(t, env, poisonWebhook("8101", "", "", `{"id":"wamid.out.failed","status":"failed","timestamp":"99999999999999","recipient_id":"14155550123",
"errors":[{"code":131026,"title":"Undeliver\u0000able","message":"bad \ud800 `+"\xff"+`"}]},
{"id":"wamid.out.read","status":"read","timestamp":"99999999999999","recipient_id":"14155550123"},
{"id":"wamid.out.unknown","status":"read\u0000","timestamp":"99999999999999","recipient_id":"14155550123"}`))
	waitProcessed(t, env, 30*time.Second)
	after := time.Now().Add(time.Second)

	var got poisonConversations
	env.MustQuery(t, owner.Token, poisonInbox, nil, &got)
	failed, _, _ := got.find(t, "wamid.out.failed")
	const r = "\uFFFD"
	if failed.Status != "FAILED" || failed.Error == nil || failed.Error.Code != 131026 ||
		failed.Error.Title != "Undeliver"+r+"able" || failed.Error.Message != "bad "+r+" "+r ||
		failed.FailedAt == nil || failed.FailedAt.Before(before) || failed.FailedAt.After(after) {
		t.Fatalf("failed status: %+v error %+v", failed, failed.Error)
	}
	read, _, _ := got.find(t, "wamid.out.read")
	if read.Status != "READ" || read.ReadAt == nil || read.ReadAt.Before(before) || read.ReadAt.After(after) {
		t.Fatalf("read status: %+v", read)
	}
	if n := env.DB.Client.PendingStatus.Query().CountX(ctx); n != 1 {
		t.Fatalf("%d statuses kept for an unknown message, want 1", n)
	}
	if n := env.DB.Client.Job.Query().Where(job.LastErrorNEQ("")).CountX(ctx); n != 0 {
		t.Fatalf("%d jobs failed on the way", n)
	}
}

// TestInboundUnparseableWebhookIsMarkedFailed: a signed webhook that does
// not parse is kept as FAILED for people to look at, even when the parse
// error quotes bytes PostgreSQL refuses, instead of failing its job on
// every try.
func TestInboundUnparseableWebhookIsMarkedFailed(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Broken Owner")
	connect(t, env, owner.Token, "8201")
	deliver(t, env, poisonWebhook("8201", "", "{\"from\":\"14155550123\",\"id\":\"wamid.x\",\"timestamp\":{\"at\":\"\xff\xfe\"},\"type\":\"text\"}", ""))
	waitProcessed(t, env, 30*time.Second)
	ctx := viewer.System(t.Context())
	ev := env.DB.Client.WebhookEvent.Query().OnlyX(ctx)
	if ev.Status != webhookevent.StatusFAILED || !strings.Contains(ev.Error, "timestamp") {
		t.Fatalf("webhook %s: %q", ev.Status, ev.Error)
	}
}
