package graph_test

import (
	"testing"

	"switchboard/ent/channel"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

const connectMutation = `mutation($in: ConnectWhatsAppInput!) {
  connectWhatsApp(input: $in) { id kind name wabaId phoneNumberId displayPhoneNumber status }
}`

func connectInput(phoneNumberID string) map[string]any {
	return map[string]any{
		"name": "Support line", "wabaId": "102290129340398", "phoneNumberId": phoneNumberID,
		"displayPhoneNumber": "+1 555 0100", "accessToken": "EAAGtest-secret-token-" + phoneNumberID,
		"metaUserId": "10158",
	}
}

type channelOut struct {
	ID, Kind, Name, WabaID, PhoneNumberID, DisplayPhoneNumber, Status string
}

// connect connects a WhatsApp number for the account and returns the channel.
func connect(t *testing.T, env *testenv.Env, token, phoneNumberID string) channelOut {
	t.Helper()
	var out struct{ ConnectWhatsApp channelOut }
	env.MustQuery(t, token, connectMutation, map[string]any{"in": connectInput(phoneNumberID)}, &out)
	return out.ConnectWhatsApp
}

func TestConnectListDisconnectChannel(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Grace Hopper")
	ch := connect(t, env, owner.Token, "106540352242922")
	if ch.Kind != "WHATSAPP" || ch.Status != "CONNECTED" || ch.WabaID != "102290129340398" ||
		ch.PhoneNumberID != "106540352242922" || ch.DisplayPhoneNumber != "+1 555 0100" {
		t.Fatalf("connected channel = %+v", ch)
	}

	// The token is sealed and readable by server code only.
	row := env.DB.Client.Channel.GetX(viewer.System(t.Context()), pulidOf(ch.ID))
	tok, err := env.App.Channels.AccessToken(row)
	if err != nil || tok != "EAAGtest-secret-token-106540352242922" {
		t.Fatalf("AccessToken = %q, %v", tok, err)
	}

	var list struct{ Channels []channelOut }
	env.MustQuery(t, owner.Token, `{ channels { id status } }`, nil, &list)
	if len(list.Channels) != 1 || list.Channels[0].ID != ch.ID {
		t.Fatalf("channels = %+v", list.Channels)
	}

	var out struct{ DisconnectChannel channelOut }
	env.MustQuery(t, owner.Token, `mutation($id: ID!) { disconnectChannel(id: $id) { id status } }`, map[string]any{"id": ch.ID}, &out)
	if out.DisconnectChannel.Status != "REVOKED" {
		t.Fatalf("after disconnect: %+v", out.DisconnectChannel)
	}
	row = env.DB.Client.Channel.GetX(viewer.System(t.Context()), pulidOf(ch.ID))
	if len(row.AccessTokenCiphertext) != 0 || row.Status != channel.StatusREVOKED || row.RevokedAt == nil {
		t.Fatalf("revoked channel keeps its token: %+v", row)
	}
	// Disconnecting again is harmless, and the number can be connected anew.
	env.MustQuery(t, owner.Token, `mutation($id: ID!) { disconnectChannel(id: $id) { id status } }`, map[string]any{"id": ch.ID}, nil)
	connect(t, env, owner.Token, "106540352242922")

	var logs struct {
		AuditLogs struct {
			Edges []struct {
				Node struct{ Action, TargetID string }
			}
		}
	}
	env.MustQuery(t, owner.Token, `{ auditLogs(first: 20) { edges { node { action targetId } } } }`, nil, &logs)
	seen := map[string]int{}
	for _, e := range logs.AuditLogs.Edges {
		seen[e.Node.Action]++
	}
	if seen["channel.connect"] != 2 || seen["channel.disconnect"] != 1 {
		t.Fatalf("audit actions = %v", seen)
	}
}

func TestConnectWhatsAppRejectsBadInput(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Katherine Johnson")
	connect(t, env, owner.Token, "200")
	other := env.SignUp(t, "Dorothy Vaughan")

	cases := []struct {
		name, field, value, code, wantField string
		token                               string
	}{
		{"empty name", "name", " ", "BAD_USER_INPUT", "name", owner.Token},
		{"non-numeric waba", "wabaId", "abc", "BAD_USER_INPUT", "wabaId", owner.Token},
		{"non-numeric phone number id", "phoneNumberId", "12a", "BAD_USER_INPUT", "phoneNumberId", owner.Token},
		{"empty display number", "displayPhoneNumber", "", "BAD_USER_INPUT", "displayPhoneNumber", owner.Token},
		{"empty token", "accessToken", "", "BAD_USER_INPUT", "accessToken", owner.Token},
		{"token with spaces", "accessToken", "EAAG abc", "BAD_USER_INPUT", "accessToken", owner.Token},
		{"number connected in this tenant", "phoneNumberId", "200", "CONFLICT", "phoneNumberId", owner.Token},
		{"number connected by another tenant", "phoneNumberId", "200", "CONFLICT", "phoneNumberId", other.Token},
		{"no token", "name", "x", "UNAUTHENTICATED", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := connectInput("300")
			in[tc.field] = tc.value
			r := env.Query(t, tc.token, connectMutation, map[string]any{"in": in})
			if r.Code() != tc.code || r.Field() != tc.wantField {
				t.Fatalf("got code %q field %q, want %q %q (%+v)", r.Code(), r.Field(), tc.code, tc.wantField, r.Errors)
			}
		})
	}
	n := env.DB.Client.Channel.Query().CountX(viewer.System(t.Context()))
	if n != 1 {
		t.Fatalf("bad input created channels: %d in the database, want 1", n)
	}
}
