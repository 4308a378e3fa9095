package whatsapp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The golden webhook bodies in sim/testdata/golden were written by hand from Meta's
// documentation of the Cloud API. The simulator is tested to produce them; here the parser is
// tested to read them into the values Meta means, so that neither side is checked only
// against the other. testdata/golden holds more hand-written bodies that only the parser
// reads (kinds the simulator does not build).

// goldenDirs are searched in order for a golden body.
var goldenDirs = []string{filepath.Join("sim", "testdata", "golden"), filepath.Join("testdata", "golden")}

const (
	goldenWABA     = "102290129340398"
	goldenPNID     = "106540352242922"
	goldenCustomer = "16505551234"
	goldenBSUID    = "US.13491208655302741918"
	goldenBSUID2   = "US.20871643290118653207"
	goldenHref     = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
)

func goldenEnvelope(t *testing.T, name string) *Envelope {
	t.Helper()
	var body []byte
	var err error
	for _, dir := range goldenDirs {
		if body, err = os.ReadFile(filepath.Join(dir, name+".json")); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	env, err := Parse(body)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return env
}

// goldenItem returns the only change of a golden body, checking its routing keys.
func goldenItem(t *testing.T, env *Envelope) Item {
	t.Helper()
	items := env.Items()
	if len(items) != 1 {
		t.Fatalf("want 1 change, got %d", len(items))
	}
	it := items[0]
	if it.WABAID != goldenWABA {
		t.Errorf("WABA id %q", it.WABAID)
	}
	if it.Kind == ItemMessages && (it.PhoneNumberID != goldenPNID || it.DisplayPhoneNumber != "15550783881") {
		t.Errorf("metadata %q %q", it.PhoneNumberID, it.DisplayPhoneNumber)
	}
	return it
}

// goldenMessage returns the only inbound message, checking the fields every message has.
func goldenMessage(t *testing.T, name string, typ MessageType) (Item, Message) {
	t.Helper()
	it := goldenItem(t, goldenEnvelope(t, name))
	if len(it.Messages) != 1 || len(it.Statuses) != 0 {
		t.Fatalf("want 1 message and no status, got %d / %d", len(it.Messages), len(it.Statuses))
	}
	m := it.Messages[0]
	if m.Type != typ || !strings.HasPrefix(m.ID, "wamid.") || m.Timestamp != "1750000000" {
		t.Errorf("message head: type %q id %q timestamp %q", m.Type, m.ID, m.Timestamp)
	}
	if at, err := m.Timestamp.Time(); err != nil || at.Unix() != 1_750_000_000 {
		t.Errorf("timestamp: %v %v", at, err)
	}
	if len(m.Raw) == 0 {
		t.Error("raw message not kept")
	}
	return it, m
}

func goldenStatus(t *testing.T, name string, kind StatusKind) Status {
	t.Helper()
	it := goldenItem(t, goldenEnvelope(t, name))
	if len(it.Statuses) != 1 || len(it.Messages) != 0 || len(it.Contacts) != 0 {
		t.Fatalf("want 1 status only, got %d statuses / %d messages / %d contacts", len(it.Statuses), len(it.Messages), len(it.Contacts))
	}
	s := it.Statuses[0]
	if s.Status != kind || !strings.HasPrefix(s.ID, "wamid.") || s.Timestamp != "1750000000" {
		t.Errorf("status head: %q %q %q", s.Status, s.ID, s.Timestamp)
	}
	return s
}

func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %#v\nwant %#v", what, got, want)
	}
}

// goldenMessageChecks holds, per golden file of an inbound message, what the parser must read.
func goldenMessageChecks() map[string]func(t *testing.T) {
	media := func(name string, typ MessageType, pick func(Message) *Media, want Media, text string) func(t *testing.T) {
		return func(t *testing.T) {
			_, m := goldenMessage(t, name, typ)
			got := pick(m)
			if got == nil {
				t.Fatalf("%s payload missing", typ)
			}
			wantEqual(t, "media", *got, want)
			wantEqual(t, "Media()", m.Media(), got)
			wantEqual(t, "display text", m.DisplayText(), text)
		}
	}
	return map[string]func(t *testing.T){
		"text": func(t *testing.T) {
			it, m := goldenMessage(t, "text", TypeText)
			wantEqual(t, "from", m.From, goldenCustomer)
			wantEqual(t, "text", m.Text, &Text{Body: "Hi, is my order on its way?"})
			wantEqual(t, "contacts", it.Contacts, []Contact{{Profile: Profile{Name: "Sheena Nelson"}, WAID: goldenCustomer}})
			wantEqual(t, "contact name", it.ContactName(m.From), "Sheena Nelson")
			if m.Context != nil || m.Errors != nil {
				t.Errorf("unexpected context or errors: %+v %+v", m.Context, m.Errors)
			}
		},
		"text_reply": func(t *testing.T) {
			_, m := goldenMessage(t, "text_reply", TypeText)
			wantEqual(t, "context", m.Context, &Context{From: "15550783881", ID: "wamid.business"})
			wantEqual(t, "reply to", m.Summarize().ReplyTo, "wamid.business")
		},
		"text_forwarded": func(t *testing.T) {
			_, m := goldenMessage(t, "text_forwarded", TypeText)
			wantEqual(t, "context", m.Context, &Context{Forwarded: true})
		},
		"image": media("image", TypeImage, func(m Message) *Media { return m.Image }, Media{
			ID: "1003383421387256", MimeType: "image/jpeg", SHA256: "q83pBXJIZyPnVxA4ldPGl2j6mVb6b0ZoPAyq8TCIyGE=", Caption: "Broken on arrival",
		}, "Broken on arrival"),
		"audio_voice": media("audio_voice", TypeAudio, func(m Message) *Media { return m.Audio }, Media{
			ID: "1047893417223614", MimeType: "audio/ogg; codecs=opus", SHA256: "3pQm8d5ITbbQ6pGMMlOxCqXgyV6OK1rdTyErxKEYVeQ=", Voice: true,
		}, ""),
		"video": media("video", TypeVideo, func(m Message) *Media { return m.Video }, Media{
			ID: "1187325639123842", MimeType: "video/mp4", SHA256: "Vf0Ej0MT1A4dU4SRoCz29+Dc3p5l8YcMjG2C8AUeWX8=", Caption: "see the noise it makes",
		}, "see the noise it makes"),
		"document": media("document", TypeDocument, func(m Message) *Media { return m.Document }, Media{
			ID: "1234567890123456", MimeType: "application/pdf", SHA256: "Y1Xb5Td2kA5qkFgtbVx3Sb1B5mB0w0d9V0bZV2mB8yQ=",
			Caption: "my invoice", Filename: "invoice-0042.pdf",
		}, "my invoice"),
		"sticker": media("sticker", TypeSticker, func(m Message) *Media { return m.Sticker }, Media{
			ID: "1456789012345678", MimeType: "image/webp", SHA256: "o5Zs9fBq3Jc1kR4dIWlq0n8G0uX1KX4cVt3l6h5s5zQ=",
		}, ""),
		"location": func(t *testing.T) {
			_, m := goldenMessage(t, "location", TypeLocation)
			wantEqual(t, "location", m.Location, &Location{Latitude: 37.4833, Longitude: -122.1487,
				Name: "Philz Coffee", Address: "1 Hacker Way, Menlo Park, CA 94025", URL: "https://philzcoffee.com"})
			wantEqual(t, "display text", m.DisplayText(), "Philz Coffee, 1 Hacker Way, Menlo Park, CA 94025")
		},
		"location_pin": func(t *testing.T) {
			_, m := goldenMessage(t, "location_pin", TypeLocation)
			wantEqual(t, "location", m.Location, &Location{Latitude: 37.4833, Longitude: -122.1487})
			wantEqual(t, "display text", m.DisplayText(), "37.4833,-122.1487")
		},
		"contacts": func(t *testing.T) {
			_, m := goldenMessage(t, "contacts", TypeContacts)
			wantEqual(t, "cards", m.Contacts, []ContactCard{{
				Emails: []ContactEmail{{Email: "bjohnson@example.com", Type: "WORK"}},
				Name:   ContactName{FormattedName: "Barbara J. Johnson", FirstName: "Barbara", LastName: "Johnson"},
				Org:    &ContactOrg{Company: "Social Tsunami", Title: "Director"},
				Phones: []ContactPhone{{Phone: "+1 (940) 555-1234", WAID: "19405551234", Type: "HOME"}},
			}})
			wantEqual(t, "display text", m.DisplayText(), "Barbara J. Johnson")
		},
		"interactive_button_reply": func(t *testing.T) {
			_, m := goldenMessage(t, "interactive_button_reply", TypeInteractive)
			wantEqual(t, "interactive", m.Interactive, &Interactive{Type: "button_reply", ButtonReply: &ButtonReply{ID: "confirm", Title: "Confirm"}})
			wantEqual(t, "summary", m.Summarize(), Summary{Kind: TypeInteractive, Text: "Confirm", ReplyTo: "wamid.business"})
		},
		"interactive_list_reply": func(t *testing.T) {
			_, m := goldenMessage(t, "interactive_list_reply", TypeInteractive)
			wantEqual(t, "interactive", m.Interactive, &Interactive{Type: "list_reply", ListReply: &ListReply{
				ID: "priority_express", Title: "Priority Mail Express", Description: "Next Day to 2 Days"}})
			wantEqual(t, "summary", m.Summarize(), Summary{Kind: TypeInteractive, Text: "Priority Mail Express", ReplyTo: "wamid.business"})
		},
		"button": func(t *testing.T) {
			_, m := goldenMessage(t, "button", TypeButton)
			wantEqual(t, "button", m.Button, &Button{Payload: "TRACK_ORDER", Text: "Track my order"})
			wantEqual(t, "summary", m.Summarize(), Summary{Kind: TypeButton, Text: "Track my order", ReplyTo: "wamid.template"})
		},
		"reaction": func(t *testing.T) {
			_, m := goldenMessage(t, "reaction", TypeReaction)
			wantEqual(t, "reaction", m.Reaction, &Reaction{MessageID: "wamid.business", Emoji: "👍"})
			wantEqual(t, "summary", m.Summarize(), Summary{Kind: TypeReaction, Text: "👍", ReplyTo: "wamid.business"})
		},
		"reaction_removed": func(t *testing.T) {
			_, m := goldenMessage(t, "reaction_removed", TypeReaction)
			wantEqual(t, "reaction", m.Reaction, &Reaction{MessageID: "wamid.business"})
		},
		"order": func(t *testing.T) {
			_, m := goldenMessage(t, "order", TypeOrder)
			wantEqual(t, "order", m.Order, &Order{CatalogID: "194836987003835", Text: "Love these!", ProductItems: []ProductItem{
				{ProductRetailerID: "di9ozbzfi4", Quantity: 2, ItemPrice: 7.99, Currency: "USD"},
				{ProductRetailerID: "nqryix03ez", Quantity: 1, ItemPrice: 19.5, Currency: "USD"},
			}})
		},
		"unsupported": func(t *testing.T) {
			_, m := goldenMessage(t, "unsupported", TypeUnsupported)
			wantEqual(t, "unsupported", m.Unsupported, &Unsupported{Type: "edit"})
			wantEqual(t, "errors", m.Errors, []Error{{Code: 131051, Title: "Message type unknown", Message: "Message type unknown",
				ErrorData: &ErrorData{Details: "Message type is currently not supported."}, Href: goldenHref}})
			wantEqual(t, "kind", m.Summarize().Kind, TypeUnsupported)
		},
		"system_user_changed_number": func(t *testing.T) {
			it, m := goldenMessage(t, "system_user_changed_number", TypeSystem)
			wantEqual(t, "system", m.System, &System{Body: "User 16505551234 changed from 16505551234 to 16505569876",
				NewWAID: "16505569876", Type: "user_changed_number"})
			wantEqual(t, "contacts", len(it.Contacts), 0)
		},
		"system_user_changed_user_id": func(t *testing.T) {
			it, m := goldenMessage(t, "system_user_changed_user_id", TypeSystem)
			wantEqual(t, "system", m.System, &System{Body: "User changed from " + goldenBSUID + " to " + goldenBSUID2,
				Type: SystemUserChangedUserID, PreviousUserID: goldenBSUID, UserID: goldenBSUID2})
			wantEqual(t, "from", m.From, "")
			wantEqual(t, "from_user_id", m.FromUserID, goldenBSUID2)
			wantEqual(t, "contacts", len(it.Contacts), 0)
		},
		"bsuid_text": func(t *testing.T) {
			it, m := goldenMessage(t, "bsuid_text", TypeText)
			// Meta may withhold the phone number: from and wa_id arrive as "" and the
			// business-scoped user id identifies the customer instead.
			wantEqual(t, "from", m.From, "")
			wantEqual(t, "text", m.Text, &Text{Body: "Hello from a username"})
			wantEqual(t, "contact wa_id", it.Contacts[0].WAID, "")
			wantEqual(t, "contact name", it.Contacts[0].Profile.Name, "Sheena Nelson")
			wantEqual(t, "from_user_id", m.FromUserID, goldenBSUID)
			wantEqual(t, "contact", it.Contacts, []Contact{{Profile: Profile{Name: "Sheena Nelson", Username: "sheena.n"},
				UserID: goldenBSUID}})
			// An empty wa_id must not match an empty from: only the BSUID finds the contact.
			wantEqual(t, "ContactName(from)", it.ContactName(m.From), "")
			wantEqual(t, "ContactFor(from, from_user_id)", it.ContactFor(m.From, m.FromUserID), &it.Contacts[0])
			wantEqual(t, "ContactFor(\"\", \"\")", it.ContactFor("", ""), (*Contact)(nil))
			wantEqual(t, "raw from_user_id", rawField(t, m.Raw, "from_user_id"), goldenBSUID)
		},
	}
}

// goldenOtherChecks holds the checks of the status and template golden files.
func goldenOtherChecks() map[string]func(t *testing.T) {
	free := &Pricing{Billable: false, PricingModel: "PMP", Type: "free_customer_service", Category: "service"}
	return map[string]func(t *testing.T){
		"status_sent": func(t *testing.T) {
			s := goldenStatus(t, "status_sent", StatusSent)
			wantEqual(t, "recipient", s.RecipientID, goldenCustomer)
			wantEqual(t, "callback data", s.BizOpaqueCallbackData, "msg_01JABCDEF")
			wantEqual(t, "pricing", s.Pricing, &Pricing{Billable: true, PricingModel: "PMP", Type: "regular", Category: "marketing"})
			if s.Conversation != nil || s.Errors != nil {
				t.Errorf("unexpected conversation or errors: %+v %+v", s.Conversation, s.Errors)
			}
		},
		"status_delivered": func(t *testing.T) {
			s := goldenStatus(t, "status_delivered", StatusDelivered)
			wantEqual(t, "pricing", s.Pricing, free)
			wantEqual(t, "callback data", s.BizOpaqueCallbackData, "")
		},
		"status_read": func(t *testing.T) {
			s := goldenStatus(t, "status_read", StatusRead)
			wantEqual(t, "callback data", s.BizOpaqueCallbackData, "msg_01JABCDEF")
			if s.Pricing != nil {
				t.Errorf("read carries no pricing here, got %+v", s.Pricing)
			}
		},
		"status_failed": func(t *testing.T) {
			s := goldenStatus(t, "status_failed", StatusFailed)
			wantEqual(t, "errors", s.Errors, []Error{{Code: 131026, Title: "Message undeliverable", Message: "Message undeliverable",
				ErrorData: &ErrorData{Details: "Message Undeliverable."}, Href: goldenHref}})
		},
		"status_failed_window": func(t *testing.T) {
			s := goldenStatus(t, "status_failed_window", StatusFailed)
			if len(s.Errors) != 1 || s.Errors[0].Code != 131047 || s.Errors[0].ErrorData == nil ||
				!strings.Contains(s.Errors[0].ErrorData.Details, "24 hours") {
				t.Errorf("errors %+v", s.Errors)
			}
		},
		"status_bsuid": func(t *testing.T) {
			s := goldenStatus(t, "status_bsuid", StatusRead)
			wantEqual(t, "recipient", s.RecipientID, "")
			wantEqual(t, "recipient_user_id", s.RecipientUserID, goldenBSUID)
			wantEqual(t, "raw recipient_user_id", rawField(t, s.Raw, "recipient_user_id"), goldenBSUID)
		},
		"user_preferences_stop": func(t *testing.T) {
			it := goldenItem(t, goldenEnvelope(t, "user_preferences_stop"))
			if it.Kind != ItemUserPreferences || it.PhoneNumberID != goldenPNID || it.DisplayPhoneNumber != "15550783881" {
				t.Fatalf("item %q %q %q", it.Kind, it.PhoneNumberID, it.DisplayPhoneNumber)
			}
			wantEqual(t, "contacts", it.Contacts, []Contact{{Profile: Profile{Name: "Sheena Nelson"}, WAID: goldenCustomer, UserID: goldenBSUID}})
			// Meta sends this timestamp as a JSON number; it reads like every other one.
			wantEqual(t, "preferences", it.Preferences, []UserPreference{{WAID: goldenCustomer, UserID: goldenBSUID,
				Detail: "User requested to stop marketing messages", Category: PreferenceMarketing, Value: PreferenceStop,
				Timestamp: "1750000000"}})
			if p := it.Preferences[0]; !p.Stop() || p.Resume() {
				t.Errorf("stop %v resume %v", p.Stop(), p.Resume())
			}
			if len(it.Messages)+len(it.Statuses) != 0 {
				t.Errorf("a preferences change carries no messages or statuses: %+v", it)
			}
		},
		"status_played": func(t *testing.T) {
			s := goldenStatus(t, "status_played", StatusPlayed)
			wantEqual(t, "recipient", s.RecipientID, goldenCustomer)
			wantEqual(t, "recipient_user_id", s.RecipientUserID, goldenBSUID)
		},
		"template_rejected_info": func(t *testing.T) {
			wantEqual(t, "update", goldenTemplate(t, "template_rejected_info"), &TemplateStatusUpdate{
				Event: "REJECTED", MessageTemplateID: 1689556908129832, MessageTemplateName: "order_update",
				MessageTemplateLanguage: "en_US", MessageTemplateCategory: "UTILITY", Reason: "INVALID_FORMAT",
				RejectionInfo: &RejectionInfo{Reason: "The template has a variable at the start of the body.",
					Recommendation: "Move {{1}} away from the start of the body text."}})
		},
		"template_paused": func(t *testing.T) {
			// reason is null on pauses: it reads as "".
			wantEqual(t, "update", goldenTemplate(t, "template_paused"), &TemplateStatusUpdate{
				Event: "PAUSED", MessageTemplateID: 1689556908129832, MessageTemplateName: "order_update",
				MessageTemplateLanguage: "en_US",
				OtherInfo:               &OtherInfo{Title: "FIRST_PAUSE", Description: "Your template has been paused for 3 hours because of low quality."}})
		},
		"template_disabled": func(t *testing.T) {
			u := goldenTemplate(t, "template_disabled")
			wantEqual(t, "event", u.Event, "DISABLED")
			wantEqual(t, "disable_info", u.DisableInfo, &DisableInfo{DisableDate: "1750086400"})
		},
		"template_quality_update": func(t *testing.T) {
			it := goldenItem(t, goldenEnvelope(t, "template_quality_update"))
			wantEqual(t, "kind", it.Kind, ItemTemplateQuality)
			wantEqual(t, "update", it.TemplateQuality, &TemplateQualityUpdate{PreviousQualityScore: "GREEN", NewQualityScore: "YELLOW",
				MessageTemplateID: 1689556908129832, MessageTemplateName: "order_update", MessageTemplateLanguage: "en_US"})
		},
		"template_category_notice": func(t *testing.T) {
			it := goldenItem(t, goldenEnvelope(t, "template_category_notice"))
			wantEqual(t, "kind", it.Kind, ItemTemplateCategory)
			wantEqual(t, "update", it.TemplateCategory, &TemplateCategoryUpdate{MessageTemplateID: 1689556908129832,
				MessageTemplateName: "order_update", MessageTemplateLanguage: "en_US", CorrectCategory: "MARKETING",
				CategoryUpdateTimestamp: "1750604800"})
			wantEqual(t, "notice", it.TemplateCategory.Notice(), true)
		},
		"template_category_update": func(t *testing.T) {
			it := goldenItem(t, goldenEnvelope(t, "template_category_update"))
			wantEqual(t, "kind", it.Kind, ItemTemplateCategory)
			wantEqual(t, "update", it.TemplateCategory, &TemplateCategoryUpdate{MessageTemplateID: 1689556908129832,
				MessageTemplateName: "order_update", MessageTemplateLanguage: "en_US", PreviousCategory: "UTILITY", NewCategory: "MARKETING"})
			wantEqual(t, "notice", it.TemplateCategory.Notice(), false)
		},
		"template_status_update": func(t *testing.T) {
			env := goldenEnvelope(t, "template_status_update")
			it := goldenItem(t, env)
			wantEqual(t, "kind", it.Kind, ItemTemplateStatus)
			wantEqual(t, "entry time", env.Entry[0].Time.String(), "1750000000")
			// This example carries no rejection_info, other_info or disable_info.
			wantEqual(t, "update", it.TemplateStatus, &TemplateStatusUpdate{
				Event: "REJECTED", MessageTemplateID: 1689556908129832, MessageTemplateName: "order_update",
				MessageTemplateLanguage: "en_US", MessageTemplateCategory: "UTILITY", Reason: "INCORRECT_CATEGORY"})
		},
	}
}

// goldenTemplate returns the template status update of a golden body.
func goldenTemplate(t *testing.T, name string) *TemplateStatusUpdate {
	t.Helper()
	it := goldenItem(t, goldenEnvelope(t, name))
	if it.Kind != ItemTemplateStatus || it.TemplateStatus == nil {
		t.Fatalf("kind %q, update %v", it.Kind, it.TemplateStatus)
	}
	return it.TemplateStatus
}

// TestParseGolden runs the check of every golden file, and fails for a file without one.
func TestParseGolden(t *testing.T) {
	checks := goldenMessageChecks()
	for name, check := range goldenOtherChecks() {
		checks[name] = check
	}
	var files []string
	for _, dir := range goldenDirs {
		found, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil || len(found) == 0 {
			t.Fatalf("no golden files in %s: %v", dir, err)
		}
		files = append(files, found...)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if checks[name] == nil {
			t.Errorf("%s: golden file without a parser check", name)
		}
	}
	for name, check := range checks {
		t.Run(name, check)
	}
}

// rawField reads a top-level string field of a kept raw object.
func rawField(t *testing.T, raw []byte, key string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("raw: %v", err)
	}
	return m[key]
}
