package graph_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/notice"
	"switchboard/internal/notices"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
)

const noticesQuery = `{ notices { id kind title body publishedAt expiresAt } }`

type noticeOut struct {
	ID, Kind, Title, Body  string
	PublishedAt, ExpiresAt time.Time
}

// publish stores a notice as `switchboard notices publish` does, published
// at the given time.
func publish(t *testing.T, env *testenv.Env, kind notice.Kind, title string, at time.Time, days int, tenants ...string) *ent.Notice {
	t.Helper()
	d := notices.Draft{Kind: kind, Title: title, Body: "Body of " + title, Days: days}
	for _, id := range tenants {
		d.Tenants = append(d.Tenants, pulid.ID(id))
	}
	ns, err := notices.Publish(context.Background(), env.DB.Client, d, at)
	if err != nil || len(ns) != 1 {
		t.Fatalf("publish %q: %v (%d notices)", title, err, len(ns))
	}
	return ns[0]
}

func readNotices(t *testing.T, env *testenv.Env, token string) []noticeOut {
	t.Helper()
	var out struct{ Notices []noticeOut }
	env.MustQuery(t, token, noticesQuery, nil, &out)
	return out.Notices
}

func titles(ns []noticeOut) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Title
	}
	return out
}

// A global notice reaches the members of every tenant, agents and API keys
// included; one published to a tenant reaches only that tenant's members
// (its id answers for another tenant as a nonexistent id does); expired and
// withdrawn notices reach no one; newest first; no token, no notices.
func TestNoticesReachTheirTenants(t *testing.T) {
	env := testenv.NewIdle(t)
	a := env.SignUp(t, "Notice Owner A")
	b := env.SignUp(t, "Notice Owner B")
	agent := addMember(t, env, a.Token, "notice.agent@example.com", "AGENT")
	agentToken := logIn(t, env, agent.Email, "member password").LogIn.Token
	_, keyB := createKey(t, env, b.Token, "notices reader")

	now := time.Now()
	policy := publish(t, env, notice.KindPOLICY_CHANGE, "Global policy", now.Add(-2*time.Hour), notices.DefaultDays)
	breach := publish(t, env, notice.KindSECURITY, "Breach at A", now.Add(-time.Hour), notices.DefaultDays, a.TenantID)
	publish(t, env, notice.KindMAINTENANCE, "Maintenance for B", now.Add(-30*time.Minute), 1, b.TenantID)
	publish(t, env, notice.KindMAINTENANCE, "Expired", now.Add(-31*24*time.Hour), notices.DefaultDays)
	withdrawn := publish(t, env, notice.KindPOLICY_CHANGE, "Withdrawn", now.Add(-time.Minute), notices.DefaultDays)
	if unknown, err := notices.Withdraw(context.Background(), env.DB.Client, []pulid.ID{withdrawn.ID}, time.Now()); err != nil || len(unknown) != 0 {
		t.Fatalf("withdraw: %v, unknown %v", err, unknown)
	}

	for _, tc := range []struct {
		who, token string
		want       []string
	}{
		{"owner of A", a.Token, []string{"Breach at A", "Global policy"}},
		{"agent of A", agentToken, []string{"Breach at A", "Global policy"}},
		{"owner of B", b.Token, []string{"Maintenance for B", "Global policy"}},
		{"API key of B", keyB, []string{"Maintenance for B", "Global policy"}},
	} {
		if got := titles(readNotices(t, env, tc.token)); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s reads %q, want %q", tc.who, got, tc.want)
		}
	}

	got := readNotices(t, env, a.Token)[0]
	if got.ID != string(breach.ID) || got.Kind != "SECURITY" || got.Body != "Body of Breach at A" ||
		!got.ExpiresAt.Equal(got.PublishedAt.AddDate(0, 0, 30)) || !got.PublishedAt.Equal(breach.PublishedAt) {
		t.Errorf("A's security notice reads %+v, want id %s, SECURITY, its body, shown 30 days", got, breach.ID)
	}

	// B asking for A's notice by id is told what a nonexistent id is told.
	const nodeQuery = `query($id: ID!) { node(id: $id) { id ... on Notice { title } } }`
	other := env.Query(t, b.Token, nodeQuery, map[string]any{"id": string(breach.ID)})
	none := env.Query(t, b.Token, nodeQuery, map[string]any{"id": string(pulid.New("NO"))})
	if string(other.Data) != string(none.Data) || fmt.Sprint(other.Errors) != fmt.Sprint(none.Errors) {
		t.Errorf("another tenant's notice by id: %s %+v; a nonexistent one: %s %+v", other.Data, other.Errors, none.Data, none.Errors)
	}
	var own struct{ Node struct{ Title string } }
	env.MustQuery(t, a.Token, nodeQuery, map[string]any{"id": string(policy.ID)}, &own)
	if own.Node.Title != "Global policy" {
		t.Errorf("A reads the global notice by id as %+v", own.Node)
	}

	if r := env.Query(t, "", noticesQuery, nil); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("notices without a token: %+v", r.Errors)
	}
	if r := env.Query(t, "sbs_bogus", noticesQuery, nil); r.Code() != "UNAUTHENTICATED" {
		t.Errorf("notices with a bad token: %+v", r.Errors)
	}
}
