package graph_test

import (
	"context"
	"strings"
	"testing"

	"switchboard/ent/user"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

const signUpMutation = `mutation($in: SignUpInput!) { signUp(input: $in) { token user { id } tenant { id } } }`

// weakPasswords are refused for signUp and addMember alike, each with its
// reason, for the email weak.person@example.com.
var weakPasswords = []struct {
	name, password, reason string
}{
	{"only spaces", "            ", "spaces"},
	{"only whitespace", " \t  \t    ", "spaces"},
	{"common", "password1", "common"},
	{"common digits", "12345678", "common"},
	{"common keyboard walk", "qwerty123", "common"},
	{"common, other case", "IloveYou", "common"},
	{"common, other case and padded", "  Sunshine1 ", "common"},
	{"common word and year", "football2024", "common"},
	{"the email", "weak.person@example.com", "email"},
	{"the email, other case", "Weak.Person@EXAMPLE.com", "email"},
	{"the email's local part", "Weak.Person", "email"},
	{"too short", "S3cr!t", "at least 8"},
}

func countUsers(t *testing.T, env *testenv.Env, email string) int {
	t.Helper()
	n, err := env.DB.Client.User.Query().Where(user.Email(email)).Count(viewer.System(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSignUpRefusesWeakPasswords(t *testing.T) {
	env := testenv.New(t)
	const email = "weak.person@example.com"
	for _, tc := range weakPasswords {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Query(t, "", signUpMutation, map[string]any{"in": map[string]any{
				"email": email, "password": tc.password, "name": "Weak Person", "businessName": "Weak Ltd", "acceptTerms": true, "confirmAdult": true}})
			wantError(t, r, "BAD_USER_INPUT", "password")
			if !strings.Contains(r.Errors[0].Message, tc.reason) {
				t.Fatalf("message %q does not say why (%q)", r.Errors[0].Message, tc.reason)
			}
			if n := countUsers(t, env, email); n != 0 {
				t.Fatalf("%d users created by a refused signUp", n)
			}
		})
	}
	// A password that is none of these is accepted.
	env.MustQuery(t, "", signUpMutation, map[string]any{"in": map[string]any{
		"email": email, "password": "Weak Person's long passphrase", "name": "Weak Person", "businessName": "Weak Ltd", "acceptTerms": true, "confirmAdult": true}}, nil)
}

func TestAddMemberRefusesWeakPasswords(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Strict Owner")
	const email = "weak.person@example.com"
	for _, tc := range weakPasswords {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Query(t, owner.Token, addMemberMut, map[string]any{"in": map[string]any{
				"email": email, "name": "Weak Person", "role": "AGENT", "password": tc.password}})
			wantError(t, r, "BAD_USER_INPUT", "password")
			if !strings.Contains(r.Errors[0].Message, tc.reason) {
				t.Fatalf("message %q does not say why (%q)", r.Errors[0].Message, tc.reason)
			}
			if n := len(members(t, env, owner.Token)); n != 1 {
				t.Fatalf("members = %d after a refused addMember, want 1", n)
			}
		})
	}
}
