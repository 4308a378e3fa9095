package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/testenv"
)

// tryLogIn is logInFrom for goroutines: it reports the answer's
// extensions.code ("" for a session) instead of failing the test.
func tryLogIn(env *testenv.Env, ip, email, password string) (string, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	body, _ := json.Marshal(map[string]any{"query": logInMutation,
		"variables": map[string]any{"in": map[string]any{"email": email, "password": password}}})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, env.Server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out testenv.Response
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return "", err
	}
	if len(out.Errors) > 0 && out.Code() == "" {
		return "", fmt.Errorf("logIn answered errors without a code: %+v", out.Errors)
	}
	if len(out.Errors) == 0 {
		var data authPayload
		if err := json.Unmarshal(out.Data, &data); err != nil || data.LogIn.Token == "" {
			return "", fmt.Errorf("logIn answered no token: %s", out.Data)
		}
	}
	return out.Code(), nil
}

// TestLogInThrottleHoldsUnderParallelAttempts: 99 wrong passwords sent at
// once to two replicas, then the right one while they are still being
// answered. Each attempt is reserved before its password is compared, so
// exactly the limit is compared (UNAUTHENTICATED), every other one is
// RATE_LIMITED, the right password does not get in once the limit is
// reached, and it does once the window has passed.
func TestLogInThrottleHoldsUnderParallelAttempts(t *testing.T) {
	const attempts = 100
	for _, tc := range []struct {
		name string
		// wrong gives the address and email of the i-th wrong attempt;
		// right is the address the right password is then tried from.
		wrong func(i int, victim string) (ip, email string)
		right string
	}{
		{"one email from many addresses", func(i int, victim string) (string, string) {
			return fmt.Sprintf("127.0.1.%d", i+1), victim
		}, "127.0.2.1"},
		{"many emails from one address", func(i int, _ string) (string, string) {
			return "127.0.3.1", fmt.Sprintf("guess%d@example.com", i)
		}, "127.0.3.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := testenv.New(t)
			replica := env.Replica(t) // every other guess goes to a second replica
			clock := &fakeClock{now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
			env.App.Auth.SetClock(clock.Now)
			replica.App.Auth.SetClock(clock.Now)
			victim := env.SignUp(t, "Parallel Victim")

			var (
				wg       sync.WaitGroup
				mu       sync.Mutex
				codes    = map[string]int{}
				errs     []error
				limited  = make(chan struct{}) // closed at the first RATE_LIMITED
				once     sync.Once
				answered atomic.Int32
				start    = make(chan struct{})
			)
			for i := range attempts - 1 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					ip, email := tc.wrong(i, victim.Email)
					code, err := tryLogIn([]*testenv.Env{env, replica}[i%2], ip, email, "wrong password")
					mu.Lock()
					codes[code]++
					if err != nil {
						errs = append(errs, err)
					}
					mu.Unlock()
					if code == "RATE_LIMITED" {
						once.Do(func() { close(limited) })
					}
					if answered.Add(1) == attempts-1 {
						once.Do(func() { close(limited) })
					}
				}()
			}
			close(start)
			<-limited // the limit is reached (or, before the fix, every guess was answered)
			rightCode, err := tryLogIn(env, tc.right, victim.Email, ownerPassword)
			if err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			if len(errs) > 0 {
				t.Fatalf("requests failed: %v", errs)
			}
			if codes["UNAUTHENTICATED"] != auth.LoginMaxFailures || codes["RATE_LIMITED"] != attempts-1-auth.LoginMaxFailures {
				t.Fatalf("answers to %d parallel wrong passwords = %v; want %d UNAUTHENTICATED (compared) and the rest RATE_LIMITED",
					attempts-1, codes, auth.LoginMaxFailures)
			}
			if rightCode != "RATE_LIMITED" {
				t.Fatalf("the right password after the limit answered %q, want RATE_LIMITED", rightCode)
			}
			if n := countAction(auditLog(t, env, victim.Token), "auth.sign_in"); n != 0 {
				t.Fatalf("%d sign-ins audited while throttled", n)
			}

			clock.Advance(auth.LoginWindow + time.Second)
			if code, err := tryLogIn(env, tc.right, victim.Email, ownerPassword); err != nil || code != "" {
				t.Fatalf("logIn after the window = %q, %v; want a session", code, err)
			}
		})
	}
}

// TestLogInSuccessIsNotCountedAsFailure: an attempt is reserved before its
// password is compared; a right one gives its reservation back, so signing
// in again and again from one address never reaches the limit.
func TestLogInSuccessIsNotCountedAsFailure(t *testing.T) {
	env := testenv.New(t)
	clock := &fakeClock{now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)}
	env.App.Auth.SetClock(clock.Now)
	acct := env.SignUp(t, "Frequent Flyer")
	const ip = "127.0.4.1"
	for i := range auth.LoginMaxFailures - 1 { // one short of the limit, by IP
		wantError(t, logInFrom(t, env, ip, fmt.Sprintf("typo%d@example.com", i), ownerPassword), "UNAUTHENTICATED", "")
	}
	for i := range 2 * auth.LoginMaxFailures {
		if r := logInFrom(t, env, ip, acct.Email, ownerPassword); len(r.Errors) > 0 {
			t.Fatalf("sign-in %d from an address one failure short of the limit: %+v", i+1, r.Errors)
		}
	}
	wantError(t, logInFrom(t, env, ip, "typo-last@example.com", ownerPassword), "UNAUTHENTICATED", "")
	wantError(t, logInFrom(t, env, ip, acct.Email, ownerPassword), "RATE_LIMITED", "")
}
