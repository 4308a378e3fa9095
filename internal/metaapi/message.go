package metaapi

// Message is one outbound message. Exactly one of the content fields
// (Text … Template) is set; Send refuses anything else.
type Message struct {
	To Recipient
	// ReplyTo is the wamid of an earlier message this one quotes (context).
	ReplyTo string
	// CallbackData is echoed by Meta in the status webhooks of this
	// message (biz_opaque_callback_data); we put our message id there.
	CallbackData string

	Text        *Text
	Image       *Media
	Audio       *Media
	Video       *Media
	Document    *Media
	Sticker     *Media
	Location    *Location
	Contacts    []Contact
	Interactive *Interactive
	Reaction    *Reaction
	Template    *Template
}

// Text is a text message; PreviewURL asks WhatsApp to render a link preview.
type Text struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url,omitempty"`
}

// Media is an uploaded media id or a public link. Caption goes only on
// images, videos and documents; Filename only on documents.
type Media struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// Location is a pin on the map.
type Location struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
	Address   string  `json:"address,omitempty"`
}

// Reaction puts Emoji on an earlier message; an empty Emoji removes ours.
type Reaction struct {
	MessageID string `json:"message_id"`
	Emoji     string `json:"emoji"`
}

// Contact is one contact card, in Meta's shape.
type Contact struct {
	Name      ContactName      `json:"name"`
	Phones    []ContactPhone   `json:"phones,omitempty"`
	Emails    []ContactEmail   `json:"emails,omitempty"`
	URLs      []ContactURL     `json:"urls,omitempty"`
	Addresses []ContactAddress `json:"addresses,omitempty"`
	Org       *ContactOrg      `json:"org,omitempty"`
	Birthday  string           `json:"birthday,omitempty"` // YYYY-MM-DD
}

// ContactName is a card's name; FormattedName is required by Meta.
type ContactName struct {
	FormattedName string `json:"formatted_name"`
	FirstName     string `json:"first_name,omitempty"`
	LastName      string `json:"last_name,omitempty"`
	MiddleName    string `json:"middle_name,omitempty"`
	Prefix        string `json:"prefix,omitempty"`
	Suffix        string `json:"suffix,omitempty"`
}

// ContactPhone is a card's phone; WAID makes WhatsApp offer "Message".
type ContactPhone struct {
	Phone string `json:"phone,omitempty"`
	Type  string `json:"type,omitempty"` // CELL, MAIN, IPHONE, HOME, WORK
	WAID  string `json:"wa_id,omitempty"`
}

// ContactEmail is a card's e-mail address.
type ContactEmail struct {
	Email string `json:"email,omitempty"`
	Type  string `json:"type,omitempty"`
}

// ContactURL is a card's web address.
type ContactURL struct {
	URL  string `json:"url,omitempty"`
	Type string `json:"type,omitempty"`
}

// ContactAddress is a card's postal address.
type ContactAddress struct {
	Street      string `json:"street,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	Zip         string `json:"zip,omitempty"`
	Country     string `json:"country,omitempty"`
	CountryCode string `json:"country_code,omitempty"`
	Type        string `json:"type,omitempty"`
}

// ContactOrg is a card's organisation.
type ContactOrg struct {
	Company    string `json:"company,omitempty"`
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
}
