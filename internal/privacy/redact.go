package privacy

import (
	"bytes"
	"encoding/json"
)

// redacted replaces a raw payload that still names the subject after
// redact's pruning (the identifier appeared outside any item about them,
// e.g. in another customer's message text).
var redacted = []byte(`{"redacted":"erased on a data subject's deletion request"}`)

// redact removes from a raw Meta payload (a webhook, a kept status) every
// item that is about the subject: each element of any array (messages,
// statuses, contacts, preferences, …) that still holds a string equal to
// one of ids (phone digits, WhatsApp id, user id) once its own arrays are
// pruned. What stays is
// every other customer's items, unchanged in meaning. If an identifier
// still appears anywhere, the whole payload is replaced by a marker. It
// reports whether anything changed.
func redact(payload []byte, ids []string) ([]byte, bool) {
	if !mentionsBytes(payload, ids) {
		return payload, false
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber() // keep Meta's numbers as they were written
	var v any
	if err := dec.Decode(&v); err != nil {
		return redacted, true
	}
	out, err := json.Marshal(prune(v, ids))
	if err != nil || mentionsBytes(out, ids) {
		return redacted, true
	}
	return out, true
}

// prune drops the array elements of v that mention the subject, deepest
// first: an entry holding one message about the subject and others not is
// kept, less that message; the message itself, which names the subject in
// its own fields, goes.
func prune(v any, ids []string) any {
	switch t := v.(type) {
	case []any:
		kept := t[:0]
		for _, e := range t {
			if e = prune(e, ids); !mentions(e, ids) {
				kept = append(kept, e)
			}
		}
		return kept
	case map[string]any:
		for k, e := range t {
			t[k] = prune(e, ids)
		}
	}
	return v
}

// mentions reports whether v holds, at any depth, a string equal to one
// of ids.
func mentions(v any, ids []string) bool {
	switch t := v.(type) {
	case string:
		for _, id := range ids {
			if t == id {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if mentions(e, ids) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if mentions(e, ids) {
				return true
			}
		}
	}
	return false
}

func mentionsBytes(b []byte, ids []string) bool {
	for _, id := range ids {
		if bytes.Contains(b, []byte(id)) {
			return true
		}
	}
	return false
}
