package templates

import (
	"encoding/json"
	"reflect"
	"testing"

	"switchboard/ent"
	"switchboard/ent/template"
	"switchboard/internal/apperr"
	"switchboard/internal/whatsapp"
)

// TestValidateAccepts: shapes Meta documents pass, with their variables.
func TestValidateAccepts(t *testing.T) {
	cases := []struct {
		name  string
		d     Draft
		vars  []string
		extra bool
	}{
		{"positional with repeats", Draft{Name: "a", Language: "en", Category: template.CategoryUTILITY, Components: json.RawMessage(
			`[{"type":"BODY","text":"Hi {{1}}, {{2}} for {{1}}.","example":{"body_text":[["Ann","5"]]}}]`)}, []string{"1", "2"}, false},
		{"named", Draft{Name: "b", Language: "pt_BR", Category: template.CategoryMARKETING, ParameterFormat: template.ParameterFormatNAMED,
			Components: json.RawMessage(`[{"type":"BODY","text":"Oi {{first_name}}, pedido {{order_id}} ok.","example":{"body_text_named_params":[
			{"param_name":"order_id","example":"1"},{"param_name":"first_name","example":"Ana"}]}}]`)}, []string{"first_name", "order_id"}, false},
		{"media header and url variable", Draft{Name: "c", Language: "en_US", Category: template.CategoryMARKETING, Components: json.RawMessage(
			`[{"type":"HEADER","format":"IMAGE","example":{"header_handle":["4::aW1h"]}},{"type":"BODY","text":"New arrivals are in."},
			  {"type":"BUTTONS","buttons":[{"type":"URL","text":"Shop","url":"https://shop.example/{{1}}","example":["https://shop.example/spring"]},
			  {"type":"PHONE_NUMBER","text":"Call","phone_number":"+15550100"},{"type":"QUICK_REPLY","text":"Stop"},{"type":"QUICK_REPLY","text":"More"}]}]`)}, nil, true},
		{"authentication", Draft{Name: "otp", Language: "en", Category: template.CategoryAUTHENTICATION, Components: json.RawMessage(
			`[{"type":"BODY","add_security_recommendation":true},{"type":"FOOTER","code_expiration_minutes":10},
			  {"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copy code"}]}]`)}, []string{"1"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Validate(c.d)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(p.Vars, c.vars) || p.Extra != c.extra {
				t.Errorf("vars %v extra %v, want %v %v", p.Vars, p.Extra, c.vars, c.extra)
			}
		})
	}
	_, err := Validate(Draft{Name: "otp", Language: "en", Category: template.CategoryAUTHENTICATION,
		Components: json.RawMessage(`[{"type":"BODY","text":"Your code is {{1}}."}]`)})
	if e, ok := apperr.As(err); !ok || e.Field != "input.components[0].text" {
		t.Errorf("authentication body with text: %v", err)
	}
}

// TestTransition: every event of META.md has its outcome; unknown events
// keep the status.
func TestTransition(t *testing.T) {
	ap := template.StatusAPPROVED
	cases := []struct {
		event string
		u     whatsapp.TemplateStatusUpdate
		want  template.Status
	}{
		{"APPROVED", whatsapp.TemplateStatusUpdate{}, ap},
		{"PENDING", whatsapp.TemplateStatusUpdate{}, template.StatusPENDING},
		{"REJECTED", whatsapp.TemplateStatusUpdate{}, template.StatusREJECTED},
		{"PAUSED", whatsapp.TemplateStatusUpdate{OtherInfo: &whatsapp.OtherInfo{Title: "SECOND_PAUSE"}}, template.StatusPAUSED},
		{"PAUSED", whatsapp.TemplateStatusUpdate{OtherInfo: &whatsapp.OtherInfo{Title: "UNPAUSE"}}, ap},
		{"DISABLED", whatsapp.TemplateStatusUpdate{}, template.StatusDISABLED},
		{"FLAGGED", whatsapp.TemplateStatusUpdate{}, ap},
		{"IN_APPEAL", whatsapp.TemplateStatusUpdate{}, ap},
		{"LIMIT_EXCEEDED", whatsapp.TemplateStatusUpdate{}, ap},
		{"LOCKED", whatsapp.TemplateStatusUpdate{}, ap},
		{"REINSTATED", whatsapp.TemplateStatusUpdate{}, ap},
		{"ARCHIVED", whatsapp.TemplateStatusUpdate{}, template.StatusARCHIVED},
		{"UNARCHIVED", whatsapp.TemplateStatusUpdate{}, ap},
		{"PENDING_DELETION", whatsapp.TemplateStatusUpdate{}, template.StatusDELETED},
		{"DELETED", whatsapp.TemplateStatusUpdate{}, template.StatusDELETED},
		{"SOMETHING_NEW", whatsapp.TemplateStatusUpdate{}, ap},
	}
	for _, c := range cases {
		if got, _, _ := transition(ap, c.event, &c.u); got != c.want {
			t.Errorf("%s %+v: %s, want %s", c.event, c.u.OtherInfo, got, c.want)
		}
	}
}

// TestBuild renders the body and names NAMED parameters.
func TestBuild(t *testing.T) {
	tp := &ent.Template{Name: "n", Language: "en", Category: template.CategoryUTILITY, Status: template.StatusAPPROVED,
		ParameterFormat: template.ParameterFormatNAMED, Body: "Hi {{first_name}}, order {{order_id}} for {{first_name}}."}
	s, err := Build(tp, []string{"Ann", "A1"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Text != "Hi Ann, order A1 for Ann." || s.Template.Components[0].Parameters[1].ParameterName != "order_id" {
		t.Errorf("built %+v %+v", s.Text, s.Template)
	}
	if !reflect.DeepEqual(Variables(tp), []string{"first_name", "order_id"}) {
		t.Errorf("Variables %v", Variables(tp))
	}
	if _, err := Build(tp, []string{"Ann"}); err == nil {
		t.Error("one parameter for two variables accepted")
	}
	tp.Status = template.StatusPAUSED
	if _, err := Build(tp, []string{"Ann", "A1"}); err == nil {
		t.Error("a paused template built")
	}
}
