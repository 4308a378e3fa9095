package metaapi

import (
	"context"
	"encoding/json"
)

// SendResult is Meta's acceptance of a message. Accepted is not delivered:
// delivery and failures arrive later as status webhooks.
type SendResult struct {
	WAMID string // messages[0].id
	// MessageStatus is set on some template sends: "accepted",
	// "held_for_quality_assessment" or "paused".
	MessageStatus string
	WAID          string // contacts[0].wa_id; may be empty for a BSUID
	Input         string // contacts[0].input
}

type wireContext struct {
	MessageID string `json:"message_id"`
}

// wireMessage is the body of POST /{phone_number_id}/messages.
type wireMessage struct {
	MessagingProduct string `json:"messaging_product"`
	addressing
	Type         string           `json:"type"`
	Context      *wireContext     `json:"context,omitempty"`
	CallbackData string           `json:"biz_opaque_callback_data,omitempty"`
	Text         *Text            `json:"text,omitempty"`
	Image        *Media           `json:"image,omitempty"`
	Audio        *Media           `json:"audio,omitempty"`
	Video        *Media           `json:"video,omitempty"`
	Document     *Media           `json:"document,omitempty"`
	Sticker      *Media           `json:"sticker,omitempty"`
	Location     *Location        `json:"location,omitempty"`
	Contacts     []Contact        `json:"contacts,omitempty"`
	Interactive  *wireInteractive `json:"interactive,omitempty"`
	Reaction     *Reaction        `json:"reaction,omitempty"`
	Template     *wireTemplate    `json:"template,omitempty"`
}

// Body validates m and returns the exact JSON Send would post, for logs
// and tests.
func (m *Message) Body() ([]byte, error) {
	w, err := m.wire()
	if err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

func (m *Message) wire() (*wireMessage, error) {
	typ, err := m.validate()
	if err != nil {
		return nil, err
	}
	to, err := address(m.To)
	if err != nil {
		return nil, err
	}
	w := &wireMessage{MessagingProduct: "whatsapp", addressing: to, Type: typ, CallbackData: m.CallbackData,
		Text: m.Text, Image: m.Image, Audio: m.Audio, Video: m.Video, Document: m.Document, Sticker: m.Sticker,
		Location: m.Location, Contacts: m.Contacts, Reaction: m.Reaction}
	if m.ReplyTo != "" {
		w.Context = &wireContext{MessageID: m.ReplyTo}
	}
	if m.Interactive != nil {
		w.Interactive = m.Interactive.wire()
	}
	if m.Template != nil {
		w.Template = m.Template.wire()
	}
	return w, nil
}

type wireSendResponse struct {
	Contacts []struct {
		Input string `json:"input"`
		WAID  string `json:"wa_id"`
	} `json:"contacts"`
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status"`
	} `json:"messages"`
}

// Send posts m from the business number phoneNumberID. Nothing is sent when
// m is invalid (*ValidationError). On failure, Classify(err) says whether
// and when to resend.
func (c *Client) Send(ctx context.Context, token, phoneNumberID string, m Message) (*SendResult, error) {
	if err := checkIDs(token, phoneNumberID); err != nil {
		return nil, err
	}
	w, err := m.wire()
	if err != nil {
		return nil, err
	}
	var out wireSendResponse
	endpoint := c.endpoint(phoneNumberID, "messages")
	if err := c.postJSON(ctx, token, endpoint, w, &out); err != nil {
		return nil, err
	}
	if len(out.Messages) == 0 || out.Messages[0].ID == "" {
		// Meta said 2xx but named no message: we cannot tell what it took.
		return nil, &TransportError{Method: "POST", Path: "/" + phoneNumberID + "/messages", Sent: true, Err: errNoWAMID}
	}
	r := &SendResult{WAMID: out.Messages[0].ID, MessageStatus: out.Messages[0].MessageStatus}
	if len(out.Contacts) > 0 {
		r.WAID, r.Input = out.Contacts[0].WAID, out.Contacts[0].Input
	}
	return r, nil
}

// MarkRead marks the customer's message wamid (and the ones before it) as
// read, which shows blue ticks on their phone.
func (c *Client) MarkRead(ctx context.Context, token, phoneNumberID, wamid string) error {
	if err := checkIDs(token, phoneNumberID); err != nil {
		return err
	}
	if wamid == "" {
		return invalid("message_id", "is empty")
	}
	in := struct {
		MessagingProduct string `json:"messaging_product"`
		Status           string `json:"status"`
		MessageID        string `json:"message_id"`
	}{"whatsapp", "read", wamid}
	var out struct {
		Success bool `json:"success"`
	}
	return c.postJSON(ctx, token, c.endpoint(phoneNumberID, "messages"), in, &out)
}

func checkIDs(token, phoneNumberID string) error {
	if err := checkToken(token); err != nil {
		return err
	}
	if phoneNumberID == "" {
		return invalid("phone_number_id", "is empty")
	}
	return nil
}
