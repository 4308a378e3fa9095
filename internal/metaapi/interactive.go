package metaapi

// Interactive is a message with reply buttons (Buttons, up to 3) or a list
// (List, up to 10 rows in all); exactly one of them is set.
type Interactive struct {
	Header  *InteractiveHeader // optional; a list takes only a text header
	Body    string
	Footer  string
	Buttons []Button
	List    *List
}

// InteractiveHeader is a text header or a media one (Image, Video or
// Document set, no caption).
type InteractiveHeader struct {
	Text     string
	Image    *Media
	Video    *Media
	Document *Media
}

// Button is a reply button; the customer's tap comes back with ID.
type Button struct {
	ID    string
	Title string // at most 20 characters
}

// List is a menu opened by a button labelled Button.
type List struct {
	Button   string
	Sections []Section
}

// Section groups rows of a list; Title is required when there are several.
type Section struct {
	Title string
	Rows  []Row
}

// Row is one choice of a list; the customer's pick comes back with ID.
type Row struct {
	ID          string
	Title       string
	Description string
}

// The wire shapes of an interactive object.
type (
	wireInteractive struct {
		Type   string      `json:"type"`
		Header *wireHeader `json:"header,omitempty"`
		Body   wireText    `json:"body"`
		Footer *wireText   `json:"footer,omitempty"`
		Action wireIAction `json:"action"`
	}
	wireText struct {
		Text string `json:"text"`
	}
	wireHeader struct {
		Type     string `json:"type"`
		Text     string `json:"text,omitempty"`
		Image    *Media `json:"image,omitempty"`
		Video    *Media `json:"video,omitempty"`
		Document *Media `json:"document,omitempty"`
	}
	wireIAction struct {
		Buttons  []wireButton  `json:"buttons,omitempty"`
		Button   string        `json:"button,omitempty"`
		Sections []wireSection `json:"sections,omitempty"`
	}
	wireButton struct {
		Type  string    `json:"type"`
		Reply wireReply `json:"reply"`
	}
	wireReply struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	wireSection struct {
		Title string    `json:"title,omitempty"`
		Rows  []wireRow `json:"rows"`
	}
	wireRow struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Description string `json:"description,omitempty"`
	}
)

func (in *Interactive) wire() *wireInteractive {
	w := &wireInteractive{Body: wireText{in.Body}}
	if in.Footer != "" {
		w.Footer = &wireText{in.Footer}
	}
	if h := in.Header; h != nil {
		switch {
		case h.Image != nil:
			w.Header = &wireHeader{Type: "image", Image: h.Image}
		case h.Video != nil:
			w.Header = &wireHeader{Type: "video", Video: h.Video}
		case h.Document != nil:
			w.Header = &wireHeader{Type: "document", Document: h.Document}
		default:
			w.Header = &wireHeader{Type: "text", Text: h.Text}
		}
	}
	if in.List != nil {
		w.Type = "list"
		w.Action.Button = in.List.Button
		for _, s := range in.List.Sections {
			ws := wireSection{Title: s.Title, Rows: []wireRow{}}
			for _, r := range s.Rows {
				ws.Rows = append(ws.Rows, wireRow(r))
			}
			w.Action.Sections = append(w.Action.Sections, ws)
		}
		return w
	}
	w.Type = "button"
	for _, b := range in.Buttons {
		w.Action.Buttons = append(w.Action.Buttons, wireButton{Type: "reply", Reply: wireReply(b)})
	}
	return w
}
