package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
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
func NewMessage(r *rand.Rand, typ MessageType, from, wamid string, ts time.Time, replyTo string) Message {
	if replyTo == "" {
		replyTo = Wamid(from, r.Uint64(), 0)
	}
	const business = "15550783881"
	file := func(mime, caption, filename string) File {
		id := mediaID(r)
		return File{ID: id, MimeType: mime, SHA256: mediaHash(id), Caption: caption, Filename: filename}
	}
	switch typ {
	case TypeText:
		m := Text(from, wamid, texts[r.IntN(len(texts))], ts)
		switch r.IntN(8) {
		case 0:
			m.ReplyTo(business, replyTo)
		case 1:
			m.Forwarded()
		case 2:
			m["referral"] = map[string]any{
				"source_url": "https://fb.me/3cr4Wqqkv", "source_id": "120226305854810726", "source_type": "ad",
				"headline": "Summer sale", "body": "Up to 50% off", "media_type": "image",
				"image_url": "https://scontent.xx.fbcdn.net/v/ad.jpg", "ctwa_clid": fmt.Sprintf("ARAkLkA8%016x", r.Uint64()),
			}
		}
		return m
	case TypeImage:
		return Media(typ, from, wamid, ts, file("image/jpeg", pick(r, "", "Broken on arrival", "this one"), ""))
	case TypeAudio:
		f := file("audio/ogg; codecs=opus", "", "")
		f.Voice = r.IntN(2) == 0
		return Media(typ, from, wamid, ts, f)
	case TypeVideo:
		return Media(typ, from, wamid, ts, file("video/mp4", pick(r, "", "see the noise it makes"), ""))
	case TypeDocument:
		return Media(typ, from, wamid, ts, file("application/pdf", pick(r, "", "my invoice"), fmt.Sprintf("invoice-%04d.pdf", r.IntN(10_000))))
	case TypeSticker:
		f := file("image/webp", "", "")
		f.Animated = r.IntN(2) == 0
		return Media(typ, from, wamid, ts, f)
	case TypeLocation:
		p := Place{Latitude: 37.4833, Longitude: -122.1487}
		if r.IntN(2) == 0 {
			p.Name, p.Address, p.URL = "Philz Coffee", "1 Hacker Way, Menlo Park, CA 94025", "https://philzcoffee.com"
		}
		return Location(from, wamid, ts, p)
	case TypeContacts:
		return Contacts(from, wamid, ts, Card{
			FormattedName: "Barbara J. Johnson", FirstName: "Barbara", LastName: "Johnson",
			Phone: "+1 (940) 555-1234", PhoneWAID: "19405551234", PhoneType: "HOME",
			Email: "bjohnson@example.com", EmailType: "WORK", Company: "Social Tsunami", Title: "Director",
		})
	case TypeInteractive:
		switch r.IntN(3) {
		case 0:
			return ButtonReply(from, wamid, ts, "confirm", "Confirm").ReplyTo(business, replyTo)
		case 1:
			return ListReply(from, wamid, ts, "priority_express", "Priority Mail Express", "Next Day to 2 Days").ReplyTo(business, replyTo)
		default:
			return FlowReply(from, wamid, ts, "flow", "Sent", `{"flow_token":"AQAAAAACS5FpgQ_cAAAAAD0QI3s.","date":"2025-06-01"}`).ReplyTo(business, replyTo)
		}
	case TypeButton:
		return QuickReply(from, wamid, ts, "TRACK_ORDER", "Track my order").ReplyTo(business, replyTo)
	case TypeReaction:
		return Reaction(from, wamid, ts, replyTo, pick(r, "👍", "❤️", "😂", "🙏", ""))
	case TypeOrder:
		return Order(from, wamid, ts, "194836987003835", "Love these!",
			OrderItem{ProductRetailerID: "di9ozbzfi4", Quantity: 1 + r.IntN(3), ItemPrice: 7.99, Currency: "USD"},
			OrderItem{ProductRetailerID: "nqryix03ez", Quantity: 1, ItemPrice: 19.5, Currency: "USD"})
	case TypeSystem:
		return NumberChange(from, wamid, ts, "1"+from[1:4]+"556"+from[len(from)-4:])
	default:
		return Unsupported(from, wamid, ts, "edit")
	}
}

func pick(r *rand.Rand, options ...string) string { return options[r.IntN(len(options))] }

// ParseTypes reads a -types flag: a comma-separated list of message types, or "all" for every
// type Meta sends. Unknown names are an error so a typo doesn't silently send only text.
func ParseTypes(s string) ([]MessageType, error) {
	if s == "" || s == "all" {
		return MessageTypes(), nil
	}
	var out []MessageType
	for _, part := range splitList(s) {
		t := MessageType(part)
		if !slices.Contains(MessageTypes(), t) {
			return nil, fmt.Errorf("unknown message type %q (want one of %v or all)", part, MessageTypes())
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no message types in %q", s)
	}
	return out, nil
}
