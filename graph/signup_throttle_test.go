package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"switchboard/ent/tenant"
	"switchboard/internal/auth"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

// postFrom posts a GraphQL request from the loopback address ip; it is
// safe in goroutines (it reports errors instead of failing the test).
func postFrom(env *testenv.Env, ip, query string, vars map[string]any) (*testenv.Response, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, env.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out := &testenv.Response{Status: res.StatusCode}
	return out, json.NewDecoder(res.Body).Decode(out)
}

func signUpFrom(env *testenv.Env, ip, email string) (*testenv.Response, error) {
	return postFrom(env, ip, signUpMutation, map[string]any{"in": map[string]any{
		"email": email, "password": "a long enough passphrase", "name": "Sign Up", "businessName": "Sign Up Ltd", "acceptTerms": true, "confirmAdult": true}})
}

func countTenants(t *testing.T, env *testenv.Env) int {
	t.Helper()
	n, err := env.DB.Client.Tenant.Query().Where(tenant.StatusEQ(tenant.StatusACTIVE)).Count(viewer.System(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSignUpIsThrottledPerIP: an address gets SignUpMaxPerIP sign-ups per
// SignUpWindow, counted in the database so replicas share the budget;
// further ones answer RATE_LIMITED and create nothing; other addresses are
// unaffected, and the window slides.
func TestSignUpIsThrottledPerIP(t *testing.T) {
	a := testenv.New(t)
	b := a.Replica(t)
	clock := &fakeClock{now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	a.App.Auth.SetClock(clock.Now)
	b.App.Auth.SetClock(clock.Now)
	const ip = "127.0.6.1"

	// Refused sign-ups (bad input) use none of the budget.
	r, err := signUpFrom(a, ip, "not an email")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, r, "BAD_USER_INPUT", "email")
	for i := range auth.SignUpMaxPerIP {
		env := []*testenv.Env{a, b}[i%2]
		r, err := signUpFrom(env, ip, fmt.Sprintf("founder%d@example.com", i))
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("sign-up %d: %v %+v", i+1, err, r)
		}
		clock.Advance(time.Minute)
	}
	before := countTenants(t, a)
	for _, env := range []*testenv.Env{a, b} {
		r, err := signUpFrom(env, ip, "one.too.many@example.com")
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, r, "RATE_LIMITED", "")
	}
	if n := countUsers(t, a, "one.too.many@example.com"); n != 0 || countTenants(t, a) != before {
		t.Fatalf("a throttled sign-up created %d users", n)
	}
	if r, err := signUpFrom(a, "127.0.6.2", "elsewhere@example.com"); err != nil || len(r.Errors) > 0 {
		t.Fatalf("sign-up from another address: %v %+v", err, r)
	}
	// One hour after the first sign-up, one slot frees up.
	clock.Advance(auth.SignUpWindow - 10*time.Minute)
	if r, err := signUpFrom(a, ip, "later@example.com"); err != nil || len(r.Errors) > 0 {
		t.Fatalf("sign-up after the window: %v %+v", err, r)
	}
	r, err = signUpFrom(b, ip, "later.still@example.com")
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, r, "RATE_LIMITED", "")
}

// TestSignUpThrottleHoldsUnderParallelSignUps: sign-ups sent at once from
// one address create exactly the limit's worth of tenants. (The limit is
// lowered to keep the bcrypt work small: on SQLite each sign-up hashes
// while it holds the database's write lock.)
func TestSignUpThrottleHoldsUnderParallelSignUps(t *testing.T) {
	env := testenv.New(t)
	const limit, parallel = 3, 15
	env.App.Auth.SetSignUpLimit(limit)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[string]int{}
		errs  []error
		start = make(chan struct{})
	)
	for i := range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := signUpFrom(env, "127.0.7.1", fmt.Sprintf("rush%d@example.com", i))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
			case len(r.Errors) > 0 && r.Code() == "":
				errs = append(errs, fmt.Errorf("%+v", r.Errors))
			default:
				codes[r.Code()]++
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("requests failed: %v", errs)
	}
	if codes[""] != limit || codes["RATE_LIMITED"] != parallel-limit {
		t.Fatalf("answers to %d parallel sign-ups = %v; want %d signed up and the rest RATE_LIMITED", parallel, codes, limit)
	}
	if n := countTenants(t, env); n != limit {
		t.Fatalf("%d tenants created, want %d", n, limit)
	}
}

// TestSignUpBesideLogInIsAllOrNothing: an operation holding logIn runs
// without the request transaction; a signUp in it still creates all or
// nothing (here: a taken email leaves no tenant behind) and is counted by
// the throttle like any other.
func TestSignUpBesideLogInIsAllOrNothing(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Existing Owner")
	const both = `mutation($l: LogInInput!, $s: SignUpInput!) { logIn(input: $l) { token } signUp(input: $s) { token } }`
	vars := func(email string) map[string]any {
		return map[string]any{
			"l": map[string]any{"email": acct.Email, "password": ownerPassword},
			"s": map[string]any{"email": email, "password": "a long enough passphrase", "name": "Two In One", "businessName": "Two Ltd", "acceptTerms": true, "confirmAdult": true},
		}
	}
	before := countTenants(t, env)
	r, err := postFrom(env, "127.0.8.1", both, vars(acct.Email))
	if err != nil {
		t.Fatal(err)
	}
	if r.Code() != "CONFLICT" {
		t.Fatalf("signUp with a taken email beside logIn: %+v", r.Errors)
	}
	if n := countTenants(t, env); n != before {
		t.Fatalf("a refused signUp left %d tenant(s) behind", n-before)
	}
	for i := range auth.SignUpMaxPerIP {
		if r, err := postFrom(env, "127.0.8.1", both, vars(fmt.Sprintf("two%d@example.com", i))); err != nil || len(r.Errors) > 0 {
			t.Fatalf("sign-up %d beside logIn: %v %+v", i+1, err, r)
		}
	}
	r, err = postFrom(env, "127.0.8.1", both, vars("two.many@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) != 1 || r.Code() != "RATE_LIMITED" {
		t.Fatalf("sign-up over the limit beside logIn: %+v", r.Errors)
	}
}
