package whatsapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Timestamp is Meta's "Unix seconds as a decimal string". It is a string type, not a time,
// so that an odd value survives a round trip unchanged; it also accepts a bare JSON number
// because some of Meta's fields (and some test tools) send one.
type Timestamp string

// UnmarshalJSON accepts "1700000000", 1700000000 and null.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Timestamp(s)
		return nil
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("timestamp: want a string or a number, got %.20s", b)
		}
		*t = Timestamp(n.String())
		return nil
	}
}

// UnixTimestamp formats t the way Meta does, so that builders cannot get the format wrong.
func UnixTimestamp(t time.Time) Timestamp {
	return Timestamp(strconv.FormatInt(t.Unix(), 10))
}

// Time converts the timestamp; an empty or malformed one is an error rather than the zero
// time, so that callers decide explicitly what a missing timestamp means.
func (t Timestamp) Time() (time.Time, error) {
	if t == "" {
		return time.Time{}, fmt.Errorf("whatsapp: empty timestamp")
	}
	n, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("whatsapp: bad timestamp %q", string(t))
	}
	return time.Unix(n, 0).UTC(), nil
}

// Bool is a boolean that also accepts "true"/"false" strings, because Meta's pricing
// examples show billable both ways and a status must not be rejected over it.
type Bool bool

// UnmarshalJSON accepts true, false, "true", "false" and null.
func (v *Bool) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "true", `"true"`:
		*v = true
	case "false", `"false"`, "null", `""`:
		*v = false
	default:
		return fmt.Errorf("bool: want true or false, got %.20s", b)
	}
	return nil
}

// TemplateID is Meta's message template id. The review webhook sends it as a JSON number
// while the Graph API and our schema use strings; it decodes from either and encodes as a
// number, exactly as Meta sends it.
type TemplateID int64

// UnmarshalJSON accepts 123, "123" and null.
func (id *TemplateID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*id = 0
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("message_template_id: want an integer, got %.24s", b)
	}
	*id = TemplateID(n)
	return nil
}

// String gives the decimal form used as Template.externalId.
func (id TemplateID) String() string { return strconv.FormatInt(int64(id), 10) }
