// Package schematype holds the Go types of structured JSON columns, shared by
// the ent schema, the webhook parser and the GraphQL layer.
package schematype

import (
	"encoding/json"
	"fmt"
	"io"
)

// Media is the attachment of an image, audio, video, document or sticker
// message, as Meta describes it.
//
// MediaID is Meta's media id: the one a webhook names (inbound, valid
// 7 days) or the one an upload returned (outbound, valid 30 days). Key is
// where the file is kept in the media store (internal/media), Link the
// public URL an outbound message sends instead of a file.
type Media struct {
	MediaID  string     `json:"mediaId,omitempty"`
	MimeType string     `json:"mimeType,omitempty"`
	Caption  string     `json:"caption,omitempty"`
	Filename string     `json:"filename,omitempty"`
	SHA256   string     `json:"sha256,omitempty"`
	Size     int64      `json:"size,omitempty"`
	State    MediaState `json:"state,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	Key      string     `json:"key,omitempty"`
	Link     string     `json:"link,omitempty"`
	// MessageID is the message the media belongs to, set when it is read
	// for GraphQL (its url names the message); never stored.
	MessageID string `json:"-"`
}

// MediaState is whether a message's file is kept: PENDING until it is
// downloaded (inbound) or stored (outbound upload), STORED, or FAILED with
// Media.Reason; PURGED once retention deleted it. A link-only outbound
// media has no state.
type MediaState string

// The media states.
const (
	MediaPending MediaState = "PENDING"
	MediaStored  MediaState = "STORED"
	MediaFailed  MediaState = "FAILED"
	MediaPurged  MediaState = "PURGED"
)

// MarshalGQL implements graphql.Marshaler.
func (s MediaState) MarshalGQL(w io.Writer) { _, _ = fmt.Fprintf(w, "%q", string(s)) }

// UnmarshalGQL implements graphql.Unmarshaler.
func (s *MediaState) UnmarshalGQL(v any) error {
	str, ok := v.(string)
	if !ok {
		return fmt.Errorf("MediaState must be a string")
	}
	switch MediaState(str) {
	case MediaPending, MediaStored, MediaFailed, MediaPurged:
		*s = MediaState(str)
		return nil
	}
	return fmt.Errorf("%q is not a MediaState", str)
}

// Codes of message errors that are Switchboard's own, not Meta's (Meta's
// are positive).
const (
	// CodeOutcomeUnknown: a send got no answer and no status webhook named
	// it in time; it may or may not have reached the customer.
	CodeOutcomeUnknown = -1
	// CodeUnreachable: Meta could not be reached, attempt after attempt.
	CodeUnreachable = -2
	// CodeInvalid: the message could not be sent as stored (e.g. its file
	// is gone from the media store).
	CodeInvalid = -3
	// CodeCancelled: the message's campaign was cancelled before it went.
	CodeCancelled = -4
)

// Error is Meta's reason for a failed message.
type Error struct {
	Code    int    `json:"code"`
	Title   string `json:"title,omitempty"`
	Message string `json:"message,omitempty"`
}

// JSON is a free-form JSON document (template components, exports). It is
// stored as-is and travels through GraphQL as the JSON scalar.
type JSON []byte

// MarshalJSON implements json.Marshaler.
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (j *JSON) UnmarshalJSON(b []byte) error {
	*j = append((*j)[:0], b...)
	return nil
}

// MarshalGQL implements graphql.Marshaler.
func (j JSON) MarshalGQL(w io.Writer) {
	b, _ := j.MarshalJSON()
	_, _ = w.Write(b)
}

// UnmarshalGQL implements graphql.Unmarshaler: any GraphQL input value
// (object, list, string, number) becomes its JSON encoding.
func (j *JSON) UnmarshalGQL(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("JSON: %w", err)
	}
	*j = b
	return nil
}
