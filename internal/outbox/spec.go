package outbox

import (
	"encoding/json"
	"fmt"
	"strings"

	"switchboard/ent"
	"switchboard/internal/metaapi"
)

// Spec is what an outbound message sends, kept with the message (its raw
// column) from the moment it is queued, so that every attempt sends the
// same thing: the text, the media (a link, or a stored upload that the
// sender uploads to Meta and then names by Meta's id), the interactive
// buttons or list, the reaction, and the message it quotes.
type Spec struct {
	Text *metaapi.Text `json:"text,omitempty"`
	// MediaKind is Meta's type of Media: image, audio, video, document or
	// sticker. A Media with neither ID nor Link is the message's stored
	// upload, sent to Meta before the message.
	MediaKind   string               `json:"mediaKind,omitempty"`
	Media       *metaapi.Media       `json:"media,omitempty"`
	Interactive *metaapi.Interactive `json:"interactive,omitempty"`
	Reaction    *metaapi.Reaction    `json:"reaction,omitempty"`
	Template    *metaapi.Template    `json:"template,omitempty"`
	// ReplyTo is Meta's id (wamid) of the message this one quotes.
	ReplyTo string `json:"replyTo,omitempty"`
}

// ParseSpec reads the Spec kept with a message.
func ParseSpec(raw []byte) (Spec, error) {
	var s Spec
	if err := json.Unmarshal(raw, &s); err != nil {
		return Spec{}, fmt.Errorf("outbox: message spec: %w", err)
	}
	return s, nil
}

// NeedsUpload says whether the media is a stored file Meta has no id for.
func (s Spec) NeedsUpload() bool {
	return s.Media != nil && s.Media.ID == "" && s.Media.Link == ""
}

// Message is the request for one attempt: s to the recipient, carrying our
// message id as biz_opaque_callback_data so that Meta's status webhooks
// name it even when the send's own answer is lost.
func (s Spec) Message(to metaapi.Recipient, messageID string) metaapi.Message {
	m := metaapi.Message{To: to, ReplyTo: s.ReplyTo, CallbackData: messageID, Text: s.Text,
		Interactive: s.Interactive, Reaction: s.Reaction, Template: s.Template}
	if s.Media != nil {
		md := *s.Media
		switch s.MediaKind {
		case "image":
			m.Image = &md
		case "audio":
			m.Audio = &md
		case "video":
			m.Video = &md
		case "document":
			m.Document = &md
		case "sticker":
			m.Sticker = &md
		}
	}
	return m
}

// Validate checks s as Meta would, before anything is stored: a stored
// upload stands in with a placeholder id.
func (s Spec) Validate(to metaapi.Recipient) error {
	if s.NeedsUpload() {
		md := *s.Media
		md.ID = "upload"
		s.Media = &md
	}
	m := s.Message(to, "validate")
	_, err := m.Body()
	return err
}

// RecipientOf is how Meta addresses a contact: its WhatsApp id (the
// phone's digits) when known, its business-scoped user id otherwise (the
// client's one adapter, metaapi.Recipient, decides the field).
func RecipientOf(ct *ent.Contact) metaapi.Recipient {
	var r metaapi.Recipient
	switch {
	case ct.WaID != "":
		r.Phone = ct.WaID
	case ct.Phone != nil:
		r.Phone = strings.TrimPrefix(*ct.Phone, "+")
	}
	if ct.UserID != nil {
		r.UserID = *ct.UserID
	}
	return r
}
