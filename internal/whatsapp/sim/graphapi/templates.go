package graphapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// Template errors as Meta answers them (META.md: 132015 paused, 132016
// disabled; 132001 a template that does not exist, or not approved, in
// that language; 132000 the wrong number of parameters).
var (
	errTemplateMissing = apiError{132001, "OAuthException", "(#132001) Template name does not exist in the translation", "template name (%s) does not exist in %s"}
	errTemplateParams  = apiError{132000, "OAuthException", "(#132000) Number of parameters does not match the expected number of params", "body: number of localizable_params (%d) does not match the expected number of params (%d)"}
	errTemplatePaused  = apiError{132015, "OAuthException", "(#132015) Cannot send message as the template has been paused", "Template is paused due to low quality so it cannot be sent in a template message."}
	errTemplateOff     = apiError{132016, "OAuthException", "(#132016) Cannot send message as the template has been disabled", "Template has been paused too many times due to low quality and is now permanently disabled."}
	errTemplateExists  = apiError{100, "OAuthException", "(#100) Invalid parameter", "Content in this language already exists"}
	errTemplateUnknown = apiError{100, "OAuthException", "(#100) Invalid parameter", "Template name does not exist"}
)

// simTemplate is a template of a WABA as the simulator keeps it.
type simTemplate struct {
	id                                int64
	waba, name, language, category    string
	status, format, rejected, quality string
	components                        json.RawMessage
	bodyVars                          int
}

var (
	simTemplateName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,511}$`)
	simVariable     = regexp.MustCompile(`\{\{[^{}]+\}\}`)
)

// firstTemplateID numbers the simulator's templates the way Meta's look:
// 15-digit numbers, which the review webhook sends as JSON numbers.
const firstTemplateID = 594425479261000

// seedTemplates gives the WABA Meta's sample template, approved, as every
// new account has it.
func (s *Server) seedTemplates() {
	s.templates = append(s.templates, &simTemplate{id: firstTemplateID, waba: s.cfg.WABAID, name: "hello_world",
		language: "en_US", category: "UTILITY", status: "APPROVED", format: "POSITIONAL", quality: "GREEN",
		components: json.RawMessage(`[{"type":"HEADER","format":"TEXT","text":"Hello World"},` +
			`{"type":"BODY","text":"Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification from the Cloud API, hosted by Meta."},` +
			`{"type":"FOOTER","text":"WhatsApp Business Platform sample message"}]`)})
}

// findTemplate is the live (not deleted) template name in language, in
// any WABA the simulator serves; callers hold mu.
func (s *Server) findTemplate(waba, name, language string) *simTemplate {
	for _, t := range s.templates {
		if t.status != "DELETED" && t.name == name && t.language == language && (waba == "" || t.waba == waba) {
			return t
		}
	}
	return nil
}

// TemplateCalls is how many create requests the template endpoint got,
// refused ones included: a client that validates first sends none of its
// bad inputs.
func (s *Server) TemplateCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.templateCalls
}

// TemplateStatus is the status the simulator holds for name in language,
// "" if it has none.
func (s *Server) TemplateStatus(name, language string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.findTemplate("", name, language); t != nil {
		return t.status
	}
	return ""
}

// handleCreateTemplate is POST /{version}/{waba}/message_templates: the
// template is PENDING, and after TemplateReviewDelay the review webhook
// says APPROVED, or REJECTED when its name contains RejectTemplateWord.
func (s *Server) handleCreateTemplate(w http.ResponseWriter, r *http.Request) {
	waba := r.PathValue("waba")
	s.mu.Lock()
	s.templateCalls++
	s.mu.Unlock()
	var req struct {
		Name            string          `json:"name"`
		Language        string          `json:"language"`
		Category        string          `json:"category"`
		Components      json.RawMessage `json:"components"`
		ParameterFormat string          `json:"parameter_format"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, errBadParam.with("Request body is not valid JSON"))
		return
	}
	var comps []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	body, hasBody := "", false
	if json.Unmarshal(req.Components, &comps) == nil {
		for _, c := range comps {
			if strings.EqualFold(c.Type, "BODY") {
				body, hasBody = c.Text, true
			}
		}
	}
	switch {
	case !simTemplateName.MatchString(req.Name):
		writeError(w, http.StatusBadRequest, errBadParam.with("Param name must be lowercase letters, digits and underscores."))
		return
	case req.Language == "":
		writeError(w, http.StatusBadRequest, errBadParam.with("The parameter language is required."))
		return
	case req.Category != "MARKETING" && req.Category != "UTILITY" && req.Category != "AUTHENTICATION":
		writeError(w, http.StatusBadRequest, errBadParam.with("Param category must be one of {MARKETING, UTILITY, AUTHENTICATION}."))
		return
	case !hasBody:
		writeError(w, http.StatusBadRequest, errBadParam.with("Param components must contain a BODY component."))
		return
	}
	format := strings.ToUpper(req.ParameterFormat)
	if format == "" {
		format = "POSITIONAL"
	}
	s.mu.Lock()
	if s.findTemplate(waba, req.Name, req.Language) != nil {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, errTemplateExists)
		return
	}
	t := &simTemplate{id: firstTemplateID + int64(len(s.templates)), waba: waba, name: req.Name, language: req.Language,
		category: req.Category, status: "PENDING", format: format, quality: "UNKNOWN", components: req.Components,
		bodyVars: countVars(body)}
	s.templates = append(s.templates, t)
	s.mu.Unlock()
	s.review(t)
	writeJSON(w, http.StatusOK, map[string]any{"id": strconv.FormatInt(t.id, 10), "status": "PENDING", "category": t.category})
}

// review sends Meta's verdict on t after TemplateReviewDelay.
func (s *Server) review(t *simTemplate) {
	event := sim.TemplateReview{Event: "APPROVED", ID: t.id, Name: t.name, Language: t.language, Category: t.category, Reason: "NONE"}
	if w := s.cfg.RejectTemplateWord; w != "" && strings.Contains(t.name, w) {
		event.Event, event.Reason = "REJECTED", "INVALID_FORMAT"
		event.RejectionReason = "INVALID_FORMAT"
		event.Recommendation = fmt.Sprintf("Remove %q from the template: it breaks WhatsApp's Commerce Policy.", w)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.wg.Go(func() {
		select {
		case <-s.done:
			return
		case <-time.After(s.cfg.TemplateReviewDelay):
		}
		s.mu.Lock()
		t.status = event.Event
		if event.Event == "REJECTED" {
			t.rejected = event.RejectionReason
		}
		s.mu.Unlock()
		_ = s.postTemplateEvent(context.Background(), t.waba, event)
	})
}

// postTemplateEvent sends a signed message_template_status_update.
func (s *Server) postTemplateEvent(ctx context.Context, waba string, ev sim.TemplateReview) error {
	if s.cfg.Target == "" {
		return nil
	}
	body, err := sim.Marshal(sim.TemplateStatus(waba, ev, time.Now()))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	status, err := sim.Post(ctx, s.client, s.cfg.Target, s.cfg.AppSecret, body)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("graphapi: template webhook answered %d", status)
	}
	return err
}

// PauseTemplate pauses every language of name, as Meta does when a
// template's quality drops, and delivers the PAUSED webhook (FIRST_PAUSE)
// before it returns. Sends of the template answer 132015 from now on.
func (s *Server) PauseTemplate(ctx context.Context, name string) error {
	s.mu.Lock()
	var paused []*simTemplate
	for _, t := range s.templates {
		if t.name == name && t.status != "DELETED" {
			t.status = "PAUSED"
			paused = append(paused, t)
		}
	}
	s.mu.Unlock()
	if len(paused) == 0 {
		return fmt.Errorf("graphapi: no template %q", name)
	}
	for _, t := range paused {
		err := s.postTemplateEvent(ctx, t.waba, sim.TemplateReview{Event: "PAUSED", ID: t.id, Name: t.name,
			Language: t.language, Category: t.category, Reason: "NONE", OtherTitle: "FIRST_PAUSE",
			OtherDescription: "Your WhatsApp message template has been paused for 3 hours until " +
				time.Now().Add(3*time.Hour).UTC().Format(time.RFC1123) + " due to low quality."})
		if err != nil {
			return err
		}
	}
	return nil
}

// handlePauseTemplate is POST /_sim/templates/pause?name=… (simulator only).
func (s *Server) handlePauseTemplate(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	if name == "" {
		http.Error(w, "want ?name=", http.StatusBadRequest)
		return
	}
	if err := s.PauseTemplate(r.Context(), name); err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleListTemplates is GET /{version}/{waba}/message_templates with
// Meta's cursor paging (limit, after; paging.next only when a page
// follows).
func (s *Server) handleListTemplates(w http.ResponseWriter, r *http.Request) {
	waba, q := r.PathValue("waba"), r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	if s.cfg.TemplatePageSize > 0 && limit > s.cfg.TemplatePageSize {
		limit = s.cfg.TemplatePageSize
	}
	start := 0
	if a := q.Get("after"); a != "" {
		n, err := decodeCursor(a)
		if err != nil {
			writeError(w, http.StatusBadRequest, errBadParam.with("Invalid cursor"))
			return
		}
		start = n
	}
	s.mu.Lock()
	var live []*simTemplate
	for _, t := range s.templates {
		if t.waba == waba && t.status != "DELETED" {
			live = append(live, t)
		}
	}
	data := []any{}
	for i := start; i < len(live) && i < start+limit; i++ {
		t := live[i]
		data = append(data, map[string]any{"id": strconv.FormatInt(t.id, 10), "name": t.name, "language": t.language,
			"status": t.status, "category": t.category, "parameter_format": t.format, "components": t.components,
			"rejected_reason": orNone(t.rejected), "quality_score": map[string]any{"score": t.quality}})
	}
	total := len(live)
	s.mu.Unlock()
	end := start + len(data)
	paging := map[string]any{"cursors": map[string]any{"before": encodeCursor(start), "after": encodeCursor(end)}}
	if end < total {
		paging["next"] = "http://" + r.Host + r.URL.Path + "?limit=" + strconv.Itoa(limit) + "&after=" + encodeCursor(end)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "paging": paging})
}

// handleDeleteTemplate is DELETE /{version}/{waba}/message_templates?name=…[&hsm_id=…].
func (s *Server) handleDeleteTemplate(w http.ResponseWriter, r *http.Request) {
	waba, q := r.PathValue("waba"), r.URL.Query()
	name, hsm := q.Get("name"), q.Get("hsm_id")
	if name == "" {
		writeError(w, http.StatusBadRequest, errBadParam.with("The parameter name is required."))
		return
	}
	s.mu.Lock()
	n := 0
	for _, t := range s.templates {
		if t.waba == waba && t.name == name && t.status != "DELETED" && (hsm == "" || strconv.FormatInt(t.id, 10) == hsm) {
			t.status = "DELETED"
			n++
		}
	}
	s.mu.Unlock()
	if n == 0 {
		writeError(w, http.StatusBadRequest, errTemplateUnknown)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
}

// checkTemplate refuses a template send as Meta does: unknown or not
// approved in that language, paused, disabled, or with the wrong number
// of body parameters.
func (s *Server) checkTemplate(raw json.RawMessage) *apiError {
	if s.cfg.LenientTemplates {
		return nil
	}
	var req struct {
		Name     string `json:"name"`
		Language struct {
			Code string `json:"code"`
		} `json:"language"`
		Components []struct {
			Type       string            `json:"type"`
			Parameters []json.RawMessage `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		e := errBadParam.with("Param template is not an object")
		return &e
	}
	params := 0
	for _, c := range req.Components {
		if strings.EqualFold(c.Type, "body") {
			params += len(c.Parameters)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findTemplate("", req.Name, req.Language.Code)
	switch {
	case t == nil || (t.status != "APPROVED" && t.status != "PAUSED" && t.status != "DISABLED"):
		e := errTemplateMissing.with(fmt.Sprintf(errTemplateMissing.details, req.Name, req.Language.Code))
		return &e
	case t.status == "PAUSED":
		return &errTemplatePaused
	case t.status == "DISABLED":
		return &errTemplateOff
	case params != t.bodyVars:
		e := errTemplateParams.with(fmt.Sprintf(errTemplateParams.details, params, t.bodyVars))
		return &e
	}
	return nil
}

// countVars counts a body's distinct variables.
func countVars(body string) int {
	seen := map[string]bool{}
	for _, v := range simVariable.FindAllString(body, -1) {
		seen[v] = true
	}
	return len(seen)
}

func orNone(s string) string {
	if s == "" {
		return "NONE"
	}
	return s
}

func encodeCursor(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("tpl:" + strconv.Itoa(n)))
}

func decodeCursor(c string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, err
	}
	s, ok := strings.CutPrefix(string(b), "tpl:")
	if !ok {
		return 0, errors.New("not a cursor")
	}
	return strconv.Atoi(s)
}
