package metaapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// TemplateDraft is a template submitted for Meta's review. Components are
// Meta's own component array (HEADER, BODY, FOOTER, BUTTONS), sent as they
// are: callers validate them first (internal/templates).
type TemplateDraft struct {
	Name            string          `json:"name"`
	Language        string          `json:"language"`
	Category        string          `json:"category"` // MARKETING, UTILITY, AUTHENTICATION
	Components      json.RawMessage `json:"components"`
	ParameterFormat string          `json:"parameter_format,omitempty"` // POSITIONAL or NAMED
}

// CreatedTemplate is Meta's answer to a submission: its id (kept as a
// string; the review webhook sends it as a number), PENDING, and the
// category Meta gave it (which may differ from the one asked for).
type CreatedTemplate struct {
	ID       string
	Status   string
	Category string
}

// TemplateInfo is one template of a WABA as the list endpoint returns it.
type TemplateInfo struct {
	ID              string
	Name            string
	Language        string
	Status          string
	Category        string
	ParameterFormat string
	RejectedReason  string // "NONE" when not rejected
	QualityScore    string // GREEN, YELLOW, RED, UNKNOWN, or ""
	Components      json.RawMessage
}

// TemplatePage is one page of ListTemplates. After is the cursor of the
// next page, "" on the last one.
type TemplatePage struct {
	Templates []TemplateInfo
	After     string
}

// flexID reads an id sent as a JSON string or number.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id: want a string or a number, got %.24s", b)
	}
	*f = flexID(n.String())
	return nil
}

// CreateTemplate submits t to the WABA (POST /{waba_id}/message_templates).
// Meta answers at once with the template's id and PENDING; its verdict
// comes later as a message_template_status_update webhook.
func (c *Client) CreateTemplate(ctx context.Context, token, wabaID string, t TemplateDraft) (*CreatedTemplate, error) {
	if err := checkWABA(token, wabaID); err != nil {
		return nil, err
	}
	switch {
	case t.Name == "":
		return nil, invalid("name", "is empty")
	case t.Language == "":
		return nil, invalid("language", "is empty")
	case t.Category == "":
		return nil, invalid("category", "is empty")
	case len(bytes.TrimSpace(t.Components)) == 0:
		return nil, invalid("components", "is empty")
	}
	var out struct {
		ID       flexID `json:"id"`
		Status   string `json:"status"`
		Category string `json:"category"`
	}
	if err := c.postJSON(ctx, token, c.endpoint(wabaID, "message_templates"), t, &out); err != nil {
		return nil, err
	}
	if out.ID == "" {
		return nil, &TransportError{Method: "POST", Path: "/" + wabaID + "/message_templates", Sent: true,
			Err: fmt.Errorf("answer names no template id")}
	}
	return &CreatedTemplate{ID: string(out.ID), Status: out.Status, Category: out.Category}, nil
}

// templateFields are the fields asked of the list endpoint.
const templateFields = "id,name,language,status,category,components,parameter_format,rejected_reason,quality_score"

// ListTemplates returns one page of the WABA's templates (GET
// /{waba_id}/message_templates), starting after the cursor after ("" for
// the first page); limit 0 leaves the page size to Meta.
func (c *Client) ListTemplates(ctx context.Context, token, wabaID, after string, limit int) (*TemplatePage, error) {
	if err := checkWABA(token, wabaID); err != nil {
		return nil, err
	}
	q := url.Values{"fields": {templateFields}}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Data []struct {
			ID              flexID          `json:"id"`
			Name            string          `json:"name"`
			Language        string          `json:"language"`
			Status          string          `json:"status"`
			Category        string          `json:"category"`
			ParameterFormat string          `json:"parameter_format"`
			RejectedReason  string          `json:"rejected_reason"`
			Components      json.RawMessage `json:"components"`
			QualityScore    *struct {
				Score string `json:"score"`
			} `json:"quality_score"`
		} `json:"data"`
		Paging struct {
			Cursors struct {
				After string `json:"after"`
			} `json:"cursors"`
			Next string `json:"next"`
		} `json:"paging"`
	}
	endpoint := c.endpoint(wabaID, "message_templates") + "?" + q.Encode()
	if err := c.doJSON(ctx, token, http.MethodGet, endpoint, "", nil, &out); err != nil {
		return nil, err
	}
	page := &TemplatePage{Templates: make([]TemplateInfo, 0, len(out.Data))}
	for _, d := range out.Data {
		ti := TemplateInfo{ID: string(d.ID), Name: d.Name, Language: d.Language, Status: d.Status,
			Category: d.Category, ParameterFormat: d.ParameterFormat, RejectedReason: d.RejectedReason,
			Components: d.Components}
		if d.QualityScore != nil {
			ti.QualityScore = d.QualityScore.Score
		}
		page.Templates = append(page.Templates, ti)
	}
	// Meta names a next page only when there is one; the last page still
	// carries cursors.
	if out.Paging.Next != "" {
		page.After = out.Paging.Cursors.After
	}
	return page, nil
}

// maxTemplatePages bounds AllTemplates: 6,000 templates (a verified
// WABA's limit) at Meta's smallest sensible page size, with room to spare.
const maxTemplatePages = 1000

// AllTemplates pulls every page of the WABA's templates.
func (c *Client) AllTemplates(ctx context.Context, token, wabaID string, pageSize int) ([]TemplateInfo, error) {
	var all []TemplateInfo
	after := ""
	for range maxTemplatePages {
		page, err := c.ListTemplates(ctx, token, wabaID, after, pageSize)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Templates...)
		if page.After == "" || page.After == after {
			return all, nil
		}
		after = page.After
	}
	return nil, fmt.Errorf("metaapi: templates of %s: more than %d pages", wabaID, maxTemplatePages)
}

// DeleteTemplate deletes the WABA's template name (DELETE
// /{waba_id}/message_templates?name=…): every language of it, or only the
// one with Meta's id hsmID when given.
func (c *Client) DeleteTemplate(ctx context.Context, token, wabaID, name, hsmID string) error {
	if err := checkWABA(token, wabaID); err != nil {
		return err
	}
	if name == "" {
		return invalid("name", "is empty")
	}
	q := url.Values{"name": {name}}
	if hsmID != "" {
		q.Set("hsm_id", hsmID)
	}
	var out struct {
		Success bool `json:"success"`
	}
	endpoint := c.endpoint(wabaID, "message_templates") + "?" + q.Encode()
	if err := c.doJSON(ctx, token, http.MethodDelete, endpoint, "", nil, &out); err != nil {
		return err
	}
	if !out.Success {
		return &TransportError{Method: "DELETE", Path: "/" + wabaID + "/message_templates", Sent: true,
			Err: fmt.Errorf("answer does not say success")}
	}
	return nil
}

func checkWABA(token, wabaID string) error {
	if err := checkToken(token); err != nil {
		return err
	}
	if wabaID == "" {
		return invalid("waba_id", "is empty")
	}
	return nil
}
