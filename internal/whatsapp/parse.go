package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Sentinel errors of Parse, so that the webhook handler can answer 400 for bodies that can
// never be processed and the worker can tell a malformed event from a transient failure.
var (
	// ErrNotJSON means the body is not a JSON object.
	ErrNotJSON = errors.New("whatsapp: body is not a JSON object")
	// ErrWrongObject means "object" is not whatsapp_business_account.
	ErrWrongObject = errors.New("whatsapp: object is not " + ObjectWABA)
	// ErrNoEntry means the envelope has no entry[] to process.
	ErrNoEntry = errors.New("whatsapp: envelope has no entry")
	// ErrMalformed means the JSON does not have the structure Meta documents; the wrapped
	// message names the path, e.g. entry[0].changes[1].value.messages[2].
	ErrMalformed = errors.New("whatsapp: malformed webhook")
)

// Parse decodes and validates one webhook body. It checks what every consumer relies on
// (object, entries, each change's field, and for "messages" the phone_number_id plus each
// message's and status's id) and reports the first problem with its JSON path. Unknown fields
// and unknown message or status types are not errors: they are kept raw.
func Parse(body []byte) (*Envelope, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, ErrNotJSON
	}
	var top struct {
		Object string            `json:"object"`
		Entry  []json.RawMessage `json:"entry"`
	}
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if top.Object != ObjectWABA {
		return nil, fmt.Errorf("%w (got %q)", ErrWrongObject, truncate(top.Object, 64))
	}
	if len(top.Entry) == 0 {
		return nil, ErrNoEntry
	}
	env := &Envelope{Object: top.Object, Entry: make([]Entry, 0, len(top.Entry))}
	for i, raw := range top.Entry {
		e, err := parseEntry(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: entry[%d]%s", ErrMalformed, i, err)
		}
		env.Entry = append(env.Entry, e)
	}
	return env, nil
}

func parseEntry(raw json.RawMessage) (Entry, error) {
	var w struct {
		ID      string            `json:"id"`
		Time    json.Number       `json:"time"`
		Changes []json.RawMessage `json:"changes"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return Entry{}, fmt.Errorf(": %v", err)
	}
	if w.ID == "" {
		return Entry{}, fmt.Errorf(".id: missing WABA id")
	}
	e := Entry{ID: w.ID, Time: w.Time, Changes: make([]Change, 0, len(w.Changes))}
	for j, rc := range w.Changes {
		var c Change
		if err := json.Unmarshal(rc, &c); err != nil {
			return Entry{}, fmt.Errorf(".changes[%d]: %v", j, err)
		}
		if err := c.validate(); err != nil {
			return Entry{}, fmt.Errorf(".changes[%d]%s", j, err)
		}
		e.Changes = append(e.Changes, c)
	}
	return e, nil
}

func (c *Change) validate() error {
	if c.Field == "" {
		return errors.New(".field: missing")
	}
	v := c.Messages
	if v == nil {
		return nil
	}
	if v.Metadata.PhoneNumberID == "" {
		return errors.New(".value.metadata.phone_number_id: missing")
	}
	for k, m := range v.Messages {
		if m.ID == "" {
			return fmt.Errorf(".value.messages[%d].id: missing", k)
		}
		if m.Type == "" {
			return fmt.Errorf(".value.messages[%d].type: missing", k)
		}
	}
	for k, s := range v.Statuses {
		if s.ID == "" {
			return fmt.Errorf(".value.statuses[%d].id: missing", k)
		}
		if s.Status == "" {
			return fmt.Errorf(".value.statuses[%d].status: missing", k)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
