package templates

import (
	"context"
	"encoding/json"
	"strings"

	"switchboard/ent"
	"switchboard/ent/template"
	"switchboard/internal/apperr"
	"switchboard/internal/metaapi"
	"switchboard/internal/pulid"
)

// maxParameter bounds one parameter's text; Meta's body is at most 1,024
// characters before substitution, and a parameter longer than a message
// is a mistake.
const maxParameter = 1024

// Send is a template send ready for the outbox: what goes to Meta and the
// body as the inbox shows it.
type Send struct {
	Template *metaapi.Template
	Text     string
}

// ForSend checks that the template templateID can be sent in the
// conversation with params (the body's variables, in order of first
// appearance) and builds the send. The template must be the tenant's
// (NOT_FOUND otherwise), of the conversation's channel and APPROVED
// (BAD_USER_INPUT on input.template.templateId), and params must fill the
// body exactly (input.template.parameters). A conversation that does not
// exist, or another tenant's, is NOT_FOUND on conversationId.
func ForSend(ctx context.Context, c *ent.Client, conversationID, templateID pulid.ID, params []string) (*Send, error) {
	t, err := c.Template.Get(ctx, templateID)
	if ent.IsNotFound(err) {
		return nil, ErrSendNoTemplate
	}
	if err != nil {
		return nil, err
	}
	conv, err := c.Conversation.Get(ctx, conversationID)
	if ent.IsNotFound(err) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "conversationId", Message: "no conversation with that id"}
	}
	if err != nil {
		return nil, err
	}
	if t.ChannelID != conv.ChannelID {
		return nil, apperr.Input("input.template.templateId", "template %s belongs to another channel than the conversation's", t.Name)
	}
	return Build(t, params)
}

// Build checks that t can be sent with params (the body's variables, in
// order of first appearance) and builds the send: t must be APPROVED
// (BAD_USER_INPUT on input.template.templateId) and params must fill its
// body exactly (input.template.parameters). Campaigns build each
// recipient's send with it.
func Build(t *ent.Template, params []string) (*Send, error) {
	const field = "input.template.templateId"
	if t.Status != template.StatusAPPROVED {
		return nil, apperr.Input(field, "template %s is %s: only APPROVED templates can be sent", t.Name, t.Status)
	}
	sh := shapeOf(t)
	if sh.extra && t.Category != template.CategoryAUTHENTICATION {
		return nil, apperr.Input(field, "template %s needs header or button parameters, which sendMessage does not take: send a template whose only variables are in its body", t.Name)
	}
	if len(params) != len(sh.vars) {
		return nil, apperr.Input("input.template.parameters", "template %s has %d body variables: give %d parameters, got %d",
			t.Name, len(sh.vars), len(sh.vars), len(params))
	}
	for _, p := range params {
		switch {
		case strings.TrimSpace(p) == "" || len(p) > maxParameter:
			return nil, apperr.Input("input.template.parameters", "each parameter is 1 to %d characters", maxParameter)
		case strings.ContainsAny(p, "\n\t") || strings.Contains(p, "     "):
			return nil, apperr.Input("input.template.parameters", "Meta refuses parameters with new lines, tabs or more than 4 spaces in a row")
		}
	}
	out := &metaapi.Template{Name: t.Name, Language: t.Language}
	if len(params) > 0 {
		body := metaapi.TemplateComponent{Type: "body"}
		for i, p := range params {
			tp := metaapi.TemplateParameter{Type: "text", Text: p}
			if t.ParameterFormat == template.ParameterFormatNAMED {
				tp.ParameterName = sh.vars[i]
			}
			body.Parameters = append(body.Parameters, tp)
		}
		out.Components = append(out.Components, body)
		if t.Category == template.CategoryAUTHENTICATION && sh.otp {
			// The code goes in the OTP button too, as Meta asks.
			out.Components = append(out.Components, metaapi.TemplateComponent{Type: "button", SubType: "url", Index: 0,
				Parameters: []metaapi.TemplateParameter{{Type: "text", Text: params[0]}}})
		}
	}
	return &Send{Template: out, Text: render(t.Body, sh.vars, params)}, nil
}

// Variables are t's body variables in order of first appearance ("1",
// "2", … or a NAMED template's names): one parameter each.
func Variables(t *ent.Template) []string { return shapeOf(t).vars }

type shape struct {
	vars  []string
	extra bool // header or button parameters are needed
	otp   bool
}

// shapeOf reads a stored template's variables from its components (which
// may have come from Meta, not our validation).
func shapeOf(t *ent.Template) shape {
	var sh shape
	if t.Category == template.CategoryAUTHENTICATION {
		sh.vars = []string{"1"}
	} else {
		sh.vars = distinctVars(t.Body)
	}
	var comps []component
	if json.Unmarshal(t.Components, &comps) != nil {
		return sh
	}
	for _, c := range comps {
		switch strings.ToUpper(c.Type) {
		case "HEADER":
			if f := strings.ToUpper(c.Format); f != "" && f != "TEXT" {
				sh.extra = true
			} else if c.Text != nil && varRe.MatchString(*c.Text) {
				sh.extra = true
			}
		case "BUTTONS":
			for _, b := range c.Buttons {
				switch strings.ToUpper(b.Type) {
				case "OTP":
					sh.otp = true
				case "COPY_CODE":
					sh.extra = true
				case "URL":
					if varRe.MatchString(b.URL) {
						sh.extra = true
					}
				}
			}
		}
	}
	return sh
}

func distinctVars(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range varRe.FindAllStringSubmatch(text, -1) {
		name := strings.TrimSpace(m[1])
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// render fills the body's variables with the parameters.
func render(body string, vars, params []string) string {
	if body == "" || len(vars) == 0 {
		return body
	}
	by := make(map[string]string, len(vars))
	for i, v := range vars {
		by[v] = params[i]
	}
	return varRe.ReplaceAllStringFunc(body, func(m string) string {
		if p, ok := by[strings.TrimSpace(m[2:len(m)-2])]; ok {
			return p
		}
		return m
	})
}
