package metaapi

import (
	"context"
	"net/http"
	"testing"
)

const sendOK = `{"messaging_product":"whatsapp","contacts":[{"input":"15551234567","wa_id":"15551234567"}],"messages":[{"id":"wamid.HBgL"}]}`

// TestSendBodies posts one message of each type to a stand-in Graph API
// and asserts the exact JSON Meta documents for it.
func TestSendBodies(t *testing.T) {
	to := Recipient{Phone: "+15551234567"}
	head := `"messaging_product":"whatsapp","recipient_type":"individual","to":"15551234567"`
	cases := []struct {
		name string
		msg  Message
		want string
	}{
		{"text", Message{To: to, Text: &Text{Body: "hello", PreviewURL: true}},
			`{` + head + `,"type":"text","text":{"body":"hello","preview_url":true}}`},
		{"text reply with callback data", Message{To: to, ReplyTo: "wamid.earlier", CallbackData: "msg_01J", Text: &Text{Body: "yes"}},
			`{` + head + `,"type":"text","context":{"message_id":"wamid.earlier"},"biz_opaque_callback_data":"msg_01J","text":{"body":"yes"}}`},
		{"image by id with caption", Message{To: to, Image: &Media{ID: "1234", Caption: "look"}},
			`{` + head + `,"type":"image","image":{"id":"1234","caption":"look"}}`},
		{"audio by link", Message{To: to, Audio: &Media{Link: "https://example.com/a.ogg"}},
			`{` + head + `,"type":"audio","audio":{"link":"https://example.com/a.ogg"}}`},
		{"video", Message{To: to, Video: &Media{ID: "77", Caption: "clip"}},
			`{` + head + `,"type":"video","video":{"id":"77","caption":"clip"}}`},
		{"document with filename", Message{To: to, Document: &Media{Link: "https://example.com/i.pdf", Caption: "invoice", Filename: "invoice.pdf"}},
			`{` + head + `,"type":"document","document":{"link":"https://example.com/i.pdf","caption":"invoice","filename":"invoice.pdf"}}`},
		{"sticker", Message{To: to, Sticker: &Media{ID: "st1"}},
			`{` + head + `,"type":"sticker","sticker":{"id":"st1"}}`},
		{"location", Message{To: to, Location: &Location{Latitude: 52.52, Longitude: 13.405, Name: "Office", Address: "Berlin"}},
			`{` + head + `,"type":"location","location":{"latitude":52.52,"longitude":13.405,"name":"Office","address":"Berlin"}}`},
		{"contacts", Message{To: to, Contacts: []Contact{{
			Name:   ContactName{FormattedName: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace"},
			Phones: []ContactPhone{{Phone: "+44 20 7946 0000", Type: "WORK", WAID: "442079460000"}},
			Emails: []ContactEmail{{Email: "ada@example.com", Type: "WORK"}},
			Org:    &ContactOrg{Company: "Engines Ltd"},
		}}},
			`{` + head + `,"type":"contacts","contacts":[{"name":{"formatted_name":"Ada Lovelace","first_name":"Ada","last_name":"Lovelace"},
			"phones":[{"phone":"+44 20 7946 0000","type":"WORK","wa_id":"442079460000"}],"emails":[{"email":"ada@example.com","type":"WORK"}],"org":{"company":"Engines Ltd"}}]}`},
		{"interactive buttons", Message{To: to, Interactive: &Interactive{
			Header: &InteractiveHeader{Text: "Your order"}, Body: "Confirm?", Footer: "Reply below",
			Buttons: []Button{{ID: "yes", Title: "Yes"}, {ID: "no", Title: "No"}},
		}},
			`{` + head + `,"type":"interactive","interactive":{"type":"button","header":{"type":"text","text":"Your order"},
			"body":{"text":"Confirm?"},"footer":{"text":"Reply below"},
			"action":{"buttons":[{"type":"reply","reply":{"id":"yes","title":"Yes"}},{"type":"reply","reply":{"id":"no","title":"No"}}]}}}`},
		{"interactive buttons with image header", Message{To: to, Interactive: &Interactive{
			Header: &InteractiveHeader{Image: &Media{ID: "img9"}}, Body: "Pick", Buttons: []Button{{ID: "a", Title: "A"}},
		}},
			`{` + head + `,"type":"interactive","interactive":{"type":"button","header":{"type":"image","image":{"id":"img9"}},
			"body":{"text":"Pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"A"}}]}}}`},
		{"interactive list", Message{To: to, Interactive: &Interactive{
			Body: "Choose a slot", List: &List{Button: "Slots", Sections: []Section{
				{Title: "Morning", Rows: []Row{{ID: "m9", Title: "9:00", Description: "first"}}},
				{Title: "Afternoon", Rows: []Row{{ID: "a2", Title: "14:00"}}},
			}},
		}},
			`{` + head + `,"type":"interactive","interactive":{"type":"list","body":{"text":"Choose a slot"},
			"action":{"button":"Slots","sections":[{"title":"Morning","rows":[{"id":"m9","title":"9:00","description":"first"}]},
			{"title":"Afternoon","rows":[{"id":"a2","title":"14:00"}]}]}}}`},
		{"reaction", Message{To: to, Reaction: &Reaction{MessageID: "wamid.x", Emoji: "👍"}},
			`{` + head + `,"type":"reaction","reaction":{"message_id":"wamid.x","emoji":"👍"}}`},
		{"reaction removed", Message{To: to, Reaction: &Reaction{MessageID: "wamid.x"}},
			`{` + head + `,"type":"reaction","reaction":{"message_id":"wamid.x","emoji":""}}`},
		{"template without parameters", Message{To: to, Template: &Template{Name: "hello_world", Language: "en_US"}},
			`{` + head + `,"type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`},
		{"template with components", Message{To: to, CallbackData: "m1", Template: &Template{Name: "order_update", Language: "de", Components: []TemplateComponent{
			{Type: "header", Parameters: []TemplateParameter{{Type: "image", Image: &Media{Link: "https://example.com/h.png"}}}},
			{Type: "body", Parameters: []TemplateParameter{
				{Type: "text", Text: "Ada"},
				{Type: "currency", Currency: &Currency{FallbackValue: "€12.50", Code: "EUR", Amount1000: 12500}},
				{Type: "date_time", DateTime: &DateTime{FallbackValue: "1 Dec 2026"}},
			}},
			{Type: "button", SubType: "quick_reply", Index: 0, Parameters: []TemplateParameter{{Type: "payload", Payload: "STOP"}}},
			{Type: "button", SubType: "url", Index: 1, Parameters: []TemplateParameter{{Type: "text", Text: "order/42"}}},
		}}},
			`{` + head + `,"type":"template","biz_opaque_callback_data":"m1","template":{"name":"order_update","language":{"code":"de"},"components":[
			{"type":"header","parameters":[{"type":"image","image":{"link":"https://example.com/h.png"}}]},
			{"type":"body","parameters":[{"type":"text","text":"Ada"},
				{"type":"currency","currency":{"fallback_value":"€12.50","code":"EUR","amount_1000":12500}},
				{"type":"date_time","date_time":{"fallback_value":"1 Dec 2026"}}]},
			{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"STOP"}]},
			{"type":"button","sub_type":"url","index":"1","parameters":[{"type":"text","text":"order/42"}]}]}}`},
		{"named template parameter", Message{To: to, Template: &Template{Name: "greet", Language: "en", Components: []TemplateComponent{
			{Type: "body", Parameters: []TemplateParameter{{Type: "text", ParameterName: "first_name", Text: "Ada"}}},
		}}},
			`{` + head + `,"type":"template","template":{"name":"greet","language":{"code":"en"},"components":[
			{"type":"body","parameters":[{"type":"text","parameter_name":"first_name","text":"Ada"}]}]}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := newGraph(t, http.StatusOK, sendOK)
			res, err := g.client().Send(context.Background(), testToken, "106540352242922", c.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			r := g.only()
			if r.Method != http.MethodPost || r.Path != "/v21.0/106540352242922/messages" {
				t.Errorf("request %s %s, want POST /v21.0/106540352242922/messages", r.Method, r.Path)
			}
			if r.Auth != "Bearer "+testToken || r.ContentType != "application/json" {
				t.Errorf("Authorization %q, Content-Type %q", r.Auth, r.ContentType)
			}
			sameJSON(t, r.Body, c.want)
			if res.WAMID != "wamid.HBgL" || res.WAID != "15551234567" {
				t.Errorf("result %+v", res)
			}
			body, err := c.msg.Body()
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, body, c.want)
		})
	}
}

// TestSendResultTemplateStatus reads messages[].message_status from a
// template send and leaves WAID empty when Meta names no contact.
func TestSendResultTemplateStatus(t *testing.T) {
	for _, status := range []string{"accepted", "held_for_quality_assessment", "paused"} {
		g := newGraph(t, http.StatusOK, `{"messaging_product":"whatsapp","messages":[{"id":"wamid.T","message_status":"`+status+`"}]}`)
		res, err := g.client().Send(context.Background(), testToken, "1", Message{To: Recipient{UserID: "US.1349"}, Template: &Template{Name: "t", Language: "en"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.WAMID != "wamid.T" || res.MessageStatus != status || res.WAID != "" {
			t.Errorf("%s: result %+v", status, res)
		}
	}
}

// TestRecipientAddressing: a phone wins over a BSUID, '+' is dropped, and a
// BSUID alone is addressed by the one adapter.
func TestRecipientAddressing(t *testing.T) {
	cases := []struct {
		name string
		r    Recipient
		want string // the "to" field
	}{
		{"phone", Recipient{Phone: "15551234567"}, "15551234567"},
		{"phone with plus", Recipient{Phone: "+4915112345678"}, "4915112345678"},
		{"phone and bsuid", Recipient{Phone: "15551234567", UserID: "US.13491208655302741918"}, "15551234567"},
		{"bsuid only", Recipient{UserID: "US.13491208655302741918"}, "US.13491208655302741918"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body, err := (&Message{To: c.r, Text: &Text{Body: "hi"}}).Body()
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, body, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"`+c.want+`","type":"text","text":{"body":"hi"}}`)
		})
	}
}

// TestMarkRead posts Meta's read receipt body.
func TestMarkRead(t *testing.T) {
	g := newGraph(t, http.StatusOK, `{"success":true}`)
	if err := g.client().MarkRead(context.Background(), testToken, "1065", "wamid.in"); err != nil {
		t.Fatal(err)
	}
	r := g.only()
	if r.Path != "/v21.0/1065/messages" || r.Auth != "Bearer "+testToken {
		t.Errorf("request %s auth %q", r.Path, r.Auth)
	}
	sameJSON(t, r.Body, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.in"}`)
}
