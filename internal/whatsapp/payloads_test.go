package whatsapp

import (
	"fmt"
	"strings"
)

// Payloads below follow Meta's documented webhook examples (messages webhook reference,
// status reference, template and account update references); ids are realistic in shape.

const (
	testWABA  = "102290129340398"
	testPNID  = "106540352242922"
	testWAID  = "16505551234"
	testWamid = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
)

// inbound wraps one message object in a full envelope with the sender's contact, the way
// Meta delivers a single inbound message.
func inbound(msg string) string {
	return fmt.Sprintf(`{
  "object": "whatsapp_business_account",
  "entry": [{
    "id": %q,
    "changes": [{
      "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": %q},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": %q}],
        "messages": [%s]
      },
      "field": "messages"
    }]
  }]
}`, testWABA, testPNID, testWAID, msg)
}

// msg builds a message object of the given type with its payload.
func msg(typ, payload string, extra ...string) string {
	parts := []string{
		`"from": "16505551234"`,
		`"id": "` + testWamid + `"`,
		`"timestamp": "1749416383"`,
		`"type": "` + typ + `"`,
	}
	if payload != "" {
		parts = append(parts, `"`+typ+`": `+payload)
	}
	parts = append(parts, extra...)
	return "{" + strings.Join(parts, ", ") + "}"
}

// statusEnv wraps status objects in an envelope, as Meta sends delivery callbacks.
func statusEnv(statuses ...string) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":%q,"changes":[{"value":{
  "messaging_product":"whatsapp",
  "metadata":{"display_phone_number":"15550783881","phone_number_id":%q},
  "statuses":[%s]},"field":"messages"}]}]}`, testWABA, testPNID, strings.Join(statuses, ","))
}

func status(st string, extra ...string) string {
	parts := []string{
		`"id": "wamid.HBgLMTY1MDUwNzY1MjAVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"`,
		`"status": "` + st + `"`,
		`"timestamp": "1750263773"`,
		`"recipient_id": "16505551234"`,
	}
	return "{" + strings.Join(append(parts, extra...), ", ") + "}"
}

const pricingConv = `"conversation": {"id": "6ceb9d929c4ba4ba1dcb72f8be23c2e3", "expiration_timestamp": "1750350180", "origin": {"type": "service"}},
 "pricing": {"billable": true, "pricing_model": "CBP", "category": "service"}`

func fieldEnv(field, value string) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":%q,"time":1739321024,"changes":[{"value":%s,"field":%q}]}]}`,
		testWABA, value, field)
}

type parseCase struct {
	name string
	body string
	// For single-message payloads: the expected summary.
	kind     MessageType
	text     string
	mediaID  string
	replyTo  string
	check    func(env *Envelope) error
	wantItem ItemKind
}

var messageCases = []parseCase{
	{name: "text", body: inbound(msg("text", `{"body": "Does it come in another color?"}`)),
		kind: TypeText, text: "Does it come in another color?"},
	{name: "text reply with context", body: inbound(msg("text", `{"body": "Yes please"}`,
		`"context": {"from": "15550783881", "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NEUxNzg1RUE3OUFCQkVCMjMA"}`)),
		kind: TypeText, text: "Yes please", replyTo: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3NEUxNzg1RUE3OUFCQkVCMjMA"},
	{name: "text forwarded", body: inbound(msg("text", `{"body": "look at this"}`,
		`"context": {"forwarded": true, "frequently_forwarded": true}`)),
		kind: TypeText, text: "look at this",
		check: func(env *Envelope) error {
			c := firstMsg(env).Context
			if c == nil || !c.Forwarded || !c.FrequentlyForwarded {
				return fmt.Errorf("forwarded flags lost: %+v", c)
			}
			return nil
		}},
	{name: "product inquiry", body: inbound(msg("text", `{"body": "Is this in stock?"}`,
		`"context": {"from": "15550783881", "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjU2QjE5MkY4MjE5NkYyRjcA", "referred_product": {"catalog_id": "194836987003835", "product_retailer_id": "di9ozbzfi4"}}`)),
		kind: TypeText, text: "Is this in stock?", replyTo: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjU2QjE5MkY4MjE5NkYyRjcA",
		check: func(env *Envelope) error {
			if rp := firstMsg(env).Context.ReferredProduct; rp == nil || rp.ProductRetailerID != "di9ozbzfi4" {
				return fmt.Errorf("referred product lost: %+v", rp)
			}
			return nil
		}},
	{name: "text from ad referral", body: inbound(msg("text", `{"body": "I saw your ad"}`,
		`"referral": {"source_url": "https://fb.me/3cr4Wqqkv", "source_id": "120226305854810726", "source_type": "ad", "headline": "Chat with us", "body": "Summer sale", "media_type": "image", "image_url": "https://scontent.xx.fbcdn.net/v/t45.1600-4/1.jpg", "ctwa_clid": "Aff-n8ZTODiE79d22KtAwQKj9e_mIEOOj27vDVwFjN80dp4_0NiNhEgpGo0AHemvuSoifXaytfTzcchptiErTKCqTrJ5nW1h7IHYeYymGb5K5J5iBvGESd4CNJZLpmJeVJOjrq7c", "welcome_message": {"text": "Hi! How can we help?"}}`)),
		kind: TypeText, text: "I saw your ad",
		check: func(env *Envelope) error {
			r := firstMsg(env).Referral
			if r == nil || r.SourceType != "ad" || r.CTWAClid == "" || r.WelcomeMessage == nil {
				return fmt.Errorf("referral lost: %+v", r)
			}
			return nil
		}},
	{name: "image with caption", body: inbound(msg("image", `{"caption": "Broken on arrival", "mime_type": "image/jpeg", "sha256": "KpBEgtu6JxL0wNXVkR3eYLeFXUZ1Tf5Z1Tm5XYMSbsU=", "id": "1003383421387256"}`)),
		kind: TypeImage, text: "Broken on arrival", mediaID: "1003383421387256"},
	{name: "audio voice note", body: inbound(msg("audio", `{"mime_type": "audio/ogg; codecs=opus", "sha256": "Tyfpm3wVj3G9KbVSkuuYwMhjZs8TvhEOpbFtGAdx9rc=", "id": "1020834953240416", "voice": true}`)),
		kind: TypeAudio, mediaID: "1020834953240416",
		check: func(env *Envelope) error {
			if !firstMsg(env).Audio.Voice {
				return fmt.Errorf("voice flag lost")
			}
			return nil
		}},
	{name: "video", body: inbound(msg("video", `{"caption": "see the noise", "mime_type": "video/mp4", "sha256": "pYZTtg0xo8VWZz8n3pXyqsIvtt1Ox5RxWnN4wqUVDqU=", "id": "1297365098106588"}`)),
		kind: TypeVideo, text: "see the noise", mediaID: "1297365098106588"},
	{name: "document with filename", body: inbound(msg("document", `{"filename": "invoice-4411.pdf", "mime_type": "application/pdf", "sha256": "Rr5cm0RVrCDnWhZ7YlQBeHz2oBGXY9N8TT8Z1wYwtr0=", "id": "1131683968467766"}`)),
		kind: TypeDocument, text: "invoice-4411.pdf", mediaID: "1131683968467766"},
	{name: "document with caption", body: inbound(msg("document", `{"caption": "my invoice", "filename": "invoice-4411.pdf", "mime_type": "application/pdf", "sha256": "Rr5cm0RVrCDnWhZ7YlQBeHz2oBGXY9N8TT8Z1wYwtr0=", "id": "1131683968467766"}`)),
		kind: TypeDocument, text: "my invoice", mediaID: "1131683968467766"},
	{name: "sticker animated", body: inbound(msg("sticker", `{"mime_type": "image/webp", "sha256": "t7x8HOSjNnCh8Kq4+IP+0DXxdGsh5BuzaaVh9a8EfEk=", "id": "1029476615600578", "animated": true}`)),
		kind: TypeSticker, mediaID: "1029476615600578"},
	{name: "location place", body: inbound(msg("location", `{"address": "1 Hacker Way, Menlo Park, CA 94025", "latitude": 37.483253479003906, "longitude": -122.14865112304688, "name": "Philz Coffee", "url": "https://philzcoffee.com"}`)),
		kind: TypeLocation, text: "Philz Coffee, 1 Hacker Way, Menlo Park, CA 94025"},
	{name: "location pin", body: inbound(msg("location", `{"latitude": 52.52, "longitude": 13.405}`)),
		kind: TypeLocation, text: "52.52,13.405"},
	{name: "contacts card", body: inbound(`{"from": "16505551234", "id": "` + testWamid + `", "timestamp": "1749416383", "type": "contacts",
  "contacts": [{
    "addresses": [{"city": "Menlo Park", "country": "United States", "country_code": "us", "state": "CA", "street": "1 Hacker Way", "type": "HOME", "zip": "94025"}],
    "birthday": "1999-01-23",
    "emails": [{"email": "bjohnson@example.com", "type": "HOME"}],
    "name": {"first_name": "Barbara", "last_name": "Johnson", "formatted_name": "Barbara J. Johnson", "middle_name": "Joana", "prefix": "Dr."},
    "org": {"company": "Social Tsunami", "department": "Marketing", "title": "Director"},
    "phones": [{"phone": "+1 (940) 555-1234", "wa_id": "19405551234", "type": "HOME"}],
    "urls": [{"url": "https://www.example.com", "type": "WORK"}]
  }, {"name": {"formatted_name": "Max Mustermann", "first_name": "Max"}, "phones": [{"phone": "+49 30 1234567", "type": "CELL"}]}]}`),
		kind: TypeContacts, text: "Barbara J. Johnson, Max Mustermann",
		check: func(env *Envelope) error {
			c := firstMsg(env).Contacts
			if len(c) != 2 || c[0].Phones[0].WAID != "19405551234" || c[0].Org.Company != "Social Tsunami" || c[0].Addresses[0].Zip != "94025" {
				return fmt.Errorf("contact card fields lost: %+v", c)
			}
			return nil
		}},
	{name: "interactive button_reply", body: inbound(msg("interactive", `{"type": "button_reply", "button_reply": {"id": "change-button", "title": "Change"}}`,
		`"context": {"from": "15550783881", "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBIyRUZFQjM1RDgzQTMwQTQ0QjYA"}`)),
		kind: TypeInteractive, text: "Change", replyTo: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBIyRUZFQjM1RDgzQTMwQTQ0QjYA"},
	{name: "interactive list_reply", body: inbound(msg("interactive", `{"type": "list_reply", "list_reply": {"id": "priority_express", "title": "Priority Mail Express", "description": "Next Day to 2 Days"}}`)),
		kind: TypeInteractive, text: "Priority Mail Express",
		check: func(env *Envelope) error {
			if d := firstMsg(env).Interactive.ListReply.Description; d != "Next Day to 2 Days" {
				return fmt.Errorf("description %q", d)
			}
			return nil
		}},
	{name: "interactive nfm_reply", body: inbound(msg("interactive", `{"type": "nfm_reply", "nfm_reply": {"name": "flow", "body": "Sent", "response_json": "{\"flow_token\": \"AQAAAAACS5FpgQ_cAAAAAD0QI3s.\", \"appointment\": \"2024-05-01T10:00\"}"}}`)),
		kind: TypeInteractive, text: "Sent",
		check: func(env *Envelope) error {
			if !strings.Contains(firstMsg(env).Interactive.NFMReply.ResponseJSON, "flow_token") {
				return fmt.Errorf("response_json lost")
			}
			return nil
		}},
	{name: "button", body: inbound(msg("button", `{"payload": "Unsubscribe from Promos", "text": "Unsubscribe from Promos"}`,
		`"context": {"from": "15550783881", "id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBIzRUI0QTAzNkI2MkM5NjBFQTQA"}`)),
		kind: TypeButton, text: "Unsubscribe from Promos", replyTo: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBIzRUI0QTAzNkI2MkM5NjBFQTQA"},
	{name: "reaction", body: inbound(msg("reaction", `{"message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJFNjBFQkE4MzQzRDcwMTI2NjQA", "emoji": "\ud83d\ude00"}`)),
		kind: TypeReaction, text: "😀", replyTo: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJFNjBFQkE4MzQzRDcwMTI2NjQA"},
	{name: "reaction removed", body: inbound(msg("reaction", `{"message_id": "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJFNjBFQkE4MzQzRDcwMTI2NjQA"}`)),
		kind: TypeReaction, text: "", replyTo: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJFNjBFQkE4MzQzRDcwMTI2NjQA"},
	{name: "order", body: inbound(msg("order", `{"catalog_id": "194836987003835", "text": "Love these!", "product_items": [{"product_retailer_id": "di9ozbzfi4", "quantity": 2, "item_price": 7.99, "currency": "USD"}, {"product_retailer_id": "nqryix03ez", "quantity": 1, "item_price": 19.99, "currency": "USD"}]}`)),
		kind: TypeOrder, text: "Love these!",
		check: func(env *Envelope) error {
			o := firstMsg(env).Order
			if len(o.ProductItems) != 2 || o.ProductItems[0].Quantity != 2 || o.ProductItems[1].ItemPrice != 19.99 {
				return fmt.Errorf("order lines lost: %+v", o)
			}
			return nil
		}},
	{name: "system user changed number", body: `{"object":"whatsapp_business_account","entry":[{"id":"` + testWABA + `","changes":[{"value":{
  "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"` + testPNID + `"},
  "messages":[{"from":"16505551234","id":"` + testWamid + `","system":{"body":"User Sheena Nelson changed from 16505551234 to 16505559999","new_wa_id":"16505559999","type":"user_changed_number"},"timestamp":"1749416383","type":"system"}]},"field":"messages"}]}]}`,
		kind: TypeSystem, text: "User Sheena Nelson changed from 16505551234 to 16505559999",
		check: func(env *Envelope) error {
			s := firstMsg(env).System
			if s.NewWAID != "16505559999" || s.Type != "user_changed_number" {
				return fmt.Errorf("system fields lost: %+v", s)
			}
			if n := env.Entry[0].Changes[0].Messages.ContactName("16505551234"); n != "" {
				return fmt.Errorf("no contacts were sent, got name %q", n)
			}
			return nil
		}},
	{name: "unsupported with errors", body: inbound(msg("unsupported", `{"type": "edit"}`,
		`"errors": [{"code": 131051, "title": "Message type unknown", "message": "Message type unknown", "error_data": {"details": "Message type is currently not supported."}}]`)),
		kind: TypeUnsupported,
		check: func(env *Envelope) error {
			m := firstMsg(env)
			if len(m.Errors) != 1 || m.Errors[0].Code != 131051 || m.Errors[0].ErrorData.Details == "" || m.Unsupported.Type != "edit" {
				return fmt.Errorf("errors lost: %+v", m.Errors)
			}
			return nil
		}},
	{name: "unknown future type kept raw", body: inbound(msg("ephemeral_poll", `{"question": "Lunch?", "options": ["yes", "no"]}`)),
		kind: TypeUnsupported,
		check: func(env *Envelope) error {
			m := firstMsg(env)
			if m.Type != "ephemeral_poll" || !strings.Contains(string(m.Raw), `"question": "Lunch?"`) {
				return fmt.Errorf("unknown payload not kept: type %q raw %s", m.Type, m.Raw)
			}
			return nil
		}},
}

var statusCases = []parseCase{
	{name: "status sent", body: statusEnv(status("sent", pricingConv)), check: wantStatus(StatusSent, func(s Status) error {
		if s.Conversation == nil || s.Conversation.Origin.Type != "service" || s.Conversation.ExpirationTimestamp != "1750350180" {
			return fmt.Errorf("conversation lost: %+v", s.Conversation)
		}
		if s.Pricing == nil || !bool(s.Pricing.Billable) || s.Pricing.PricingModel != "CBP" || s.Pricing.Category != "service" {
			return fmt.Errorf("pricing lost: %+v", s.Pricing)
		}
		return nil
	})},
	{name: "status delivered", body: statusEnv(status("delivered", `"conversation": {"id": "6ceb9d929c4ba4ba1dcb72f8be23c2e3", "origin": {"type": "marketing"}}, "pricing": {"billable": true, "pricing_model": "PMP", "type": "regular", "category": "marketing"}`)),
		check: wantStatus(StatusDelivered, func(s Status) error {
			if s.Pricing.Type != "regular" || s.Pricing.PricingModel != "PMP" {
				return fmt.Errorf("pricing lost: %+v", s.Pricing)
			}
			return nil
		})},
	{name: "status read", body: statusEnv(status("read")), check: wantStatus(StatusRead, nil)},
	{name: "status failed", body: statusEnv(status("failed", `"errors": [{"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message", "error_data": {"details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}, "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]`)),
		check: wantStatus(StatusFailed, func(s Status) error {
			if len(s.Errors) != 1 || s.Errors[0].Code != 131047 || s.Errors[0].ErrorData == nil || s.Errors[0].Href == "" {
				return fmt.Errorf("errors lost: %+v", s.Errors)
			}
			return nil
		})},
	{name: "status deleted", body: statusEnv(status("deleted")), check: wantStatus(StatusDeleted, nil)},
	{name: "status warning", body: statusEnv(status("warning", `"errors": [{"code": 131053, "title": "Media upload error"}]`)), check: wantStatus(StatusWarning, nil)},
	{name: "status unknown kept", body: statusEnv(status("played", `"biz_opaque_callback_data": "campaign-42"`)), check: wantStatus("played", func(s Status) error {
		if s.BizOpaqueCallbackData != "campaign-42" || !strings.Contains(string(s.Raw), "played") {
			return fmt.Errorf("raw or opaque data lost: %+v", s)
		}
		return nil
	})},
	{name: "status billable as string", body: statusEnv(status("sent", `"pricing": {"billable": "false", "pricing_model": "CBP", "category": "utility"}`)),
		check: wantStatus(StatusSent, func(s Status) error {
			if s.Pricing.Billable {
				return fmt.Errorf("billable should be false")
			}
			return nil
		})},
	{name: "statuses batched out of order", body: statusEnv(status("read"), status("sent", pricingConv), status("delivered")),
		check: func(env *Envelope) error {
			st := env.Items()[0].Statuses
			if len(st) != 3 || st[0].Status != StatusRead || st[1].Status != StatusSent || st[2].Status != StatusDelivered {
				return fmt.Errorf("order not kept: %+v", st)
			}
			return nil
		}},
}

var otherCases = []parseCase{
	{name: "template approved", wantItem: ItemTemplateStatus,
		body: fieldEnv(FieldTemplateStatusUpdate, `{"event": "APPROVED", "message_template_id": 1689556908129832, "message_template_name": "order_confirmation", "message_template_language": "en_US", "reason": "NONE"}`),
		check: func(env *Envelope) error {
			ts := env.Items()[0].TemplateStatus
			if ts.MessageTemplateID.String() != "1689556908129832" || ts.Event != "APPROVED" || ts.MessageTemplateLanguage != "en_US" {
				return fmt.Errorf("template update: %+v", ts)
			}
			return nil
		}},
	{name: "template rejected null reason", wantItem: ItemTemplateStatus,
		body: fieldEnv(FieldTemplateStatusUpdate, `{"event": "REJECTED", "message_template_id": 806312974732579, "message_template_name": "summer_sale", "message_template_language": "en_US", "reason": null}`)},
	{name: "template quality", wantItem: ItemTemplateQuality,
		body: fieldEnv(FieldTemplateQualityUpdate, `{"previous_quality_score": "GREEN", "new_quality_score": "RED", "message_template_id": 806312974732579, "message_template_name": "summer_sale", "message_template_language": "en_US"}`),
		check: func(env *Envelope) error {
			if q := env.Items()[0].TemplateQuality; q.NewQualityScore != "RED" || q.MessageTemplateID.String() != "806312974732579" {
				return fmt.Errorf("quality %+v", q)
			}
			return nil
		}},
	{name: "template category notice", wantItem: ItemTemplateCategory,
		body: fieldEnv(FieldTemplateCategoryUpdate, `{"message_template_id": "806312974732579", "message_template_name": "summer_sale", "message_template_language": "en_US", "correct_category": "MARKETING", "category_update_timestamp": "1750604800"}`),
		check: func(env *Envelope) error {
			if u := env.Items()[0].TemplateCategory; !u.Notice() || u.CategoryUpdateTimestamp != "1750604800" {
				return fmt.Errorf("category %+v", u)
			}
			return nil
		}},
	{name: "template disabled", wantItem: ItemTemplateStatus,
		body: fieldEnv(FieldTemplateStatusUpdate, `{"event": "DISABLED", "message_template_id": 806312974732579, "message_template_name": "summer_sale", "message_template_language": "en_US", "disable_info": {"disable_date": 1750086400}, "rejection_info": {"reason": "x", "recommendation": "y"}}`),
		check: func(env *Envelope) error {
			if u := env.Items()[0].TemplateStatus; u.DisableInfo == nil || u.DisableInfo.DisableDate != "1750086400" || u.RejectionInfo == nil || u.RejectionInfo.Recommendation != "y" {
				return fmt.Errorf("status %+v", u)
			}
			return nil
		}},
	{name: "phone quality", wantItem: ItemPhoneQuality,
		body: fieldEnv(FieldPhoneQualityUpdate, `{"display_phone_number": "15550783881", "event": "DOWNGRADE", "current_limit": "TIER_1K", "old_limit": "TIER_10K"}`),
		check: func(env *Envelope) error {
			if q := env.Items()[0].PhoneQuality; q.CurrentLimit != "TIER_1K" || q.Event != "DOWNGRADE" {
				return fmt.Errorf("quality: %+v", q)
			}
			return nil
		}},
	{name: "account update violation", wantItem: ItemAccountUpdate,
		body: fieldEnv(FieldAccountUpdate, `{"phone_number": "15550783881", "event": "ACCOUNT_VIOLATION", "violation_info": {"violation_type": "SCAM"}}`),
		check: func(env *Envelope) error {
			if a := env.Items()[0].Account; a.ViolationInfo.ViolationType != "SCAM" {
				return fmt.Errorf("account: %+v", a)
			}
			return nil
		}},
	{name: "account update ban keeps raw", wantItem: ItemAccountUpdate,
		body: fieldEnv(FieldAccountUpdate, `{"event": "DISABLED_UPDATE", "ban_info": {"waba_ban_state": ["DISABLE"], "waba_ban_date": "2024-10-09"}}`),
		check: func(env *Envelope) error {
			if !strings.Contains(string(env.Items()[0].Value), "waba_ban_state") {
				return fmt.Errorf("raw value lost")
			}
			return nil
		}},
	{name: "user preferences resume, BSUID only", wantItem: ItemUserPreferences,
		body: fieldEnv(FieldUserPreferences, `{"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"}, "contacts": [{"profile": {"name": "Sheena Nelson", "username": "sheena.n"}, "wa_id": "", "user_id": "US.13491208655302741918"}], "user_preferences": [{"wa_id": "", "user_id": "US.13491208655302741918", "detail": "User requested to resume marketing messages", "category": "marketing_messages", "value": "resume", "timestamp": 1731705721}]}`),
		check: func(env *Envelope) error {
			it := env.Items()[0]
			p := it.Preferences
			if it.PhoneNumberID != "106540352242922" || len(p) != 1 || !p[0].Resume() || p[0].Stop() || p[0].Timestamp != "1731705721" ||
				p[0].UserID != "US.13491208655302741918" || it.ContactFor(p[0].WAID, p[0].UserID).Profile.Username != "sheena.n" {
				return fmt.Errorf("preferences: %+v", it)
			}
			return nil
		}},
	{name: "user preferences other category", wantItem: ItemUserPreferences,
		body: fieldEnv(FieldUserPreferences, `{"messaging_product": "whatsapp", "metadata": {"display_phone_number": "1", "phone_number_id": "2"}, "user_preferences": [{"wa_id": "16505551234", "category": "service_messages", "value": "stop", "timestamp": "1731705721"}]}`),
		check: func(env *Envelope) error {
			if p := env.Items()[0].Preferences[0]; p.Stop() || p.Resume() {
				return fmt.Errorf("only marketing_messages stop/resume count: %+v", p)
			}
			return nil
		}},
	{name: "unknown field", wantItem: ItemOther,
		body: fieldEnv("message_echoes", `{"messaging_product": "whatsapp", "anything": [1, 2, 3]}`)},
	{name: "batched entries and changes", wantItem: ItemMessages,
		body: `{"object":"whatsapp_business_account","entry":[
 {"id":"` + testWABA + `","changes":[
   {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"111"},"contacts":[{"profile":{"name":"A"},"wa_id":"491701111111"}],"messages":[{"from":"491701111111","id":"wamid.A1","timestamp":"1749416383","type":"text","text":{"body":"one"}},{"from":"491701111111","id":"wamid.A2","timestamp":"1749416384","type":"text","text":{"body":"two"}}]}},
   {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783882","phone_number_id":"222"},"statuses":[{"id":"wamid.S1","status":"read","timestamp":"1749416385","recipient_id":"491702222222"}]}}]},
 {"id":"999999999999999","changes":[
   {"field":"message_template_status_update","value":{"event":"PAUSED","message_template_id":42,"message_template_name":"promo","message_template_language":"de","reason":"FLAGGED"}}]}]}`,
		check: func(env *Envelope) error {
			items := env.Items()
			if len(items) != 3 {
				return fmt.Errorf("want 3 items, got %d", len(items))
			}
			if items[0].PhoneNumberID != "111" || len(items[0].Messages) != 2 || items[0].ContactName("491701111111") != "A" {
				return fmt.Errorf("item 0: %+v", items[0])
			}
			if items[1].PhoneNumberID != "222" || items[1].Statuses[0].ID != "wamid.S1" || items[1].ChangeIndex != 1 {
				return fmt.Errorf("item 1: %+v", items[1])
			}
			if items[2].Kind != ItemTemplateStatus || items[2].WABAID != "999999999999999" || items[2].EntryIndex != 1 {
				return fmt.Errorf("item 2: %+v", items[2])
			}
			return nil
		}},
	{name: "value level errors", wantItem: ItemMessages,
		body: `{"object":"whatsapp_business_account","entry":[{"id":"` + testWABA + `","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"` + testPNID + `"},"errors":[{"code":131000,"title":"Something went wrong","message":"Something went wrong","error_data":{"details":"Unknown error"}}]}}]}]}`,
		check: func(env *Envelope) error {
			if e := env.Items()[0].Errors; len(e) != 1 || e[0].Code != 131000 {
				return fmt.Errorf("errors: %+v", e)
			}
			return nil
		}},
}

func firstMsg(env *Envelope) *Message {
	return &env.Entry[0].Changes[0].Messages.Messages[0]
}

func wantStatus(kind StatusKind, more func(Status) error) func(*Envelope) error {
	return func(env *Envelope) error {
		items := env.Items()
		if len(items) != 1 || len(items[0].Statuses) != 1 {
			return fmt.Errorf("want one status, got %+v", items)
		}
		s := items[0].Statuses[0]
		if s.Status != kind || s.RecipientID != "16505551234" || s.Timestamp != "1750263773" || !strings.HasPrefix(s.ID, "wamid.") {
			return fmt.Errorf("status fields: %+v", s)
		}
		if more != nil {
			return more(s)
		}
		return nil
	}
}

// badBodies must all be refused by Parse with the given sentinel.
var badBodies = []struct {
	name string
	body string
	want error
}{
	{"empty", ``, ErrNotJSON},
	{"not json", `hello`, ErrNotJSON},
	{"truncated", `{"object":"whatsapp_business_account","entry":[`, ErrNotJSON},
	{"array", `[{"object":"whatsapp_business_account"}]`, ErrNotJSON},
	{"wrong object", `{"object":"instagram","entry":[{"id":"1","changes":[]}]}`, ErrWrongObject},
	{"missing object", `{"entry":[{"id":"1","changes":[]}]}`, ErrWrongObject},
	{"missing entry", `{"object":"whatsapp_business_account"}`, ErrNoEntry},
	{"empty entry", `{"object":"whatsapp_business_account","entry":[]}`, ErrNoEntry},
	{"entry not array", `{"object":"whatsapp_business_account","entry":{}}`, ErrMalformed},
	{"entry without id", `{"object":"whatsapp_business_account","entry":[{"changes":[]}]}`, ErrMalformed},
	{"change without field", fieldEnv("", `{}`), ErrMalformed},
	{"messages value null", fieldEnv(FieldMessages, `null`), ErrMalformed},
	{"missing phone_number_id", fieldEnv(FieldMessages, `{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1"},"messages":[]}`), ErrMalformed},
	{"message without id", fieldEnv(FieldMessages, `{"metadata":{"phone_number_id":"1"},"messages":[{"from":"1","type":"text","text":{"body":"x"}}]}`), ErrMalformed},
	{"status without status", fieldEnv(FieldMessages, `{"metadata":{"phone_number_id":"1"},"statuses":[{"id":"wamid.x"}]}`), ErrMalformed},
	{"latitude as string", inbound(msg("location", `{"latitude": "north", "longitude": 1}`)), ErrMalformed},
	{"template id not integer", fieldEnv(FieldTemplateStatusUpdate, `{"event":"APPROVED","message_template_id":"abc"}`), ErrMalformed},
}
