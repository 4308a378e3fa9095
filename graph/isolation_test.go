package graph_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/campaign"
	"switchboard/ent/conversation"
	"switchboard/ent/message"
	"switchboard/ent/privacyrequest"
	"switchboard/ent/template"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

// seedTenant creates one object of every node type in the account's
// tenant, through the API where one exists, and returns their ids.
func seedTenant(t *testing.T, env *testenv.Env, acct testenv.Account) map[string]pulid.ID {
	t.Helper()
	ids := map[string]pulid.ID{"Tenant": pulid.ID(acct.TenantID), "User": pulid.ID(acct.UserID)}
	ch := connect(t, env, acct.Token, "4242")
	ids["Channel"] = pulid.ID(ch.ID)

	var c struct{ CreateContact struct{ ID string } }
	env.MustQuery(t, acct.Token, `mutation { createContact(input: {phone: "+14155550123", name: "Alice", tags: ["vip"]}) { id } }`, nil, &c)
	ids["Contact"] = pulid.ID(c.CreateContact.ID)

	var k struct {
		CreateApiKey struct{ APIKey struct{ ID string } }
	}
	env.MustQuery(t, acct.Token, `mutation { createApiKey(input: {name: "ci"}) { apiKey { id } secret } }`, nil, &k)
	ids["APIKey"] = pulid.ID(k.CreateApiKey.APIKey.ID)

	// Types whose operations arrive with later issues are written directly.
	ctx := viewer.System(t.Context())
	db := env.DB.Client
	tid := pulid.ID(acct.TenantID)
	conv := db.Conversation.Create().SetTenantID(tid).SetContactID(ids["Contact"]).SetChannelID(ids["Channel"]).
		SetStatus(conversation.StatusOPEN).SaveX(ctx)
	ids["Conversation"] = conv.ID
	msg := db.Message.Create().SetTenantID(tid).SetConversationID(conv.ID).SetChannelID(ids["Channel"]).
		SetDirection(message.DirectionINBOUND).SetType(message.TypeTEXT).SetText("hello").
		SetStatus(message.StatusRECEIVED).SetExternalID("wamid.1").SetTimestamp(time.Now()).SaveX(ctx)
	ids["Message"] = msg.ID
	tpl := db.Template.Create().SetTenantID(tid).SetChannelID(ids["Channel"]).SetName("welcome").SetLanguage("en_US").
		SetCategory(template.CategoryUTILITY).SaveX(ctx)
	ids["Template"] = tpl.ID
	cp := db.Campaign.Create().SetTenantID(tid).SetName("Spring").SetChannelID(ids["Channel"]).SetTemplateID(tpl.ID).
		SetStatus(campaign.StatusDRAFT).SaveX(ctx)
	ids["Campaign"] = cp.ID
	ids["CampaignRecipient"] = db.CampaignRecipient.Create().SetTenantID(tid).SetCampaignID(cp.ID).
		SetContactID(ids["Contact"]).SaveX(ctx).ID
	ids["PrivacyRequest"] = db.PrivacyRequest.Create().SetTenantID(tid).SetKind(privacyrequest.KindACCESS).
		SetSource(privacyrequest.SourceDASHBOARD).SetConfirmationCode("code-" + string(tid)).
		SetDueAt(time.Now().Add(30 * 24 * time.Hour)).SaveX(ctx).ID
	ids["AuditLog"] = db.AuditLog.Query().FirstIDX(ctx)
	return ids
}

// snapshot is every row of the tenant, to prove nothing changed.
func snapshot(t *testing.T, db *ent.Client, tenant pulid.ID) string {
	t.Helper()
	ctx := viewer.NewContext(t.Context(), viewer.Viewer{TenantID: tenant, Role: viewer.RoleOwner})
	all := []any{
		db.Tenant.Query().AllX(ctx), db.User.Query().AllX(ctx), db.APIKey.Query().AllX(ctx),
		db.Channel.Query().AllX(ctx), db.Contact.Query().AllX(ctx), db.Conversation.Query().AllX(ctx),
		db.Message.Query().AllX(ctx), db.Template.Query().AllX(ctx), db.Campaign.Query().AllX(ctx),
		db.CampaignRecipient.Query().AllX(ctx), db.PrivacyRequest.Query().AllX(ctx), db.AuditLog.Query().AllX(ctx),
	}
	b, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// answer is what a client can observe of a response, minus the path.
func answer(r *testenv.Response) string {
	errs := make([]map[string]any, len(r.Errors))
	for i, e := range r.Errors {
		errs[i] = map[string]any{"message": e.Message, "extensions": e.Extensions}
	}
	b, _ := json.Marshal(map[string]any{"data": json.RawMessage(r.Data), "errors": errs})
	return string(b)
}

func TestTenantIsolation(t *testing.T) {
	env := testenv.New(t)
	alice := env.SignUp(t, "Alice Tenant")
	bob := env.SignUp(t, "Bob Tenant")
	ids := seedTenant(t, env, alice)
	before := snapshot(t, env.DB.Client, pulid.ID(alice.TenantID))

	t.Run("node and nodes", func(t *testing.T) {
		for typ, id := range ids {
			missing := pulid.New(id.Prefix())
			q := `query($id: ID!) { node(id: $id) { id } }`
			foreign := env.Query(t, bob.Token, q, map[string]any{"id": id})
			absent := env.Query(t, bob.Token, q, map[string]any{"id": missing})
			if foreign.Code() != "NOT_FOUND" || answer(foreign) != answer(absent) {
				t.Errorf("%s: another tenant's id answers %s, a missing id %s", typ, answer(foreign), answer(absent))
			}
			own := env.Query(t, alice.Token, q, map[string]any{"id": id})
			if len(own.Errors) != 0 {
				t.Errorf("%s: owner cannot read own node: %+v", typ, own.Errors)
			}
			var many struct{ Nodes []any }
			env.MustQuery(t, bob.Token, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
				map[string]any{"ids": []pulid.ID{id, missing}}, &many)
			if !reflect.DeepEqual(many.Nodes, []any{nil, nil}) {
				t.Errorf("%s: nodes() shows another tenant's object: %v", typ, many.Nodes)
			}
		}
	})

	t.Run("mutations taking an id", func(t *testing.T) {
		mutations := []struct{ typ, query string }{
			{"APIKey", `mutation($id: ID!) { revokeApiKey(id: $id) }`},
			{"Channel", `mutation($id: ID!) { disconnectChannel(id: $id) { id } }`},
			{"Contact", `mutation($id: ID!) { updateContact(id: $id, input: {name: "Mallory"}) { id } }`},
			{"Contact", `mutation($id: ID!) { deleteContact(id: $id) }`},
		}
		for _, m := range mutations {
			foreign := env.Query(t, bob.Token, m.query, map[string]any{"id": ids[m.typ]})
			absent := env.Query(t, bob.Token, m.query, map[string]any{"id": pulid.New(ids[m.typ].Prefix())})
			if foreign.Code() != "NOT_FOUND" || answer(foreign) != answer(absent) {
				t.Errorf("%s: another tenant's id answers %s, a missing id %s", m.query, answer(foreign), answer(absent))
			}
		}
	})

	t.Run("lists", func(t *testing.T) {
		var out struct {
			Members  []struct{ ID string }
			APIKeys  []struct{ ID string }
			Channels []struct{ ID string }
			Contacts struct{ TotalCount int }
			Tenant   struct{ ID string }
			Export   string `json:"exportContacts"`
		}
		env.MustQuery(t, bob.Token, `{ members { id } apiKeys { id } channels { id } contacts { totalCount } tenant { id } exportContacts }`, nil, &out)
		if len(out.Members) != 1 || out.Members[0].ID != bob.UserID || len(out.APIKeys) != 0 || len(out.Channels) != 0 ||
			out.Contacts.TotalCount != 0 || out.Tenant.ID != bob.TenantID || out.Export != "phone,name,tags,opt_in\n" {
			t.Errorf("bob sees: %+v", out)
		}
		var logs struct {
			AuditLogs struct {
				Edges []struct{ Node struct{ TargetID string } }
			}
		}
		env.MustQuery(t, bob.Token, `{ auditLogs(first: 100) { edges { node { targetId } } } }`, nil, &logs)
		for _, e := range logs.AuditLogs.Edges {
			for _, id := range ids {
				if e.Node.TargetID == string(id) {
					t.Errorf("bob's audit log mentions alice's %s", id)
				}
			}
		}
	})

	if after := snapshot(t, env.DB.Client, pulid.ID(alice.TenantID)); after != before {
		t.Fatalf("another tenant's requests changed alice's data:\nbefore %s\nafter  %s", before, after)
	}
}
