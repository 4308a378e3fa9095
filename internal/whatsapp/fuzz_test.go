package whatsapp

import (
	"bytes"
	"encoding/json"
	"testing"
)

func seedParse(f *testing.F) {
	for _, cs := range [][]parseCase{messageCases, statusCases, otherCases} {
		for _, tc := range cs {
			f.Add([]byte(tc.body))
		}
	}
	for _, tc := range badBodies {
		f.Add([]byte(tc.body))
	}
}

// FuzzParse: Parse never panics, returns either an envelope or an error, and whatever it
// accepts can be flattened, summarized and re-encoded without panicking.
func FuzzParse(f *testing.F) {
	seedParse(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := Parse(body)
		if (env == nil) == (err == nil) {
			t.Fatalf("want exactly one of env and err, got %v, %v", env, err)
		}
		if err != nil {
			return
		}
		for _, it := range env.Items() {
			for i := range it.Messages {
				_ = it.Messages[i].Summarize()
			}
		}
		if _, err := json.Marshal(env); err != nil {
			t.Fatalf("re-encoding an accepted envelope failed: %v", err)
		}
	})
}

// FuzzRoundTrip: for any accepted body, encoding the typed view (raw parts dropped), parsing
// that and encoding it again gives the same bytes: no typed field is lost or altered between
// our encoder and our parser (empty and missing arrays are the same thing here). Only the
// whatsapp package's own encoder is held here: the simulator writes its JSON independently
// and is held against Meta's format by the golden examples in sim/testdata/golden.
func FuzzRoundTrip(f *testing.F) {
	seedParse(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := Parse(body)
		if err != nil {
			return
		}
		typed := stripRaw(env)
		out, err := json.Marshal(typed)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, err := json.Marshal(stripRaw(again))
		if err != nil {
			t.Fatalf("marshal again: %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the envelope:\nfirst  %s\nsecond %s", out, out2)
		}
	})
}

// stripRaw returns a deep copy of env with every raw field cleared, so that marshalling uses
// the typed fields. Changes of unknown fields keep their raw value: it is all they have.
func stripRaw(env *Envelope) *Envelope {
	out := &Envelope{Object: env.Object}
	for _, e := range env.Entry {
		ne := Entry{ID: e.ID, Time: e.Time, Changes: []Change{}}
		for _, c := range e.Changes {
			nc := c
			if c.Messages != nil || c.TemplateStatus != nil || c.TemplateQuality != nil ||
				c.TemplateCategory != nil || c.PhoneQuality != nil || c.Account != nil || c.UserPreferences != nil {
				nc.Value = nil
			} else if len(c.Value) > 0 {
				var buf bytes.Buffer
				_ = json.Compact(&buf, c.Value) // json.Marshal compacts RawMessage too
				nc.Value = buf.Bytes()
			}
			if c.Messages != nil {
				v := *c.Messages
				v.Messages = append([]Message(nil), v.Messages...)
				for i := range v.Messages {
					v.Messages[i].Raw = nil
				}
				v.Statuses = append([]Status(nil), v.Statuses...)
				for i := range v.Statuses {
					v.Statuses[i].Raw = nil
				}
				nc.Messages = &v
			}
			ne.Changes = append(ne.Changes, nc)
		}
		out.Entry = append(out.Entry, ne)
	}
	return out
}
