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
type Media struct {
	MediaID  string `json:"mediaId,omitempty"`
	MimeType string `json:"mimeType,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
}

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
