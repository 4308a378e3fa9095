package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/config"
	"switchboard/internal/testenv"
)

func get(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestHealthReadinessMetricsPlayground(t *testing.T) {
	env := testenv.New(t)
	if res, body := get(t, env.Server.URL+"/healthz", nil); res.StatusCode != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", res.StatusCode, body)
	}
	res, _ := get(t, env.Server.URL+"/readyz", map[string]string{"X-Request-Id": "abc123"})
	if res.StatusCode != 200 || res.Header.Get("X-Request-Id") != "abc123" {
		t.Fatalf("readyz: %d, request id %q", res.StatusCode, res.Header.Get("X-Request-Id"))
	}
	env.SignUp(t, "Metrics Person")
	res, body := get(t, env.Server.URL+"/metrics", nil)
	if res.StatusCode != 200 || !strings.Contains(body, `switchboard_http_requests_total{code="200",method="POST",route="/graphql"} 1`) ||
		!strings.Contains(body, "switchboard_http_request_duration_seconds_bucket") {
		t.Fatalf("metrics: %d\n%s", res.StatusCode, body)
	}
	if res, body := get(t, env.Server.URL+"/playground", nil); res.StatusCode != 200 || !strings.Contains(body, "/graphql") {
		t.Fatalf("playground: %d", res.StatusCode)
	}
	// Storage down: not ready, and GraphQL answers INTERNAL without SQL text.
	acct := env.SignUp(t, "Down Time")
	env.DB.SQL.Close()
	if res, _ := get(t, env.Server.URL+"/readyz", nil); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with storage down: %d", res.StatusCode)
	}
	r := env.Query(t, acct.Token, `{ tenant { id } }`, nil)
	if r.Code() != "UNAUTHENTICATED" && r.Code() != "INTERNAL" {
		t.Fatalf("with storage down: %+v", r.Errors)
	}
	if strings.Contains(strings.ToLower(r.Errors[0].Message), "sql") {
		t.Fatalf("error leaks SQL: %q", r.Errors[0].Message)
	}
}

func TestCORS(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.CORSAllowedOrigins = []string{"https://app.example.com"} })
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, env.Server.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if got := preflight("https://app.example.com").Header.Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
		t.Fatalf("allowed origin: Access-Control-Allow-Origin = %q", got)
	}
	if got := preflight("https://evil.example.com").Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("other origin allowed: %q", got)
	}
}

func TestRequestLimits(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.MaxBodyBytes = 4096 })
	acct := env.SignUp(t, "Limits Person")

	big := `{"query":"{ me { id } }","variables":{"pad":"` + strings.Repeat("x", 8192) + `"}}`
	req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/graphql", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: status %d, want 413", res.StatusCode)
	}

	r := env.Query(t, acct.Token, `{ contacts(first: 101) { totalCount } }`, nil)
	if r.Code() != "BAD_USER_INPUT" || r.Field() != "first" {
		t.Fatalf("first: 101: %+v", r.Errors)
	}
	r = env.Query(t, acct.Token, `{ auditLogs(last: -1) { totalCount } }`, nil)
	if r.Code() != "BAD_USER_INPUT" || r.Field() != "last" {
		t.Fatalf("last: -1: %+v", r.Errors)
	}

	deep := `{ contacts(first: 100) { edges { node { conversations(first: 100) { edges { node {
		messages(first: 100) { edges { node { id text } } } } } } } } } }`
	r = env.Query(t, acct.Token, deep, nil)
	if len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "complexity") {
		t.Fatalf("a million-row query passed the complexity limit: %+v", r.Errors)
	}
}

func TestOrdinaryInboxPagePassesComplexityLimit(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Inbox Person")
	page := `{ contacts(first: 50) { totalCount edges { cursor node { id phone name tags optInStatus
		conversations(first: 5) { edges { node { id status unreadCount lastMessageAt serviceWindowExpiresAt
			lastMessage { id text status createdAt }
			messages(first: 20) { edges { node { id direction type text status createdAt } } } } } } } }
		pageInfo { hasNextPage endCursor } } }`
	r := env.Query(t, acct.Token, page, nil)
	if len(r.Errors) != 0 {
		t.Fatalf("ordinary page refused: %+v", r.Errors)
	}
}
