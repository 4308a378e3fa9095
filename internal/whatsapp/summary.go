package whatsapp

import (
	"strconv"
	"strings"
)

// Summary is the inbox's normalized view of a message: what kind it is, the text to show in
// a conversation list, and the media to fetch, whatever type Meta used.
type Summary struct {
	// Kind is the message type; unknown types are reported as TypeUnsupported.
	Kind MessageType
	// Text is the human-readable part: body, caption, chosen title, emoji, place, …
	Text string
	// Media is set for image, audio, video, document and sticker.
	Media *Media
	// ReplyTo is the wamid the message answers or reacts to, if any.
	ReplyTo string
}

// Summarize maps a message to its Summary.
func (m *Message) Summarize() Summary {
	s := Summary{Kind: m.Type, Text: m.DisplayText(), Media: m.Media()}
	if !m.Type.Known() {
		s.Kind = TypeUnsupported
	}
	if m.Context != nil {
		s.ReplyTo = m.Context.ID
	}
	if m.Type == TypeReaction && m.Reaction != nil {
		s.ReplyTo = m.Reaction.MessageID
	}
	return s
}

// Media returns the media object of a media message, or nil.
func (m *Message) Media() *Media {
	switch m.Type {
	case TypeImage:
		return m.Image
	case TypeAudio:
		return m.Audio
	case TypeVideo:
		return m.Video
	case TypeDocument:
		return m.Document
	case TypeSticker:
		return m.Sticker
	}
	return nil
}

// DisplayText is the text an agent reads for this message ("" when there is none, e.g. a voice
// note): the body, a caption (a document's file name without one), the chosen button or
// list title, a reaction's emoji, a place's name and address, shared contacts' names, an
// order's note or a system notice. It is not called Text because that is the payload field.
func (m *Message) DisplayText() string {
	switch m.Type {
	case TypeText:
		if m.Text != nil {
			return m.Text.Body
		}
	case TypeImage, TypeVideo, TypeAudio, TypeSticker:
		if md := m.Media(); md != nil {
			return md.Caption
		}
	case TypeDocument:
		if d := m.Document; d != nil {
			if d.Caption != "" {
				return d.Caption
			}
			return d.Filename
		}
	case TypeLocation:
		if l := m.Location; l != nil {
			return locationText(l)
		}
	case TypeContacts:
		names := make([]string, 0, len(m.Contacts))
		for _, c := range m.Contacts {
			if n := c.Name.FormattedName; n != "" {
				names = append(names, n)
			}
		}
		return strings.Join(names, ", ")
	case TypeInteractive:
		if i := m.Interactive; i != nil {
			switch {
			case i.ButtonReply != nil:
				return i.ButtonReply.Title
			case i.ListReply != nil:
				return i.ListReply.Title
			case i.NFMReply != nil:
				return i.NFMReply.Body
			}
		}
	case TypeButton:
		if m.Button != nil {
			return m.Button.Text
		}
	case TypeReaction:
		if m.Reaction != nil {
			return m.Reaction.Emoji
		}
	case TypeOrder:
		if m.Order != nil {
			return m.Order.Text
		}
	case TypeSystem:
		if m.System != nil {
			return m.System.Body
		}
	}
	return ""
}

func locationText(l *Location) string {
	var parts []string
	for _, p := range []string{l.Name, l.Address} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) > 0 {
		return strings.Join(parts, ", ")
	}
	return strconv.FormatFloat(l.Latitude, 'f', -1, 64) + "," + strconv.FormatFloat(l.Longitude, 'f', -1, 64)
}
