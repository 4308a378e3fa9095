package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"switchboard/internal/whatsapp"
)

var texts = []string{
	"Hi, is my order on its way?",
	"Does it come in another color?",
	"Can I change the delivery address?",
	"Thanks, that worked 👍",
	"What are your opening hours on Sunday?",
	"I'd like to return the shoes, they are too small.",
	"¿Tienen envío a Valencia?",
	"Bonjour, je voudrais réserver une table pour deux.",
	"The app says payment failed but my card was charged",
	"ok",
}

// NewMessage builds a realistic message of the given type, as Meta would deliver it, using r
// for the varying parts. replyTo is a wamid the message refers to: the reacted-to message for
// reactions, the business message a button or list answer belongs to (context.id); when empty,
// reactions and replies refer to a made-up id. Unknown types yield an "unsupported" message
// carrying Meta's 131051 error, which is what Meta does with types the API can't deliver.
func NewMessage(r *rand.Rand, typ whatsapp.MessageType, from, wamid string, ts time.Time, replyTo string) whatsapp.Message {
	m := whatsapp.Message{From: from, ID: wamid, Timestamp: whatsapp.UnixTimestamp(ts), Type: typ}
	if replyTo == "" {
		replyTo = Wamid(from, r.Uint64(), 0)
	}
	ctx := &whatsapp.Context{From: "15550783881", ID: replyTo}
	media := func(mime, caption, filename string) *whatsapp.Media {
		id := mediaID(r)
		return &whatsapp.Media{ID: id, MimeType: mime, SHA256: mediaHash(id), Caption: caption, Filename: filename}
	}
	switch typ {
	case whatsapp.TypeText:
		m.Text = &whatsapp.Text{Body: texts[r.IntN(len(texts))]}
		switch r.IntN(8) {
		case 0:
			m.Context = ctx
		case 1:
			m.Context = &whatsapp.Context{Forwarded: true}
		case 2:
			m.Referral = &whatsapp.Referral{
				SourceURL: "https://fb.me/3cr4Wqqkv", SourceID: "120226305854810726", SourceType: "ad",
				Headline: "Summer sale", Body: "Up to 50% off", MediaType: "image",
				ImageURL: "https://scontent.xx.fbcdn.net/v/ad.jpg", CTWAClid: fmt.Sprintf("ARAkLkA8%016x", r.Uint64()),
			}
		}
	case whatsapp.TypeImage:
		m.Image = media("image/jpeg", pick(r, "", "Broken on arrival", "this one"), "")
	case whatsapp.TypeAudio:
		m.Audio = media("audio/ogg; codecs=opus", "", "")
		m.Audio.Voice = r.IntN(2) == 0
	case whatsapp.TypeVideo:
		m.Video = media("video/mp4", pick(r, "", "see the noise it makes"), "")
	case whatsapp.TypeDocument:
		m.Document = media("application/pdf", pick(r, "", "my invoice"), fmt.Sprintf("invoice-%04d.pdf", r.IntN(10_000)))
	case whatsapp.TypeSticker:
		m.Sticker = media("image/webp", "", "")
		m.Sticker.Animated = r.IntN(2) == 0
	case whatsapp.TypeLocation:
		m.Location = &whatsapp.Location{Latitude: 37.4833, Longitude: -122.1487}
		if r.IntN(2) == 0 {
			m.Location.Name, m.Location.Address = "Philz Coffee", "1 Hacker Way, Menlo Park, CA 94025"
			m.Location.URL = "https://philzcoffee.com"
		}
	case whatsapp.TypeContacts:
		m.Contacts = []whatsapp.ContactCard{{
			Name:   whatsapp.ContactName{FormattedName: "Barbara J. Johnson", FirstName: "Barbara", LastName: "Johnson"},
			Phones: []whatsapp.ContactPhone{{Phone: "+1 (940) 555-1234", WAID: "19405551234", Type: "HOME"}},
			Emails: []whatsapp.ContactEmail{{Email: "bjohnson@example.com", Type: "WORK"}},
			Org:    &whatsapp.ContactOrg{Company: "Social Tsunami", Title: "Director"},
		}}
	case whatsapp.TypeInteractive:
		m.Context = ctx
		switch r.IntN(3) {
		case 0:
			m.Interactive = &whatsapp.Interactive{Type: "button_reply", ButtonReply: &whatsapp.ButtonReply{ID: "confirm", Title: "Confirm"}}
		case 1:
			m.Interactive = &whatsapp.Interactive{Type: "list_reply", ListReply: &whatsapp.ListReply{
				ID: "priority_express", Title: "Priority Mail Express", Description: "Next Day to 2 Days"}}
		default:
			m.Interactive = &whatsapp.Interactive{Type: "nfm_reply", NFMReply: &whatsapp.NFMReply{
				Name: "flow", Body: "Sent", ResponseJSON: `{"flow_token":"AQAAAAACS5FpgQ_cAAAAAD0QI3s.","date":"2025-06-01"}`}}
		}
	case whatsapp.TypeButton:
		m.Context = ctx
		m.Button = &whatsapp.Button{Payload: "TRACK_ORDER", Text: "Track my order"}
	case whatsapp.TypeReaction:
		m.Reaction = &whatsapp.Reaction{MessageID: replyTo, Emoji: pick(r, "👍", "❤️", "😂", "🙏", "")}
	case whatsapp.TypeOrder:
		m.Order = &whatsapp.Order{CatalogID: "194836987003835", Text: "Love these!", ProductItems: []whatsapp.ProductItem{
			{ProductRetailerID: "di9ozbzfi4", Quantity: 1 + r.IntN(3), ItemPrice: 7.99, Currency: "USD"},
			{ProductRetailerID: "nqryix03ez", Quantity: 1, ItemPrice: 19.5, Currency: "USD"},
		}}
	case whatsapp.TypeSystem:
		newID := "1" + from[1:4] + "556" + from[len(from)-4:]
		m.System = &whatsapp.System{
			Body: fmt.Sprintf("User %s changed from %s to %s", from, from, newID),
			Type: "user_changed_number", NewWAID: newID,
		}
	default:
		m.Type = whatsapp.TypeUnsupported
		m.Unsupported = &whatsapp.Unsupported{Type: "edit"}
		m.Errors = []whatsapp.Error{{
			Code: 131051, Title: "Message type unknown", Message: "Message type unknown",
			ErrorData: &whatsapp.ErrorData{Details: "Message type is currently not supported."},
		}}
	}
	return m
}

func pick(r *rand.Rand, options ...string) string { return options[r.IntN(len(options))] }

// ParseTypes reads a -types flag: a comma-separated list of message types, or "all" for every
// type Meta sends. Unknown names are an error so a typo doesn't silently send only text.
func ParseTypes(s string) ([]whatsapp.MessageType, error) {
	if s == "" || s == "all" {
		return whatsapp.MessageTypes(), nil
	}
	var out []whatsapp.MessageType
	for _, part := range splitList(s) {
		t := whatsapp.MessageType(part)
		if !t.Known() {
			return nil, fmt.Errorf("unknown message type %q (want one of %v or all)", part, whatsapp.MessageTypes())
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no message types in %q", s)
	}
	return out, nil
}
