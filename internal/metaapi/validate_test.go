package metaapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestSendRefusesInvalidInput: each bad input is a *ValidationError naming
// the field, and nothing reaches the Graph API.
func TestSendRefusesInvalidInput(t *testing.T) {
	to := Recipient{Phone: "15551234567"}
	btn := func(n int) []Button {
		var bs []Button
		for i := range n {
			bs = append(bs, Button{ID: string(rune('a' + i)), Title: "B"})
		}
		return bs
	}
	rows := func(n int) []Row {
		var rs []Row
		for i := range n {
			rs = append(rs, Row{ID: string(rune('a' + i)), Title: "R"})
		}
		return rs
	}
	cases := []struct {
		name  string
		msg   Message
		field string
	}{
		{"no content", Message{To: to}, "message"},
		{"two contents", Message{To: to, Text: &Text{Body: "a"}, Image: &Media{ID: "1"}}, "message"},
		{"no recipient", Message{Text: &Text{Body: "a"}}, "to"},
		{"phone not digits", Message{To: Recipient{Phone: "555-1234"}, Text: &Text{Body: "a"}}, "to.phone"},
		{"empty text", Message{To: to, Text: &Text{}}, "text.body"},
		{"text too long", Message{To: to, Text: &Text{Body: strings.Repeat("é", MaxTextBody+1)}}, "text.body"},
		{"callback data too long", Message{To: to, CallbackData: strings.Repeat("x", 513), Text: &Text{Body: "a"}}, "biz_opaque_callback_data"},
		{"media without id or link", Message{To: to, Image: &Media{}}, "image"},
		{"media with id and link", Message{To: to, Image: &Media{ID: "1", Link: "https://x.io/a.png"}}, "image"},
		{"media link not http", Message{To: to, Video: &Media{Link: "ftp://x.io/a.mp4"}}, "video.link"},
		{"caption on audio", Message{To: to, Audio: &Media{ID: "1", Caption: "c"}}, "audio.caption"},
		{"caption on sticker", Message{To: to, Sticker: &Media{ID: "1", Caption: "c"}}, "sticker.caption"},
		{"filename on image", Message{To: to, Image: &Media{ID: "1", Filename: "a.png"}}, "image.filename"},
		{"latitude out of range", Message{To: to, Location: &Location{Latitude: 91}}, "location.latitude"},
		{"contacts empty", Message{To: to, Contacts: []Contact{}}, "contacts"},
		{"contact without formatted name", Message{To: to, Contacts: []Contact{{Name: ContactName{FirstName: "A"}}}}, "contacts[0].name.formatted_name"},
		{"interactive without body", Message{To: to, Interactive: &Interactive{Buttons: btn(1)}}, "interactive.body"},
		{"four buttons", Message{To: to, Interactive: &Interactive{Body: "b", Buttons: btn(4)}}, "interactive.buttons"},
		{"button title over 20", Message{To: to, Interactive: &Interactive{Body: "b", Buttons: []Button{{ID: "x", Title: strings.Repeat("t", 21)}}}}, "interactive.buttons[0].title"},
		{"duplicate button ids", Message{To: to, Interactive: &Interactive{Body: "b", Buttons: []Button{{ID: "x", Title: "1"}, {ID: "x", Title: "2"}}}}, "interactive.buttons[1].id"},
		{"buttons and list", Message{To: to, Interactive: &Interactive{Body: "b", Buttons: btn(1), List: &List{Button: "L", Sections: []Section{{Rows: rows(1)}}}}}, "interactive"},
		{"eleven rows", Message{To: to, Interactive: &Interactive{Body: "b", List: &List{Button: "L", Sections: []Section{{Rows: rows(11)}}}}}, "interactive.list"},
		{"list with image header", Message{To: to, Interactive: &Interactive{Header: &InteractiveHeader{Image: &Media{ID: "1"}}, Body: "b", List: &List{Button: "L", Sections: []Section{{Rows: rows(1)}}}}}, "interactive.header"},
		{"reaction without message", Message{To: to, Reaction: &Reaction{Emoji: "👍"}}, "reaction.message_id"},
		{"template bad name", Message{To: to, Template: &Template{Name: "Hello World", Language: "en"}}, "template.name"},
		{"template without language", Message{To: to, Template: &Template{Name: "hello"}}, "template.language"},
		{"template button without sub_type", Message{To: to, Template: &Template{Name: "h", Language: "en", Components: []TemplateComponent{{Type: "button"}}}}, "template.components[0].sub_type"},
		{"template text parameter empty", Message{To: to, Template: &Template{Name: "h", Language: "en", Components: []TemplateComponent{{Type: "body", Parameters: []TemplateParameter{{Type: "text"}}}}}}, "template.components[0].parameters[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := newGraph(t, http.StatusOK, sendOK)
			_, err := g.client().Send(context.Background(), testToken, "1", c.msg)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if ve.Field != c.field {
				t.Errorf("field %q, want %q (%v)", ve.Field, c.field, err)
			}
			if Classify(err) != NeverRetry {
				t.Errorf("Classify = %v, want NEVER_RETRY", Classify(err))
			}
			if n := g.count(); n != 0 {
				t.Errorf("%d requests reached the Graph API, want none", n)
			}
		})
	}
}

// TestSendRefusesMissingIDs: no token or phone number id, no request.
func TestSendRefusesMissingIDs(t *testing.T) {
	g := newGraph(t, http.StatusOK, sendOK)
	m := Message{To: Recipient{Phone: "1"}, Text: &Text{Body: "a"}}
	if _, err := g.client().Send(context.Background(), "", "1", m); err == nil {
		t.Error("empty token accepted")
	}
	if _, err := g.client().Send(context.Background(), testToken, "", m); err == nil {
		t.Error("empty phone number id accepted")
	}
	if g.count() != 0 {
		t.Error("a request was sent")
	}
}
