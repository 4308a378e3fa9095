package metaapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
)

// TestCreateTemplate posts Meta's body to /{waba_id}/message_templates and
// reads the id whether Meta sends it as a string or a number.
func TestCreateTemplate(t *testing.T) {
	for _, answer := range []string{
		`{"id":"594425479261596","status":"PENDING","category":"MARKETING"}`,
		`{"id":594425479261596,"status":"PENDING","category":"MARKETING"}`,
	} {
		g := newGraph(t, http.StatusOK, answer)
		got, err := g.client().CreateTemplate(context.Background(), testToken, "1022", TemplateDraft{
			Name: "order_update", Language: "en_US", Category: "UTILITY", ParameterFormat: "POSITIONAL",
			Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{1}}","example":{"body_text":[["Ann"]]}}]`),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "594425479261596" || got.Status != "PENDING" || got.Category != "MARKETING" {
			t.Errorf("created %+v", got)
		}
		r := g.only()
		if r.Method != http.MethodPost || r.Path != "/v21.0/1022/message_templates" || r.Auth != "Bearer "+testToken {
			t.Errorf("request %s %s %q", r.Method, r.Path, r.Auth)
		}
		sameJSON(t, r.Body, `{"name":"order_update","language":"en_US","category":"UTILITY","parameter_format":"POSITIONAL",
			"components":[{"type":"BODY","text":"Hi {{1}}","example":{"body_text":[["Ann"]]}}]}`)
	}
}

// TestCreateTemplateErrors: Meta's refusal is an *APIError with its code;
// missing inputs are refused before anything is sent.
func TestCreateTemplateErrors(t *testing.T) {
	g := newGraph(t, http.StatusBadRequest, metaError(100, "OAuthException", "Invalid parameter", "Content in this language already exists"))
	_, err := g.client().CreateTemplate(context.Background(), testToken, "1022", TemplateDraft{
		Name: "x", Language: "en", Category: "UTILITY", Components: json.RawMessage(`[]`)})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != 100 || ae.Details != "Content in this language already exists" {
		t.Fatalf("err = %v", err)
	}
	for _, d := range []TemplateDraft{{Language: "en", Category: "UTILITY", Components: json.RawMessage(`[]`)},
		{Name: "x", Category: "UTILITY", Components: json.RawMessage(`[]`)}, {Name: "x", Language: "en", Category: "UTILITY"}} {
		var ve *ValidationError
		if _, err := g.client().CreateTemplate(context.Background(), testToken, "1022", d); !errors.As(err, &ve) {
			t.Errorf("%+v: err = %v, want a ValidationError", d, err)
		}
	}
	if _, err := g.client().CreateTemplate(context.Background(), testToken, "", TemplateDraft{}); err == nil {
		t.Error("no WABA id accepted")
	}
	if g.count() != 1 {
		t.Errorf("Meta got %d requests, want 1", g.count())
	}
}

// pagedTemplates serves n templates, size per page, with Meta's cursors;
// the last page has cursors but no next.
func pagedTemplates(t *testing.T, n, size int) (*httptest.Server, *[]url.Values) {
	var queries []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/v21.0/1022/message_templates" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		q := r.URL.Query()
		queries = append(queries, q)
		start := 0
		if a := q.Get("after"); a != "" {
			start, _ = strconv.Atoi(a)
		}
		var data []any
		for i := start; i < n && i < start+size; i++ {
			data = append(data, map[string]any{"id": fmt.Sprint(1000 + i), "name": fmt.Sprintf("t%d", i), "language": "en",
				"status": "APPROVED", "category": "UTILITY", "parameter_format": "POSITIONAL", "rejected_reason": "NONE",
				"quality_score": map[string]any{"score": "GREEN"},
				"components":    []any{map[string]any{"type": "BODY", "text": "hello"}}})
		}
		end := start + len(data)
		paging := map[string]any{"cursors": map[string]any{"before": strconv.Itoa(start), "after": strconv.Itoa(end)}}
		if end < n {
			paging["next"] = "https://graph.facebook.com/v21.0/1022/message_templates?after=" + strconv.Itoa(end)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": data, "paging": paging})
	}))
	t.Cleanup(srv.Close)
	return srv, &queries
}

func TestListTemplatesPages(t *testing.T) {
	srv, queries := pagedTemplates(t, 7, 3)
	c := &Client{BaseURL: srv.URL + "/v21.0"}
	page, err := c.ListTemplates(context.Background(), testToken, "1022", "", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Templates) != 3 || page.After != "3" {
		t.Fatalf("first page: %d templates, after %q", len(page.Templates), page.After)
	}
	first := page.Templates[0]
	if first.ID != "1000" || first.Name != "t0" || first.Status != "APPROVED" || first.QualityScore != "GREEN" ||
		first.RejectedReason != "NONE" || string(first.Components) == "" {
		t.Errorf("first template %+v", first)
	}
	if q := (*queries)[0]; q.Get("limit") != "3" || q.Get("fields") == "" || q.Has("after") {
		t.Errorf("first query %v", q)
	}
	all, err := c.AllTemplates(context.Background(), testToken, "1022", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 7 || all[6].Name != "t6" {
		t.Fatalf("AllTemplates: %d templates", len(all))
	}
	if len(*queries) != 1+3 || (*queries)[3].Get("after") != "6" {
		t.Errorf("pages asked: %v", *queries)
	}
}

func TestDeleteTemplate(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"success":true}`)
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL + "/v21.0"}
	if err := c.DeleteTemplate(context.Background(), testToken, "1022", "order_update", "594425"); err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodDelete || got.URL.Path != "/v21.0/1022/message_templates" ||
		got.URL.Query().Get("name") != "order_update" || got.URL.Query().Get("hsm_id") != "594425" {
		t.Errorf("request %s %s", got.Method, got.URL)
	}
	if err := c.DeleteTemplate(context.Background(), testToken, "1022", "", ""); err == nil {
		t.Error("no name accepted")
	}

	g := newGraph(t, http.StatusBadRequest, metaError(100, "OAuthException", "Invalid parameter", "Template name does not exist"))
	var ae *APIError
	if err := g.client().DeleteTemplate(context.Background(), testToken, "1022", "nope", ""); !errors.As(err, &ae) || ae.Code != 100 {
		t.Errorf("err = %v", err)
	}
}
