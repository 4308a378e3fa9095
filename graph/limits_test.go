package graph_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"switchboard/ent/auditlog"
	"switchboard/internal/config"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

// Each test here is one probe of the hardening review: a request that once
// exhausted the server now gets a limit, a clear error, and the server
// keeps answering everyone else.

// stillAnswers fails the test unless the server answers an ordinary query.
func stillAnswers(t *testing.T, env *testenv.Env, token string) {
	t.Helper()
	var out struct{ Me struct{ ID string } }
	env.MustQuery(t, token, `{ me { id } }`, nil, &out)
	if out.Me.ID == "" {
		t.Fatal("server did not answer an ordinary query")
	}
}

func TestWebsocketMessagesOverTheLimitCloseTheSocket(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.MaxBodyBytes = 64 << 10 })
	owner := env.SignUp(t, "Socket Limit")
	for _, proto := range []string{"graphql-transport-ws", "graphql-ws"} {
		t.Run(proto+" oversized connection_init, unauthenticated", func(t *testing.T) {
			// A connection_init of 1 MiB, sixteen times the limit: the
			// server stops reading at the limit and closes with 1009.
			conn := dialProto(t, env, proto, nil, map[string]any{"junk": strings.Repeat("x", 1<<20)})
			_, ce := readUntilClosed(t, conn)
			if ce.Code != websocket.CloseMessageTooBig {
				t.Fatalf("closed with %d %q, want 1009 (message too big)", ce.Code, ce.Text)
			}
			stillAnswers(t, env, owner.Token)
		})
		t.Run(proto+" a message under the limit is served", func(t *testing.T) {
			conn := dialProto(t, env, proto, nil, map[string]any{
				"authorization": "Bearer " + owner.Token, "junk": strings.Repeat("x", 32<<10)})
			var m struct{ Type string }
			if err := conn.ReadJSON(&m); err != nil || m.Type != "connection_ack" {
				t.Fatalf("got %v %v, want connection_ack", m, err)
			}
		})
	}
}

func TestParserTokenLimit(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Token Limit")
	// { me { id id id … } }: validation compares every pair of same-named
	// fields, so 8,000 of them once kept a core busy for half a minute.
	r := env.Query(t, "", "{ me { "+strings.Repeat("id ", 8000)+"} }", nil)
	if r.Code() != "GRAPHQL_PARSE_FAILED" || !strings.Contains(r.Errors[0].Message, "token limit") {
		t.Fatalf("8,000 fields: %+v", r.Errors)
	}
	// Just under the limit the query is served: the limit, not something
	// else, refused the larger one.
	var out struct{ Me struct{ ID string } }
	env.MustQuery(t, owner.Token, "{ me { "+strings.Repeat("id ", 1900)+"} }", nil, &out)
	if out.Me.ID == "" {
		t.Fatal("1,900 fields were not served")
	}
}

// ordinaryInboxPage is API.md's ordinary inbox page, which every limit must pass.
const ordinaryInboxPage = `{ conversations(first: 50) { totalCount edges { cursor node {
  id status unreadCount lastMessageAt serviceWindowExpiresAt
  contact { id phone name profileName tags optInStatus }
  assignee { id name }
  lastMessage { id text type direction status createdAt }
  messages(first: 20) { totalCount edges { cursor node { id text type direction status createdAt
    } } pageInfo { hasNextPage endCursor } } } }
  pageInfo { hasNextPage endCursor } } }`

func TestComplexityPricesEveryConnection(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Complexity")
	env.MustQuery(t, owner.Token, ordinaryInboxPage, nil, nil)

	var b strings.Builder
	b.WriteString("{")
	for i := range 20 {
		fmt.Fprintf(&b, " c%d: conversations(first: 100) { edges { node { messages(first: 100) { edges { node { id text } } } } } }", i)
	}
	b.WriteString(" }")
	cases := []struct{ name, query string }{
		{"20 aliases of nested conversations", b.String()},
		{"one conversations × messages × contact conversations", `{ conversations(first: 100) { edges { node {
			messages(first: 100) { edges { node { conversation { contact { conversations(first: 100) { totalCount } } } } } } } } } }`},
		{"a page asked without first counts as a full page", `{ a: conversations { edges { node { messages { edges { node { id } } } } } }
			b: conversations { edges { node { messages { edges { node { id } } } } } } }`},
		{"nodes by id costs per id", `{ a: contacts(first: 100) { edges { node { conversations(first: 100) { edges { node { id } } } } } }
			b: contacts(first: 100) { edges { node { conversations(first: 100) { edges { node { id } } } } } }
			c: contacts(first: 100) { edges { node { conversations(first: 100) { edges { node { id } } } } } } }`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := env.Query(t, owner.Token, tc.query, nil)
			if r.Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
				t.Fatalf("got %+v, want COMPLEXITY_LIMIT_EXCEEDED", r.Errors)
			}
		})
	}
	stillAnswers(t, env, owner.Token)
}

func TestDepthLimit(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Depth")
	q := "id"
	for range 25 { // 50 levels of conversation { lastMessage { … } }
		q = "conversation { lastMessage { " + q + " } }"
	}
	r := env.Query(t, owner.Token, `{ conversations(first: 1) { edges { node { lastMessage { `+q+` } } } } }`, nil)
	if r.Code() != "COMPLEXITY_LIMIT_EXCEEDED" || !strings.Contains(r.Errors[0].Message, "nested too deeply") {
		t.Fatalf("50 levels: %+v", r.Errors)
	}
	// Fragments do not hide depth.
	frag := `fragment L on Message { conversation { lastMessage { conversation { lastMessage { conversation { lastMessage {
		conversation { lastMessage { conversation { lastMessage { conversation { lastMessage { id } } } } } } } } } } } } }`
	r = env.Query(t, owner.Token, `{ conversations(first: 1) { edges { node { lastMessage { ...L } } } } } `+frag, nil)
	if r.Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("deep fragment: %+v", r.Errors)
	}
	// The ordinary inbox page and GraphiQL's introspection query pass.
	env.MustQuery(t, owner.Token, ordinaryInboxPage, nil, nil)
	env.MustQuery(t, "", introspectionQuery, nil, nil)
}

func TestIntrospectionSwitch(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.Introspection = false })
	r := env.Query(t, "", introspectionQuery, nil)
	if len(r.Errors) == 0 || r.Code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "introspection is disabled") {
		t.Fatalf("introspection with GRAPHQL_INTROSPECTION=false: %+v", r.Errors)
	}
	owner := env.SignUp(t, "No Introspection")
	stillAnswers(t, env, owner.Token)
}

func TestWholeTenantExportIsPricedByWhatItReads(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Exporter")
	var b strings.Builder
	b.WriteString("{")
	for i := range 50 {
		fmt.Fprintf(&b, " e%d: exportContacts", i)
	}
	b.WriteString(" }")
	audits := func() int {
		return env.DB.Client.AuditLog.Query().Where(auditlog.Action("contacts.export")).CountX(viewer.System(t.Context()))
	}
	r := env.Query(t, owner.Token, b.String(), nil)
	if r.Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("50 exports in one request: %+v", r.Errors)
	}
	if n := audits(); n != 0 {
		t.Fatalf("a refused request wrote %d audit entries", n)
	}
	r = env.Query(t, owner.Token, `{ a: exportContacts b: exportContacts }`, nil)
	if r.Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("two exports in one request: %+v", r.Errors)
	}
	// One export, with ordinary fields beside it, is served.
	env.MustQuery(t, owner.Token, `{ exportContacts me { id } }`, nil, nil)
	if n := audits(); n != 1 {
		t.Fatalf("%d audit entries after one export", n)
	}
}

func TestMalformedBodiesAreBadRequests(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Malformed")
	cases := []struct{ name, body, want string }{
		{"a JSON array", `[1, 2]`, "could not be decoded"},
		{"a batch", `[{"query": "{ me { id } }"}]`, "could not be decoded"},
		{"variables nested past the decoder's depth", `{"query": "query($a: JSON) { me { id } }", "variables": {"a": ` +
			strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}`, "could not be decoded"},
		{"not JSON", `{"query": `, "could not be decoded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, env.Server.URL+"/graphql", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte(tc.want)) {
				t.Fatalf("%d %s", res.StatusCode, body)
			}
			// Clear, not INTERNAL (the old panic), and the body is not
			// echoed back.
			if bytes.Contains(body, []byte("INTERNAL")) || bytes.Contains(body, []byte("body:")) {
				t.Fatalf("answer: %s", body)
			}
			stillAnswers(t, env, owner.Token)
		})
	}
}

// introspectionQuery is what GraphiQL sends (graphql-js's
// getIntrospectionQuery with descriptions).
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}`
