package metaapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
)

const testToken = "EAAtoken"

// graph is a Graph API stand-in: it records each request and answers with
// the status and body the test set.
type graph struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []recorded
	status int
	answer string
}

type recorded struct {
	Method, Path, Auth, ContentType string
	Body                            []byte
}

func newGraph(t *testing.T, status int, answer string) *graph {
	g := &graph{t: t, status: status, answer: answer}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		g.reqs = append(g.reqs, recorded{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(g.status)
		io.WriteString(w, g.answer)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *graph) client() *Client {
	return &Client{BaseURL: g.srv.URL + "/v21.0/", HTTPClient: g.srv.Client()}
}

func (g *graph) only() recorded {
	g.t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.reqs) != 1 {
		g.t.Fatalf("Graph API got %d requests, want 1", len(g.reqs))
	}
	return g.reqs[0]
}

func (g *graph) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.reqs)
}

// sameJSON fails unless got and want are the same JSON value.
func sameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
}

func metaError(code int, typ, msg, details string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "code": code,
		"error_data": map[string]any{"messaging_product": "whatsapp", "details": details},
		"fbtrace_id": "AbCtrace",
	}})
	return string(b)
}
