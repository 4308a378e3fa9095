package templates

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"switchboard/ent/template"
	"switchboard/internal/apperr"
)

// Meta's limits on a template (META.md, Templates; Meta's template
// guidelines for the components).
const (
	maxName        = 512
	maxBody        = 1024
	maxHeaderText  = 60
	maxFooter      = 60
	maxButtons     = 10
	maxButtonText  = 25
	maxURLButtons  = 2
	maxPhoneButton = 1
	maxURL         = 2000
	maxPhone       = 20
	maxCouponCode  = 15
	maxExample     = 1024
)

var (
	nameRe     = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	languageRe = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)
	// varRe finds anything that looks like a variable, so that a
	// malformed one ({{ 1 }}, {{first-name}}) is refused rather than sent.
	varRe       = regexp.MustCompile(`\{\{([^{}]*)\}\}`)
	positionalV = regexp.MustCompile(`^[1-9][0-9]*$`)
	namedV      = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Draft is a template as createTemplate takes it.
type Draft struct {
	Name, Language  string
	Category        template.Category
	ParameterFormat template.ParameterFormat // "" is POSITIONAL
	Components      json.RawMessage
}

// component is one element of Meta's component array, with the fields
// the rules look at; the array is submitted as the caller wrote it.
type component struct {
	Type    string          `json:"type"`
	Format  string          `json:"format"`
	Text    *string         `json:"text"`
	Example json.RawMessage `json:"example"`
	Buttons []button        `json:"buttons"`

	// Authentication templates.
	AddSecurityRecommendation *bool `json:"add_security_recommendation"`
	CodeExpirationMinutes     *int  `json:"code_expiration_minutes"`
}

type button struct {
	Type        string          `json:"type"`
	Text        string          `json:"text"`
	URL         string          `json:"url"`
	PhoneNumber string          `json:"phone_number"`
	Example     json.RawMessage `json:"example"`
	OTPType     string          `json:"otp_type"`
}

type example struct {
	HeaderText            []string     `json:"header_text"`
	HeaderTextNamedParams []namedParam `json:"header_text_named_params"`
	HeaderHandle          []string     `json:"header_handle"`
	BodyText              [][]string   `json:"body_text"`
	BodyTextNamedParams   []namedParam `json:"body_text_named_params"`
}

type namedParam struct {
	ParamName string `json:"param_name"`
	Example   string `json:"example"`
}

// Parsed is a validated template's shape: what sending it needs.
type Parsed struct {
	// Body is the BODY text ("" for an authentication template, whose
	// text Meta writes).
	Body string
	// Vars are the body's variables in order of first appearance: "1",
	// "2", … or the names of a NAMED template.
	Vars []string
	// Extra says the template needs parameters beyond the body's (a
	// header variable or media, a URL button's variable), which
	// sendMessage does not take.
	Extra bool
}

// Validate checks d as Meta would before anything is submitted, and
// returns its shape. A refusal is BAD_USER_INPUT naming the field, e.g.
// input.components[1].text.
func Validate(d Draft) (*Parsed, error) {
	if len(d.Name) > maxName || !nameRe.MatchString(d.Name) {
		return nil, apperr.Input("input.name", "name must be lowercase letters, digits and underscores, start with a letter and be at most %d characters", maxName)
	}
	if !languageRe.MatchString(d.Language) {
		return nil, apperr.Input("input.language", "language must be a code like en_US or en")
	}
	switch d.Category {
	case template.CategoryMARKETING, template.CategoryUTILITY, template.CategoryAUTHENTICATION:
	default:
		return nil, apperr.Input("input.category", "category must be MARKETING, UTILITY or AUTHENTICATION")
	}
	named := d.ParameterFormat == template.ParameterFormatNAMED
	var comps []component
	if err := json.Unmarshal(d.Components, &comps); err != nil {
		return nil, apperr.Input("input.components", "components must be an array of Meta's component objects (HEADER, BODY, FOOTER, BUTTONS)")
	}
	v := &validator{named: named, auth: d.Category == template.CategoryAUTHENTICATION, seen: map[string]int{}}
	for i, c := range comps {
		f := fmt.Sprintf("input.components[%d]", i)
		typ := strings.ToUpper(c.Type)
		if prev, dup := v.seen[typ]; dup {
			return nil, apperr.Input(f+".type", "a template has one %s component (components[%d] is one already)", typ, prev)
		}
		v.seen[typ] = i
		var err error
		switch typ {
		case "HEADER":
			err = v.header(f, c)
		case "BODY":
			err = v.body(f, c)
		case "FOOTER":
			err = v.footer(f, c)
		case "BUTTONS":
			err = v.buttons(f, c)
		default:
			err = apperr.Input(f+".type", "type must be HEADER, BODY, FOOTER or BUTTONS")
		}
		if err != nil {
			return nil, err
		}
	}
	if _, ok := v.seen["BODY"]; !ok {
		return nil, apperr.Input("input.components", "a template needs a BODY component")
	}
	return &v.out, nil
}

type validator struct {
	named, auth bool
	seen        map[string]int
	out         Parsed
}

func (v *validator) header(f string, c component) error {
	if v.auth {
		return apperr.Input(f+".type", "authentication templates have no header")
	}
	switch strings.ToUpper(c.Format) {
	case "TEXT":
		if c.Text == nil || strings.TrimSpace(*c.Text) == "" {
			return apperr.Input(f+".text", "a TEXT header needs its text")
		}
		if n := utf8.RuneCountInString(*c.Text); n > maxHeaderText {
			return apperr.Input(f+".text", "a header has at most %d characters, this one %d", maxHeaderText, n)
		}
		vars, err := v.variables(f+".text", *c.Text)
		if err != nil {
			return err
		}
		if len(vars) > 1 {
			return apperr.Input(f+".text", "a header has at most one variable")
		}
		if len(vars) == 0 {
			return nil
		}
		v.out.Extra = true
		ex, err := parseExample(f, c.Example)
		if err != nil {
			return err
		}
		if v.named {
			return namedExamples(f+".example.header_text_named_params", vars, ex.HeaderTextNamedParams)
		}
		if len(ex.HeaderText) != 1 || strings.TrimSpace(ex.HeaderText[0]) == "" {
			return apperr.Input(f+".example.header_text", "the header's variable needs one example value in example.header_text")
		}
		return nil
	case "IMAGE", "VIDEO", "DOCUMENT":
		v.out.Extra = true
		if c.Text != nil {
			return apperr.Input(f+".text", "a %s header has no text", strings.ToUpper(c.Format))
		}
		ex, err := parseExample(f, c.Example)
		if err != nil {
			return err
		}
		if len(ex.HeaderHandle) != 1 || strings.TrimSpace(ex.HeaderHandle[0]) == "" {
			return apperr.Input(f+".example.header_handle", "a media header needs a sample file: example.header_handle with one handle from Meta's upload")
		}
		return nil
	case "LOCATION":
		v.out.Extra = true
		return nil
	}
	return apperr.Input(f+".format", "format must be TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION")
}

func (v *validator) body(f string, c component) error {
	if v.auth {
		// Meta writes an authentication template's text; it takes only
		// the security recommendation flag.
		if c.Text != nil {
			return apperr.Input(f+".text", "an authentication template's body text is Meta's: give add_security_recommendation only")
		}
		v.out.Vars = []string{"1"} // the code
		return nil
	}
	if c.Text == nil || strings.TrimSpace(*c.Text) == "" {
		return apperr.Input(f+".text", "the body needs its text")
	}
	text := *c.Text
	if n := utf8.RuneCountInString(text); n > maxBody {
		return apperr.Input(f+".text", "the body has at most %d characters, this one %d", maxBody, n)
	}
	vars, err := v.variables(f+".text", text)
	if err != nil {
		return err
	}
	v.out.Body, v.out.Vars = text, vars
	if len(vars) == 0 {
		return nil
	}
	trimmed := strings.TrimSpace(text)
	if strings.HasPrefix(trimmed, "{{") || strings.HasSuffix(trimmed, "}}") {
		return apperr.Input(f+".text", "Meta refuses a body that starts or ends with a variable: put words before and after it")
	}
	ex, err := parseExample(f, c.Example)
	if err != nil {
		return err
	}
	if v.named {
		return namedExamples(f+".example.body_text_named_params", vars, ex.BodyTextNamedParams)
	}
	if len(ex.BodyText) != 1 || len(ex.BodyText[0]) != len(vars) {
		return apperr.Input(f+".example.body_text", "the body has %d variables: example.body_text must be [[one example each]]", len(vars))
	}
	for i, s := range ex.BodyText[0] {
		if strings.TrimSpace(s) == "" || len(s) > maxExample {
			return apperr.Input(fmt.Sprintf("%s.example.body_text[0][%d]", f, i), "each example is 1 to %d characters", maxExample)
		}
	}
	return nil
}

func (v *validator) footer(f string, c component) error {
	if v.auth {
		if c.Text != nil {
			return apperr.Input(f+".text", "an authentication template's footer is Meta's: give code_expiration_minutes only")
		}
		if m := c.CodeExpirationMinutes; m != nil && (*m < 1 || *m > 90) {
			return apperr.Input(f+".code_expiration_minutes", "code_expiration_minutes is 1 to 90")
		}
		return nil
	}
	if c.Text == nil || strings.TrimSpace(*c.Text) == "" {
		return apperr.Input(f+".text", "a footer needs its text")
	}
	if n := utf8.RuneCountInString(*c.Text); n > maxFooter {
		return apperr.Input(f+".text", "a footer has at most %d characters, this one %d", maxFooter, n)
	}
	if varRe.MatchString(*c.Text) {
		return apperr.Input(f+".text", "a footer has no variables")
	}
	return nil
}

func (v *validator) buttons(f string, c component) error {
	if len(c.Buttons) == 0 || len(c.Buttons) > maxButtons {
		return apperr.Input(f+".buttons", "BUTTONS has 1 to %d buttons", maxButtons)
	}
	count := map[string]int{}
	seenQuick, afterQuick := false, false
	for i, b := range c.Buttons {
		bf := fmt.Sprintf("%s.buttons[%d]", f, i)
		typ := strings.ToUpper(b.Type)
		count[typ]++
		if typ == "QUICK_REPLY" {
			if afterQuick {
				return apperr.Input(bf+".type", "quick replies must be grouped together, not mixed between other buttons")
			}
			seenQuick = true
		} else if seenQuick {
			afterQuick = true
		}
		if v.auth != (typ == "OTP") {
			if v.auth {
				return apperr.Input(bf+".type", "an authentication template has one OTP button")
			}
			if typ == "OTP" {
				return apperr.Input(bf+".type", "OTP buttons are for AUTHENTICATION templates")
			}
		}
		needText := typ != "OTP" && typ != "COPY_CODE"
		if needText && (strings.TrimSpace(b.Text) == "" || utf8.RuneCountInString(b.Text) > maxButtonText) {
			return apperr.Input(bf+".text", "a button's text is 1 to %d characters", maxButtonText)
		}
		if needText && varRe.MatchString(b.Text) {
			return apperr.Input(bf+".text", "a button's text has no variables")
		}
		switch typ {
		case "QUICK_REPLY", "FLOW", "CATALOG", "MPM", "VOICE_CALL":
		case "URL":
			if err := v.urlButton(bf, b); err != nil {
				return err
			}
		case "PHONE_NUMBER":
			p := strings.TrimSpace(b.PhoneNumber)
			if p == "" || len(p) > maxPhone || !phoneLike(p) {
				return apperr.Input(bf+".phone_number", "phone_number is a number with its country code, at most %d characters", maxPhone)
			}
		case "COPY_CODE":
			var code string
			if json.Unmarshal(b.Example, &code) != nil || code == "" || len(code) > maxCouponCode {
				return apperr.Input(bf+".example", "a COPY_CODE button needs an example code of 1 to %d characters", maxCouponCode)
			}
			v.out.Extra = true
		case "OTP":
			switch strings.ToUpper(b.OTPType) {
			case "COPY_CODE", "ONE_TAP", "ZERO_TAP":
			default:
				return apperr.Input(bf+".otp_type", "otp_type is COPY_CODE, ONE_TAP or ZERO_TAP")
			}
		default:
			return apperr.Input(bf+".type", "type must be QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE, OTP, FLOW, CATALOG, MPM or VOICE_CALL")
		}
	}
	switch {
	case count["URL"] > maxURLButtons:
		return apperr.Input(f+".buttons", "at most %d URL buttons", maxURLButtons)
	case count["PHONE_NUMBER"] > maxPhoneButton:
		return apperr.Input(f+".buttons", "at most %d PHONE_NUMBER button", maxPhoneButton)
	case count["COPY_CODE"] > 1:
		return apperr.Input(f+".buttons", "at most one COPY_CODE button")
	case count["OTP"] > 1:
		return apperr.Input(f+".buttons", "at most one OTP button")
	}
	return nil
}

func (v *validator) urlButton(bf string, b button) error {
	u := strings.TrimSpace(b.URL)
	if u == "" || len(u) > maxURL || !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) {
		return apperr.Input(bf+".url", "url is an http(s) URL of at most %d characters", maxURL)
	}
	vars := varRe.FindAllStringSubmatchIndex(u, -1)
	if len(vars) == 0 {
		return nil
	}
	if len(vars) > 1 || vars[0][1] != len(u) || u[vars[0][2]:vars[0][3]] != "1" {
		return apperr.Input(bf+".url", "a URL button takes one variable, {{1}}, at the end of its url")
	}
	v.out.Extra = true
	var ex []string
	if json.Unmarshal(b.Example, &ex) != nil || len(ex) != 1 || strings.TrimSpace(ex[0]) == "" {
		return apperr.Input(bf+".example", "a URL with a variable needs example: [\"a full sample URL\"]")
	}
	return nil
}

// variables returns the distinct variables of text in order of first
// appearance, refusing malformed ones, a mix of the two formats, and
// positional ones out of order or with gaps.
func (v *validator) variables(field, text string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, m := range varRe.FindAllStringSubmatch(text, -1) {
		name := m[1]
		switch {
		case v.named && namedV.MatchString(name):
		case !v.named && positionalV.MatchString(name):
		case v.named:
			return nil, apperr.Input(field, "{{%s}} is not a variable: a NAMED template's variables are lowercase snake_case names like {{order_id}}", name)
		default:
			return nil, apperr.Input(field, "{{%s}} is not a variable: variables are {{1}}, {{2}}, … (or set parameterFormat NAMED for {{names}})", name)
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, name)
	}
	if strings.Count(text, "{{") != strings.Count(text, "}}") || strings.Count(text, "{{") != len(varRe.FindAllString(text, -1)) {
		return nil, apperr.Input(field, "unbalanced braces: variables are written {{1}}")
	}
	if !v.named {
		for i, name := range out {
			if name != fmt.Sprint(i+1) {
				return nil, apperr.Input(field, "variables must be numbered {{1}} to {{%d}} in order, without gaps: found {{%s}} where {{%d}} belongs", len(out), name, i+1)
			}
		}
	}
	return out, nil
}

func parseExample(f string, raw json.RawMessage) (*example, error) {
	var ex example
	if len(raw) == 0 || string(raw) == "null" {
		return &ex, nil
	}
	if err := json.Unmarshal(raw, &ex); err != nil {
		return nil, apperr.Input(f+".example", "example is not in Meta's format: %v", err)
	}
	return &ex, nil
}

// namedExamples wants exactly one example per named variable.
func namedExamples(field string, vars []string, got []namedParam) error {
	by := map[string]string{}
	for _, p := range got {
		by[p.ParamName] = p.Example
	}
	for _, name := range vars {
		if strings.TrimSpace(by[name]) == "" {
			return apperr.Input(field, "variable {{%s}} needs an example: {\"param_name\": %q, \"example\": \"…\"}", name, name)
		}
		delete(by, name)
	}
	for name := range by {
		return apperr.Input(field, "%q is not a variable of the text", name)
	}
	return nil
}

func phoneLike(p string) bool {
	for i, r := range p {
		if !(r >= '0' && r <= '9') && !(r == '+' && i == 0) {
			return false
		}
	}
	return true
}
