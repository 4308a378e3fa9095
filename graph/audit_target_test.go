package graph_test

import (
	"testing"

	"switchboard/internal/testenv"
)

// Every audited action names its target by the target's GraphQL type
// (Contact, Channel, User, APIKey, Tenant), whatever package wrote the
// entry, so a client reads auditLogs' targetType and targetId together.
func TestAuditLogTargetTypesAreGraphQLTypeNames(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Audit Owner")
	addMember(t, env, owner.Token, "agent@example.com", "AGENT")
	key, _ := createKey(t, env, owner.Token, "ci")
	env.MustQuery(t, owner.Token, revokeKeyMut, map[string]any{"id": key.ID}, nil)
	env.MustQuery(t, owner.Token, updateTenantMu, map[string]any{"in": map[string]any{"name": "Audit Ltd"}}, nil)
	ch := connect(t, env, owner.Token, "106540352242922")
	env.MustQuery(t, owner.Token, `mutation($id: ID!) { disconnectChannel(id: $id) { id } }`, map[string]any{"id": ch.ID}, nil)
	ct := ctCreate(t, env, owner.Token, map[string]any{"phone": "+1 (415) 555-0123"})
	env.MustQuery(t, owner.Token, ctUpdateMutation, map[string]any{"id": ct.ID, "in": map[string]any{"name": "Ada"}}, nil)
	env.MustQuery(t, owner.Token, ctDeleteMutation, map[string]any{"id": ct.ID}, nil)
	ctImportCSV(t, env, owner.Token, "phone,name,tags,opt_in\n+16505551234,Grace,,\n")
	ctExport(t, env, owner.Token)
	logIn(t, env, owner.Email, ownerPassword)

	want := map[string]string{
		"auth.sign_up": "User", "auth.sign_in": "User", "member.add": "User",
		"api_key.create": "APIKey", "api_key.revoke": "APIKey", "tenant.update": "Tenant",
		"channel.connect": "Channel", "channel.disconnect": "Channel",
		"contact.create": "Contact", "contact.update": "Contact", "contact.delete": "Contact",
		"contacts.import": "Contact", "contacts.export": "Contact",
	}
	var out struct {
		AuditLogs struct {
			Edges []struct {
				Node struct{ Action, TargetType, TargetID string }
			}
		}
	}
	env.MustQuery(t, owner.Token, `{ auditLogs(first: 100) { edges { node { action targetType targetId } } } }`, nil, &out)
	seen := map[string]bool{}
	for _, e := range out.AuditLogs.Edges {
		n := e.Node
		seen[n.Action] = true
		if w, ok := want[n.Action]; ok && n.TargetType != w {
			t.Errorf("%s: targetType %q, want %q", n.Action, n.TargetType, w)
		}
	}
	for a := range want {
		if !seen[a] {
			t.Errorf("no %s entry in auditLogs", a)
		}
	}
	// sign_out's target is the user too; it is checked after the token ends.
	other := env.SignUp(t, "Audit Leaver")
	env.MustQuery(t, other.Token, `mutation { logOut }`, nil, nil)
	admin := logIn(t, env, other.Email, ownerPassword).LogIn.Token
	env.MustQuery(t, admin, `{ auditLogs(first: 100, filter: {action: "auth.sign_out"}) { edges { node { action targetType targetId } } } }`, nil, &out)
	if len(out.AuditLogs.Edges) != 1 || out.AuditLogs.Edges[0].Node.TargetType != "User" || out.AuditLogs.Edges[0].Node.TargetID != other.UserID {
		t.Errorf("auth.sign_out entries: %+v, want one on the User %s", out.AuditLogs.Edges, other.UserID)
	}
}
