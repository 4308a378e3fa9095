package metaapi

import "strconv"

// Template is an approved message template with its parameters. Templates
// may be sent outside the 24-hour service window.
type Template struct {
	Name       string
	Language   string // e.g. "en_US"
	Components []TemplateComponent
}

// TemplateComponent fills the parameters of one part of a template:
// "header", "body" or "button" (with SubType such as "quick_reply", "url",
// "copy_code" and the button's Index).
type TemplateComponent struct {
	Type       string
	SubType    string
	Index      int
	Parameters []TemplateParameter
}

// TemplateParameter is one value; Type says which field carries it
// ("text", "currency", "date_time", "image", "video", "document",
// "payload", "coupon_code"). ParameterName is set for NAMED templates.
type TemplateParameter struct {
	Type          string    `json:"type"`
	ParameterName string    `json:"parameter_name,omitempty"`
	Text          string    `json:"text,omitempty"`
	Payload       string    `json:"payload,omitempty"`
	CouponCode    string    `json:"coupon_code,omitempty"`
	Currency      *Currency `json:"currency,omitempty"`
	DateTime      *DateTime `json:"date_time,omitempty"`
	Image         *Media    `json:"image,omitempty"`
	Video         *Media    `json:"video,omitempty"`
	Document      *Media    `json:"document,omitempty"`
}

// Currency is a localised amount; Amount1000 is the amount times 1000.
type Currency struct {
	FallbackValue string `json:"fallback_value"`
	Code          string `json:"code"`
	Amount1000    int64  `json:"amount_1000"`
}

// DateTime is a date shown as FallbackValue.
type DateTime struct {
	FallbackValue string `json:"fallback_value"`
}

type (
	wireTemplate struct {
		Name       string          `json:"name"`
		Language   wireLanguage    `json:"language"`
		Components []wireComponent `json:"components,omitempty"`
	}
	wireLanguage struct {
		Code string `json:"code"`
	}
	wireComponent struct {
		Type       string              `json:"type"`
		SubType    string              `json:"sub_type,omitempty"`
		Index      string              `json:"index,omitempty"`
		Parameters []TemplateParameter `json:"parameters"`
	}
)

func (t *Template) wire() *wireTemplate {
	w := &wireTemplate{Name: t.Name, Language: wireLanguage{t.Language}}
	for _, c := range t.Components {
		wc := wireComponent{Type: c.Type, SubType: c.SubType, Parameters: c.Parameters}
		if wc.Parameters == nil {
			wc.Parameters = []TemplateParameter{}
		}
		if c.Type == "button" {
			wc.Index = strconv.Itoa(c.Index)
		}
		w.Components = append(w.Components, wc)
	}
	return w
}
