package whatsapp

import "encoding/json"

// MessageType is messages[].type. Unknown values are kept as they are: Meta adds types.
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

// MessageTypes lists every known type, in a stable order, so that the simulator can rotate
// through all of them and tests can check coverage. It returns a new slice each time: no
// shared mutable state.
func MessageTypes() []MessageType {
	return []MessageType{
		TypeText, TypeImage, TypeAudio, TypeVideo, TypeDocument, TypeSticker, TypeLocation,
		TypeContacts, TypeInteractive, TypeButton, TypeReaction, TypeOrder, TypeSystem,
		TypeUnsupported,
	}
}

// Known reports whether Switchboard understands the type; unknown ones are shown as
// unsupported in the inbox but still stored with their raw JSON.
func (t MessageType) Known() bool {
	switch t {
	case TypeText, TypeImage, TypeAudio, TypeVideo, TypeDocument, TypeSticker, TypeLocation,
		TypeContacts, TypeInteractive, TypeButton, TypeReaction, TypeOrder, TypeSystem,
		TypeUnsupported:
		return true
	}
	return false
}

// Message is one inbound message (messages[]). Exactly one payload pointer matching Type is
// normally set. Raw is the message exactly as received, so fields we do not model yet are
// not lost; when Raw is set it is what MarshalJSON writes (clear it to encode edits).
type Message struct {
	// From is the sender's phone (wa_id); it may be "" when Meta withholds the number, and
	// FromUserID (the business-scoped user id, BSUID) then identifies the sender.
	From       string      `json:"from"`
	FromUserID string      `json:"from_user_id,omitempty"`
	ID         string      `json:"id"`
	Timestamp  Timestamp   `json:"timestamp"`
	Type       MessageType `json:"type"`

	Text        *Text         `json:"text,omitempty"`
	Image       *Media        `json:"image,omitempty"`
	Audio       *Media        `json:"audio,omitempty"`
	Video       *Media        `json:"video,omitempty"`
	Document    *Media        `json:"document,omitempty"`
	Sticker     *Media        `json:"sticker,omitempty"`
	Location    *Location     `json:"location,omitempty"`
	Contacts    []ContactCard `json:"contacts,omitempty"`
	Interactive *Interactive  `json:"interactive,omitempty"`
	Button      *Button       `json:"button,omitempty"`
	Reaction    *Reaction     `json:"reaction,omitempty"`
	Order       *Order        `json:"order,omitempty"`
	System      *System       `json:"system,omitempty"`
	Unsupported *Unsupported  `json:"unsupported,omitempty"`

	Context  *Context  `json:"context,omitempty"`
	Referral *Referral `json:"referral,omitempty"`
	Errors   []Error   `json:"errors,omitempty"`

	Raw json.RawMessage `json:"-"`
}

type messageAlias Message

// UnmarshalJSON decodes the known fields and keeps a copy of the raw bytes.
func (m *Message) UnmarshalJSON(b []byte) error {
	var a messageAlias
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	*m = Message(a)
	m.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// MarshalJSON writes Raw when present, otherwise the typed fields.
func (m Message) MarshalJSON() ([]byte, error) {
	if len(m.Raw) > 0 {
		return m.Raw, nil
	}
	return json.Marshal(messageAlias(m))
}

// Text is a plain text message.
type Text struct {
	Body string `json:"body"`
}

// Media describes an image, audio, video, document or sticker. The bytes are not in the
// webhook: ID is a media id to download through the Graph API.
type Media struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	URL      string `json:"url,omitempty"`
	Voice    bool   `json:"voice,omitempty"`
	Animated bool   `json:"animated,omitempty"`
}

// Location is a shared pin; Name and Address are set for places, empty for raw coordinates.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
	URL       string  `json:"url,omitempty"`
}

// ContactCard is one shared vCard-like contact of a "contacts" message.
type ContactCard struct {
	Addresses []ContactAddress `json:"addresses,omitempty"`
	Birthday  string           `json:"birthday,omitempty"`
	Emails    []ContactEmail   `json:"emails,omitempty"`
	Name      ContactName      `json:"name"`
	Org       *ContactOrg      `json:"org,omitempty"`
	Phones    []ContactPhone   `json:"phones,omitempty"`
	URLs      []ContactURL     `json:"urls,omitempty"`
}

// ContactAddress is a postal address of a shared contact.
type ContactAddress struct {
	City        string `json:"city,omitempty"`
	Country     string `json:"country,omitempty"`
	CountryCode string `json:"country_code,omitempty"`
	State       string `json:"state,omitempty"`
	Street      string `json:"street,omitempty"`
	Type        string `json:"type,omitempty"`
	Zip         string `json:"zip,omitempty"`
}

// ContactEmail is an email address of a shared contact.
type ContactEmail struct {
	Email string `json:"email,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ContactName is the name of a shared contact; FormattedName is what to display.
type ContactName struct {
	FormattedName string `json:"formatted_name"`
	FirstName     string `json:"first_name,omitempty"`
	LastName      string `json:"last_name,omitempty"`
	MiddleName    string `json:"middle_name,omitempty"`
	Suffix        string `json:"suffix,omitempty"`
	Prefix        string `json:"prefix,omitempty"`
}

// ContactOrg is the organization of a shared contact.
type ContactOrg struct {
	Company    string `json:"company,omitempty"`
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
}

// ContactPhone is a phone number of a shared contact; WAID is set when it is on WhatsApp.
type ContactPhone struct {
	Phone string `json:"phone,omitempty"`
	WAID  string `json:"wa_id,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ContactURL is a web address of a shared contact.
type ContactURL struct {
	URL  string `json:"url,omitempty"`
	Type string `json:"type,omitempty"`
}

// Interactive is a customer's answer to an interactive message the business sent.
// Type is "button_reply", "list_reply" or "nfm_reply" (a WhatsApp Flow response).
type Interactive struct {
	Type        string       `json:"type"`
	ButtonReply *ButtonReply `json:"button_reply,omitempty"`
	ListReply   *ListReply   `json:"list_reply,omitempty"`
	NFMReply    *NFMReply    `json:"nfm_reply,omitempty"`
}

// ButtonReply is the reply button the customer tapped.
type ButtonReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// ListReply is the list row the customer chose.
type ListReply struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// NFMReply is a Flow completion; ResponseJSON is a JSON document encoded as a string.
type NFMReply struct {
	Name         string `json:"name,omitempty"`
	Body         string `json:"body,omitempty"`
	ResponseJSON string `json:"response_json"`
}

// Button is a tap on a quick-reply button of a template message.
type Button struct {
	Payload string `json:"payload"`
	Text    string `json:"text"`
}

// Reaction is an emoji reaction to MessageID; an empty Emoji removes the reaction.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji,omitempty"`
}

// Order is a cart sent from a catalog.
type Order struct {
	CatalogID    string        `json:"catalog_id"`
	Text         string        `json:"text,omitempty"`
	ProductItems []ProductItem `json:"product_items"`
}

// ProductItem is one line of an order.
type ProductItem struct {
	ProductRetailerID string  `json:"product_retailer_id"`
	Quantity          int     `json:"quantity"`
	ItemPrice         float64 `json:"item_price"`
	Currency          string  `json:"currency"`
}

// System reports a change on the customer's side. Type "user_changed_number" carries the
// new phone (NewWAID, or WAID in newer payloads); "user_changed_user_id" reports that the
// customer's business-scoped user id changed from PreviousUserID to UserID (no phone
// number). Since 2026 both carry the previous and new user ids (and parent ids).
type System struct {
	Body                 string `json:"body,omitempty"`
	Identity             string `json:"identity,omitempty"`
	NewWAID              string `json:"new_wa_id,omitempty"`
	WAID                 string `json:"wa_id,omitempty"`
	Type                 string `json:"type,omitempty"`
	Customer             string `json:"customer,omitempty"`
	UserID               string `json:"user_id,omitempty"`
	PreviousUserID       string `json:"previous_user_id,omitempty"`
	ParentUserID         string `json:"parent_user_id,omitempty"`
	PreviousParentUserID string `json:"previous_parent_user_id,omitempty"`
}

// Types of system messages Switchboard acts on.
const (
	SystemUserChangedNumber = "user_changed_number"
	SystemUserChangedUserID = "user_changed_user_id"
)

// Unsupported carries the kind of message Meta could not deliver through the API (e.g. "edit").
type Unsupported struct {
	Type string `json:"type,omitempty"`
}

// Context links a message to the one it replies to (ID) or marks it forwarded.
type Context struct {
	From                string           `json:"from,omitempty"`
	ID                  string           `json:"id,omitempty"`
	Forwarded           bool             `json:"forwarded,omitempty"`
	FrequentlyForwarded bool             `json:"frequently_forwarded,omitempty"`
	ReferredProduct     *ReferredProduct `json:"referred_product,omitempty"`
}

// ReferredProduct is the catalog item a customer asked about.
type ReferredProduct struct {
	CatalogID         string `json:"catalog_id"`
	ProductRetailerID string `json:"product_retailer_id"`
}

// Referral says the customer came from a click-to-WhatsApp ad or post.
type Referral struct {
	SourceURL      string          `json:"source_url,omitempty"`
	SourceID       string          `json:"source_id,omitempty"`
	SourceType     string          `json:"source_type,omitempty"`
	Headline       string          `json:"headline,omitempty"`
	Body           string          `json:"body,omitempty"`
	MediaType      string          `json:"media_type,omitempty"`
	ImageURL       string          `json:"image_url,omitempty"`
	VideoURL       string          `json:"video_url,omitempty"`
	ThumbnailURL   string          `json:"thumbnail_url,omitempty"`
	CTWAClid       string          `json:"ctwa_clid,omitempty"`
	WelcomeMessage *WelcomeMessage `json:"welcome_message,omitempty"`
}

// WelcomeMessage is the ad's prefilled greeting.
type WelcomeMessage struct {
	Text string `json:"text"`
}
