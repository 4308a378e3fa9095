package graph_test

import (
	"testing"

	"switchboard/internal/testenv"
)

func TestSignUpThenMe(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Ada Lovelace")
	var out struct {
		Me     struct{ ID, Email, Role string }
		Tenant struct {
			Name                 string
			MessageRetentionDays int
		}
	}
	env.MustQuery(t, acct.Token, `{ me { id email role } tenant { name messageRetentionDays } }`, nil, &out)
	if out.Me.ID != acct.UserID || out.Me.Email != "ada.lovelace@example.com" || out.Me.Role != "OWNER" {
		t.Fatalf("me = %+v", out.Me)
	}
	if out.Tenant.Name != "Ada Lovelace Ltd" || out.Tenant.MessageRetentionDays != 90 {
		t.Fatalf("tenant = %+v", out.Tenant)
	}
	if r := env.Query(t, "", `{ me { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("me without token: %+v", r.Errors)
	}
	if r := env.Query(t, "sbs_bogus", `{ me { id } }`, nil); r.Code() != "UNAUTHENTICATED" {
		t.Fatalf("me with bad token: %+v", r.Errors)
	}
}
