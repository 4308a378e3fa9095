package graph_test

import (
	"context"
	"testing"
	"time"

	"switchboard/ent/user"
	"switchboard/internal/config"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

// signUp needs the person's own attestation: acceptTerms and confirmAdult
// must both be true. Without either it is refused naming the field and
// creates no tenant and no user; with both, the user records when they
// accepted, which terms version, and when they confirmed being 18 or over,
// and reads termsAcceptedAt back through me.
func TestSignUpNeedsTermsAndAdult(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.TermsVersion = "2026-12" })
	sys := viewer.System(context.Background())
	in := func(email string, terms, adult bool) map[string]any {
		return map[string]any{"in": map[string]any{"email": email, "password": "a long enough passphrase",
			"name": "Terms Person", "businessName": "Terms Ltd", "acceptTerms": terms, "confirmAdult": adult}}
	}
	for _, tc := range []struct {
		name         string
		terms, adult bool
		field        string
	}{
		{"terms not accepted", false, true, "acceptTerms"},
		{"not confirmed adult", true, false, "confirmAdult"},
		{"neither", false, false, "acceptTerms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Query(t, "", signUpMutation, in("refused@example.com", tc.terms, tc.adult))
			wantError(t, r, "BAD_USER_INPUT", tc.field)
			if n := env.DB.Client.Tenant.Query().CountX(sys); n != 0 {
				t.Fatalf("a refused signUp created %d tenants", n)
			}
			if n := env.DB.Client.User.Query().CountX(sys); n != 0 {
				t.Fatalf("a refused signUp created %d users", n)
			}
		})
	}
	// Leaving a field out is refused by GraphQL itself (both are required).
	missing := map[string]any{"in": map[string]any{"email": "missing@example.com", "password": "a long enough passphrase",
		"name": "Missing", "businessName": "Missing Ltd", "acceptTerms": true}}
	if r := env.Query(t, "", signUpMutation, missing); len(r.Errors) == 0 {
		t.Fatal("signUp without confirmAdult was accepted")
	}

	before := time.Now().Add(-time.Second)
	var out struct {
		SignUp struct {
			Token string
			User  struct{ ID string }
		}
	}
	env.MustQuery(t, "", signUpMutation, in("accepted@example.com", true, true), &out)
	after := time.Now().Add(time.Second)
	u := env.DB.Client.User.Query().Where(user.Email("accepted@example.com")).OnlyX(sys)
	if u.TermsAcceptedAt == nil || u.AdultConfirmedAt == nil {
		t.Fatalf("signUp recorded terms %v, adult %v", u.TermsAcceptedAt, u.AdultConfirmedAt)
	}
	for name, at := range map[string]time.Time{"terms_accepted_at": *u.TermsAcceptedAt, "adult_confirmed_at": *u.AdultConfirmedAt} {
		if at.Before(before) || at.After(after) {
			t.Errorf("%s = %v, want the time of the sign-up (%v…%v)", name, at, before, after)
		}
	}
	if u.TermsVersion != "2026-12" {
		t.Errorf("terms_version = %q, want the configured TERMS_VERSION", u.TermsVersion)
	}
	var me struct {
		Me struct {
			TermsAcceptedAt  time.Time
			TermsVersion     string
			AdultConfirmedAt time.Time
		}
	}
	env.MustQuery(t, out.SignUp.Token, `{ me { termsAcceptedAt termsVersion adultConfirmedAt } }`, nil, &me)
	if !me.Me.TermsAcceptedAt.Equal(*u.TermsAcceptedAt) || me.Me.TermsVersion != "2026-12" || !me.Me.AdultConfirmedAt.Equal(*u.AdultConfirmedAt) {
		t.Errorf("me = %+v, want the stored attestation", me.Me)
	}
}

// A member added by an owner is attested by the one who adds them: the
// member's times are those of the addition, with the configured terms.
func TestAddedMemberAttestedAtAddition(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Attesting Owner")
	before := time.Now().Add(-time.Second)
	m := addMember(t, env, owner.Token, "added.agent@example.com", "AGENT")
	after := time.Now().Add(time.Second)
	u := env.DB.Client.User.GetX(viewer.System(context.Background()), pulidOf(m.ID))
	if u.TermsAcceptedAt == nil || u.AdultConfirmedAt == nil || u.TermsVersion != "1" {
		t.Fatalf("added member: terms %v (version %q), adult %v", u.TermsAcceptedAt, u.TermsVersion, u.AdultConfirmedAt)
	}
	if u.TermsAcceptedAt.Before(before) || u.TermsAcceptedAt.After(after) {
		t.Errorf("terms_accepted_at %v is not the time of the addition", u.TermsAcceptedAt)
	}
}
