package whatsapp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseMessages(t *testing.T) {
	for _, tc := range messageCases {
		t.Run(tc.name, func(t *testing.T) {
			env, err := Parse([]byte(tc.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			items := env.Items()
			if len(items) != 1 || items[0].Kind != ItemMessages {
				t.Fatalf("want one messages item, got %+v", items)
			}
			it := items[0]
			if it.PhoneNumberID != testPNID || it.WABAID != testWABA || it.DisplayPhoneNumber != "15550783881" {
				t.Errorf("routing keys: pnid %q waba %q display %q", it.PhoneNumberID, it.WABAID, it.DisplayPhoneNumber)
			}
			if len(it.Messages) != 1 {
				t.Fatalf("want 1 message, got %d", len(it.Messages))
			}
			m := it.Messages[0]
			if m.ID != testWamid || m.From != testWAID || m.Timestamp != "1749416383" {
				t.Errorf("common fields: id %q from %q ts %q", m.ID, m.From, m.Timestamp)
			}
			if ts, err := m.Timestamp.Time(); err != nil || ts.Unix() != 1749416383 {
				t.Errorf("timestamp: %v %v", ts, err)
			}
			if m.Type != TypeSystem && it.ContactName(testWAID) != "Sheena Nelson" {
				t.Errorf("contact name: %q", it.ContactName(testWAID))
			}
			if !json.Valid(m.Raw) || !strings.Contains(string(m.Raw), testWamid) {
				t.Errorf("raw message not kept: %s", m.Raw)
			}
			s := m.Summarize()
			if s.Kind != tc.kind {
				t.Errorf("kind: got %q want %q", s.Kind, tc.kind)
			}
			if s.Text != tc.text {
				t.Errorf("text: got %q want %q", s.Text, tc.text)
			}
			if s.ReplyTo != tc.replyTo {
				t.Errorf("replyTo: got %q want %q", s.ReplyTo, tc.replyTo)
			}
			switch {
			case tc.mediaID == "" && s.Media != nil:
				t.Errorf("unexpected media %+v", s.Media)
			case tc.mediaID != "" && (s.Media == nil || s.Media.ID != tc.mediaID || s.Media.MimeType == "" || s.Media.SHA256 == ""):
				t.Errorf("media: got %+v want id %q", s.Media, tc.mediaID)
			}
			if tc.check != nil {
				if err := tc.check(env); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestParseStatuses(t *testing.T) {
	for _, tc := range statusCases {
		t.Run(tc.name, func(t *testing.T) {
			env, err := Parse([]byte(tc.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if it := env.Items(); len(it) != 1 || it[0].Kind != ItemMessages || it[0].PhoneNumberID != testPNID || len(it[0].Messages) != 0 {
				t.Fatalf("routing: %+v", it)
			}
			if err := tc.check(env); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestParseOtherFields(t *testing.T) {
	for _, tc := range otherCases {
		t.Run(tc.name, func(t *testing.T) {
			env, err := Parse([]byte(tc.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			items := env.Items()
			if len(items) == 0 || items[0].Kind != tc.wantItem {
				t.Fatalf("want first item %q, got %+v", tc.wantItem, items)
			}
			if !json.Valid(items[0].Value) {
				t.Errorf("raw value not kept: %s", items[0].Value)
			}
			if tc.check != nil {
				if err := tc.check(env); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range badBodies {
		t.Run(tc.name, func(t *testing.T) {
			env, err := Parse([]byte(tc.body))
			if !errors.Is(err, tc.want) {
				t.Fatalf("got env=%v err=%v, want %v", env, err, tc.want)
			}
			if env != nil {
				t.Errorf("env must be nil on error")
			}
		})
	}
}

// The error names where the problem is, so that an operator can find it in a stored payload.
func TestParseErrorNamesPath(t *testing.T) {
	body := fieldEnv(FieldMessages, `{"metadata":{"phone_number_id":"1"},"messages":[{"id":"a","type":"text"},{"from":"1","type":"text"}]}`)
	_, err := Parse([]byte(body))
	if err == nil || !strings.Contains(err.Error(), "entry[0].changes[0].value.messages[1].id") {
		t.Fatalf("error should name the path, got %v", err)
	}
}

// A parsed envelope re-encodes byte-for-byte equivalent JSON: raw values win over typed ones.
func TestReencodeKeepsUnknownFields(t *testing.T) {
	body := inbound(msg("text", `{"body": "hi"}`, `"future_field": {"x": 1}`))
	env, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"future_field":{"x":1}`) {
		t.Fatalf("unknown field lost on re-encode: %s", out)
	}
	if !jsonEqual(t, []byte(body), out) {
		t.Fatalf("re-encoded JSON differs:\n%s\n%s", body, out)
	}
}

func TestTemplateIDAcceptsStringAndEncodesNumber(t *testing.T) {
	env, err := Parse([]byte(fieldEnv(FieldTemplateStatusUpdate, `{"event":"APPROVED","message_template_id":"9007199254740993"}`)))
	if err != nil {
		t.Fatal(err)
	}
	ts := env.Items()[0].TemplateStatus
	if ts.MessageTemplateID != 9007199254740993 { // beyond float64 precision: must not go through float
		t.Fatalf("id %d", ts.MessageTemplateID)
	}
	out, _ := json.Marshal(ts)
	if !strings.Contains(string(out), `"message_template_id":9007199254740993`) {
		t.Fatalf("want a JSON number, got %s", out)
	}
}

func TestTimestamp(t *testing.T) {
	var ts struct{ T Timestamp }
	if err := json.Unmarshal([]byte(`{"T": 1700000000}`), &ts); err != nil || ts.T != "1700000000" {
		t.Fatalf("number form: %q %v", ts.T, err)
	}
	if _, err := Timestamp("").Time(); err == nil {
		t.Error("empty timestamp must be an error")
	}
	if _, err := Timestamp("yesterday").Time(); err == nil {
		t.Error("malformed timestamp must be an error")
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}
