package sim

import "time"

// MessageType is messages[].type as Meta sends it.
type MessageType string

// The message types Meta sends to a business.
const (
	TypeText        MessageType = "text"
	TypeImage       MessageType = "image"
	TypeAudio       MessageType = "audio"
	TypeVideo       MessageType = "video"
	TypeDocument    MessageType = "document"
	TypeSticker     MessageType = "sticker"
	TypeLocation    MessageType = "location"
	TypeContacts    MessageType = "contacts"
	TypeInteractive MessageType = "interactive"
	TypeButton      MessageType = "button"
	TypeReaction    MessageType = "reaction"
	TypeOrder       MessageType = "order"
	TypeSystem      MessageType = "system"
	TypeUnsupported MessageType = "unsupported"
)

// MessageTypes lists every type the simulator sends, in a stable order, so that a scenario can
// rotate through all of them. It returns a new slice each time.
func MessageTypes() []MessageType {
	return []MessageType{
		TypeText, TypeImage, TypeAudio, TypeVideo, TypeDocument, TypeSticker, TypeLocation,
		TypeContacts, TypeInteractive, TypeButton, TypeReaction, TypeOrder, TypeSystem,
		TypeUnsupported,
	}
}

// Message is one messages[] element, kept as the JSON object it becomes so that the simulator
// writes Meta's field names itself.
type Message map[string]any

// ID returns the message's wamid.
func (m Message) ID() string { s, _ := m["id"].(string); return s }

func newMessage(typ MessageType, from, wamid string, ts time.Time, payload any) Message {
	m := Message{"from": from, "id": wamid, "timestamp": unix(ts), "type": string(typ)}
	if payload != nil {
		m[string(typ)] = payload
	}
	return m
}

// Text builds a text message.
func Text(from, wamid, body string, ts time.Time) Message {
	return newMessage(TypeText, from, wamid, ts, map[string]any{"body": body})
}

// File is an inbound media attachment. The bytes are not in the webhook: ID is a media id to
// download through the Graph API, SHA256 its base64 hash.
type File struct {
	ID, MimeType, SHA256 string
	Caption              string // image, video, document
	Filename             string // document
	Voice                bool   // audio recorded as a voice note
	Animated             bool   // sticker
}

// Media builds an image, audio, video, document or sticker message.
func Media(typ MessageType, from, wamid string, ts time.Time, f File) Message {
	p := map[string]any{"id": f.ID, "mime_type": f.MimeType, "sha256": f.SHA256}
	if f.Caption != "" {
		p["caption"] = f.Caption
	}
	if f.Filename != "" {
		p["filename"] = f.Filename
	}
	if typ == TypeAudio {
		p["voice"] = f.Voice
	}
	if typ == TypeSticker {
		p["animated"] = f.Animated
	}
	return newMessage(typ, from, wamid, ts, p)
}

// Place is a shared location; Name, Address and URL are empty for a dropped pin.
type Place struct {
	Latitude, Longitude float64
	Name, Address, URL  string
}

// Location builds a location message.
func Location(from, wamid string, ts time.Time, p Place) Message {
	l := map[string]any{"latitude": p.Latitude, "longitude": p.Longitude}
	for k, v := range map[string]string{"name": p.Name, "address": p.Address, "url": p.URL} {
		if v != "" {
			l[k] = v
		}
	}
	return newMessage(TypeLocation, from, wamid, ts, l)
}

// Card is one shared contact, flattened to the fields customers usually share.
type Card struct {
	FormattedName, FirstName, LastName string
	Phone, PhoneWAID, PhoneType        string
	Email, EmailType                   string
	Company, Title                     string
}

// Contacts builds a contacts message sharing the given cards.
func Contacts(from, wamid string, ts time.Time, cards ...Card) Message {
	out := make([]any, len(cards))
	for i, c := range cards {
		name := map[string]any{"formatted_name": c.FormattedName}
		if c.FirstName != "" {
			name["first_name"] = c.FirstName
		}
		if c.LastName != "" {
			name["last_name"] = c.LastName
		}
		card := map[string]any{"name": name}
		if c.Phone != "" {
			ph := map[string]any{"phone": c.Phone, "type": c.PhoneType}
			if c.PhoneWAID != "" {
				ph["wa_id"] = c.PhoneWAID
			}
			card["phones"] = []any{ph}
		}
		if c.Email != "" {
			card["emails"] = []any{map[string]any{"email": c.Email, "type": c.EmailType}}
		}
		if c.Company != "" {
			card["org"] = map[string]any{"company": c.Company, "title": c.Title}
		}
		out[i] = card
	}
	m := newMessage(TypeContacts, from, wamid, ts, nil)
	m["contacts"] = out
	return m
}

// ButtonReply builds the answer to a reply-button message: the tapped button's id and title.
func ButtonReply(from, wamid string, ts time.Time, id, title string) Message {
	return newMessage(TypeInteractive, from, wamid, ts, map[string]any{
		"type": "button_reply", "button_reply": map[string]any{"id": id, "title": title},
	})
}

// ListReply builds the answer to a list message: the chosen row.
func ListReply(from, wamid string, ts time.Time, id, title, description string) Message {
	row := map[string]any{"id": id, "title": title}
	if description != "" {
		row["description"] = description
	}
	return newMessage(TypeInteractive, from, wamid, ts, map[string]any{"type": "list_reply", "list_reply": row})
}

// FlowReply builds a WhatsApp Flow completion; responseJSON is a JSON document as a string.
func FlowReply(from, wamid string, ts time.Time, name, body, responseJSON string) Message {
	return newMessage(TypeInteractive, from, wamid, ts, map[string]any{
		"type": "nfm_reply", "nfm_reply": map[string]any{"name": name, "body": body, "response_json": responseJSON},
	})
}

// QuickReply builds a tap on a template's quick-reply button (type "button").
func QuickReply(from, wamid string, ts time.Time, payload, text string) Message {
	return newMessage(TypeButton, from, wamid, ts, map[string]any{"payload": payload, "text": text})
}

// Reaction builds an emoji reaction to messageID; an empty emoji removes the reaction.
func Reaction(from, wamid string, ts time.Time, messageID, emoji string) Message {
	r := map[string]any{"message_id": messageID}
	if emoji != "" {
		r["emoji"] = emoji
	}
	return newMessage(TypeReaction, from, wamid, ts, r)
}

// OrderItem is one line of a cart.
type OrderItem struct {
	ProductRetailerID string
	Quantity          int
	ItemPrice         float64
	Currency          string
}

// Order builds a cart sent from a catalog.
func Order(from, wamid string, ts time.Time, catalogID, text string, items ...OrderItem) Message {
	lines := make([]any, len(items))
	for i, it := range items {
		lines[i] = map[string]any{
			"product_retailer_id": it.ProductRetailerID, "quantity": it.Quantity,
			"item_price": it.ItemPrice, "currency": it.Currency,
		}
	}
	return newMessage(TypeOrder, from, wamid, ts, map[string]any{"catalog_id": catalogID, "text": text, "product_items": lines})
}

// NumberChange builds the system message Meta sends when a customer moves to newWAID.
func NumberChange(from, wamid string, ts time.Time, newWAID string) Message {
	return newMessage(TypeSystem, from, wamid, ts, map[string]any{
		"body": "User " + from + " changed from " + from + " to " + newWAID,
		"type": "user_changed_number", "new_wa_id": newWAID,
	})
}

// Unsupported builds what Meta delivers for a kind of message the API can't carry (e.g. an
// edit): type "unsupported" with error 131051.
func Unsupported(from, wamid string, ts time.Time, kind string) Message {
	m := newMessage(TypeUnsupported, from, wamid, ts, map[string]any{"type": kind})
	m["errors"] = []any{metaError(131051, "Message type unknown", "Message type is currently not supported.")}
	return m
}

// ReplyTo makes m quote the business message wamid, sent from businessNumber (context).
func (m Message) ReplyTo(businessNumber, wamid string) Message {
	m["context"] = map[string]any{"from": businessNumber, "id": wamid}
	return m
}

// Forwarded marks m as forwarded by the customer.
func (m Message) Forwarded() Message {
	m["context"] = map[string]any{"forwarded": true}
	return m
}

// FromUser adds the sender's business-scoped user id (from_user_id). When Meta withholds the
// phone number, build the message with an empty from.
func (m Message) FromUser(userID string) Message {
	m["from_user_id"] = userID
	return m
}

// UserIDChange builds the system message Meta sends when a customer's business-scoped user id
// changes from previousUserID to userID without a phone number to share (user_changed_user_id).
// Add the sender with FromUser (the new id) and, when Meta shares it, from.
func UserIDChange(from, wamid string, ts time.Time, previousUserID, userID string) Message {
	return newMessage(TypeSystem, from, wamid, ts, map[string]any{
		"body": "User changed from " + previousUserID + " to " + userID,
		"type": "user_changed_user_id", "previous_user_id": previousUserID, "user_id": userID,
	})
}
