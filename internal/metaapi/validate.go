package metaapi

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"unicode/utf8"
)

// Limits Meta enforces on outbound messages, checked before sending.
const (
	MaxTextBody         = 4096
	MaxCaption          = 1024
	MaxCallbackData     = 512
	MaxButtons          = 3
	MaxButtonTitle      = 20
	MaxListRows         = 10
	MaxInteractiveBody  = 1024
	MaxInteractiveOther = 60 // header text, footer
)

var templateName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,511}$`)

func tooLong(s string, max int) bool { return utf8.RuneCountInString(s) > max }

// validate checks m and returns its Meta type.
func (m *Message) validate() (string, error) {
	var kinds []string
	add := func(set bool, kind string) {
		if set {
			kinds = append(kinds, kind)
		}
	}
	add(m.Text != nil, "text")
	add(m.Image != nil, "image")
	add(m.Audio != nil, "audio")
	add(m.Video != nil, "video")
	add(m.Document != nil, "document")
	add(m.Sticker != nil, "sticker")
	add(m.Location != nil, "location")
	add(m.Contacts != nil, "contacts")
	add(m.Interactive != nil, "interactive")
	add(m.Reaction != nil, "reaction")
	add(m.Template != nil, "template")
	if len(kinds) != 1 {
		return "", invalid("message", "needs exactly one content type, got %v", kinds)
	}
	if tooLong(m.CallbackData, MaxCallbackData) {
		return "", invalid("biz_opaque_callback_data", "longer than %d characters", MaxCallbackData)
	}
	kind := kinds[0]
	var err error
	switch kind {
	case "text":
		err = validateText(m.Text)
	case "image", "video":
		err = validateMedia(kind, m.mediaOf(kind), true, false)
	case "document":
		err = validateMedia(kind, m.Document, true, true)
	case "audio", "sticker":
		err = validateMedia(kind, m.mediaOf(kind), false, false)
	case "location":
		err = validateLocation(m.Location)
	case "contacts":
		err = validateContacts(m.Contacts)
	case "interactive":
		err = validateInteractive(m.Interactive)
	case "reaction":
		if m.Reaction.MessageID == "" {
			err = invalid("reaction.message_id", "is empty")
		} else if m.ReplyTo != "" {
			err = invalid("context", "a reaction cannot quote a message")
		}
	case "template":
		err = validateTemplate(m.Template)
	}
	return kind, err
}

func (m *Message) mediaOf(kind string) *Media {
	return map[string]*Media{"image": m.Image, "audio": m.Audio, "video": m.Video, "sticker": m.Sticker}[kind]
}

func validateText(t *Text) error {
	if t.Body == "" {
		return invalid("text.body", "is empty")
	}
	if tooLong(t.Body, MaxTextBody) {
		return invalid("text.body", "longer than %d characters", MaxTextBody)
	}
	return nil
}

func validateMedia(field string, m *Media, captionOK, filenameOK bool) error {
	if (m.ID == "") == (m.Link == "") {
		return invalid(field, "needs exactly one of id and link")
	}
	if m.Link != "" {
		if u, err := url.Parse(m.Link); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return invalid(field+".link", "is not an http(s) URL")
		}
	}
	if m.Caption != "" && !captionOK {
		return invalid(field+".caption", "only images, videos and documents take a caption")
	}
	if tooLong(m.Caption, MaxCaption) {
		return invalid(field+".caption", "longer than %d characters", MaxCaption)
	}
	if m.Filename != "" && !filenameOK {
		return invalid(field+".filename", "only documents take a filename")
	}
	return nil
}

func validateLocation(l *Location) error {
	if math.IsNaN(l.Latitude) || l.Latitude < -90 || l.Latitude > 90 {
		return invalid("location.latitude", "out of range")
	}
	if math.IsNaN(l.Longitude) || l.Longitude < -180 || l.Longitude > 180 {
		return invalid("location.longitude", "out of range")
	}
	return nil
}

func validateContacts(cs []Contact) error {
	if len(cs) == 0 {
		return invalid("contacts", "is empty")
	}
	for i, c := range cs {
		if c.Name.FormattedName == "" {
			return invalid(fmt.Sprintf("contacts[%d].name.formatted_name", i), "is empty")
		}
	}
	return nil
}

func validateInteractive(in *Interactive) error {
	if in.Body == "" {
		return invalid("interactive.body", "is empty")
	}
	if tooLong(in.Body, MaxInteractiveBody) {
		return invalid("interactive.body", "longer than %d characters", MaxInteractiveBody)
	}
	if tooLong(in.Footer, MaxInteractiveOther) {
		return invalid("interactive.footer", "longer than %d characters", MaxInteractiveOther)
	}
	if err := validateHeader(in.Header, in.List != nil); err != nil {
		return err
	}
	if (len(in.Buttons) > 0) == (in.List != nil) {
		return invalid("interactive", "needs either buttons or a list")
	}
	if in.List != nil {
		return validateList(in.List)
	}
	if len(in.Buttons) > MaxButtons {
		return invalid("interactive.buttons", "%d buttons, at most %d", len(in.Buttons), MaxButtons)
	}
	seen := map[string]bool{}
	for i, b := range in.Buttons {
		f := fmt.Sprintf("interactive.buttons[%d]", i)
		switch {
		case b.ID == "" || b.Title == "":
			return invalid(f, "needs an id and a title")
		case tooLong(b.Title, MaxButtonTitle):
			return invalid(f+".title", "longer than %d characters", MaxButtonTitle)
		case seen[b.ID]:
			return invalid(f+".id", "repeats %q", b.ID)
		}
		seen[b.ID] = true
	}
	return nil
}

func validateHeader(h *InteractiveHeader, list bool) error {
	if h == nil {
		return nil
	}
	media := 0
	for _, m := range []*Media{h.Image, h.Video, h.Document} {
		if m != nil {
			media++
			if err := validateMedia("interactive.header", m, false, true); err != nil {
				return err
			}
		}
	}
	switch {
	case media > 1 || (media == 1 && h.Text != ""):
		return invalid("interactive.header", "is text or one medium")
	case media == 1 && list:
		return invalid("interactive.header", "a list takes only a text header")
	case media == 0 && h.Text == "":
		return invalid("interactive.header", "is empty")
	case tooLong(h.Text, MaxInteractiveOther):
		return invalid("interactive.header.text", "longer than %d characters", MaxInteractiveOther)
	}
	return nil
}

func validateList(l *List) error {
	if l.Button == "" || tooLong(l.Button, MaxButtonTitle) {
		return invalid("interactive.list.button", "needs a label of 1 to %d characters", MaxButtonTitle)
	}
	if len(l.Sections) == 0 {
		return invalid("interactive.list.sections", "is empty")
	}
	rows := 0
	seen := map[string]bool{}
	for i, s := range l.Sections {
		if len(l.Sections) > 1 && s.Title == "" {
			return invalid(fmt.Sprintf("interactive.list.sections[%d].title", i), "is required when there are several sections")
		}
		if len(s.Rows) == 0 {
			return invalid(fmt.Sprintf("interactive.list.sections[%d].rows", i), "is empty")
		}
		for j, r := range s.Rows {
			f := fmt.Sprintf("interactive.list.sections[%d].rows[%d]", i, j)
			if r.ID == "" || r.Title == "" {
				return invalid(f, "needs an id and a title")
			}
			if seen[r.ID] {
				return invalid(f+".id", "repeats %q", r.ID)
			}
			seen[r.ID] = true
		}
		rows += len(s.Rows)
	}
	if rows > MaxListRows {
		return invalid("interactive.list", "%d rows, at most %d", rows, MaxListRows)
	}
	return nil
}

func validateTemplate(t *Template) error {
	if !templateName.MatchString(t.Name) {
		return invalid("template.name", "%q is not a template name", t.Name)
	}
	if t.Language == "" {
		return invalid("template.language", "is empty")
	}
	for i, c := range t.Components {
		f := fmt.Sprintf("template.components[%d]", i)
		switch c.Type {
		case "header", "body":
		case "button":
			if c.SubType == "" {
				return invalid(f+".sub_type", "is required on a button")
			}
			if c.Index < 0 || c.Index > 9 {
				return invalid(f+".index", "must be 0 to 9")
			}
		default:
			return invalid(f+".type", "%q takes no parameters (header, body or button)", c.Type)
		}
		for j, p := range c.Parameters {
			if err := validateParameter(fmt.Sprintf("%s.parameters[%d]", f, j), p); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateParameter(f string, p TemplateParameter) error {
	var ok bool
	switch p.Type {
	case "text":
		ok = p.Text != ""
	case "payload":
		ok = p.Payload != ""
	case "coupon_code":
		ok = p.CouponCode != ""
	case "currency":
		ok = p.Currency != nil && p.Currency.Code != "" && p.Currency.FallbackValue != ""
	case "date_time":
		ok = p.DateTime != nil && p.DateTime.FallbackValue != ""
	case "image":
		ok = p.Image != nil && validateMedia(f+".image", p.Image, false, false) == nil
	case "video":
		ok = p.Video != nil && validateMedia(f+".video", p.Video, false, false) == nil
	case "document":
		ok = p.Document != nil && validateMedia(f+".document", p.Document, false, true) == nil
	default:
		return invalid(f+".type", "unknown parameter type %q", p.Type)
	}
	if !ok {
		return invalid(f, "a %s parameter needs its %s value", p.Type, p.Type)
	}
	return nil
}
