package whatsapp

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 0, "plain"},
		{"a\x00b", 0, "a\uFFFDb"},
		{"bad \xff\xfe utf8", 0, "bad \uFFFD utf8"},
		{"héllo", 2, "h"}, // never cuts a rune in half
		{"héllo", 3, "hé"},
		{"emoji 😀", 0, "emoji 😀"},
	}
	for _, c := range cases {
		if got := CleanText(c.in, c.max); got != c.want {
			t.Errorf("CleanText(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestCleanJSON(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"a":"ok","n":99999999999999}`, `{"a":"ok","n":99999999999999}`},
		{`{"a":"x\u0000y"}`, `{"a":"x\ufffdy"}`},
		{`{"a":"\ud800"}`, `{"a":"\ufffd"}`},
		{`{"a":"\udc00\ud800x"}`, `{"a":"\ufffd\ufffdx"}`},
		{`{"a":"\ud83d\ude00"}`, `{"a":"\ud83d\ude00"}`}, // a valid pair stays
		{`{"a":"\\u0000"}`, `{"a":"\\u0000"}`},           // an escaped backslash, not an escape
		{"{\"a\":\"bad \xff here\",\"\\u0000\":1}", `{"a":"bad ` + "\uFFFD" + ` here","\ufffd":1}`},
	}
	for _, c := range cases {
		got := CleanJSON([]byte(c.in))
		if string(got) != c.want {
			t.Errorf("CleanJSON(%q) = %q, want %q", c.in, got, c.want)
		}
		if !json.Valid(got) || !utf8.Valid(got) {
			t.Errorf("CleanJSON(%q) is not valid UTF-8 JSON: %q", c.in, got)
		}
	}
}

// FuzzCleanJSON: whatever valid JSON comes in, what comes out is valid
// UTF-8 JSON without the escapes PostgreSQL's jsonb refuses, and a
// document that needed nothing is returned unchanged.
func FuzzCleanJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, `["\ud800\udc00","\udc00"]`, "\"\xff\"", `{"\\u0000":1.5e3}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return
		}
		out := CleanJSON(in)
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("CleanJSON(%q) = %q: not valid UTF-8 JSON", in, out)
		}
		if again := CleanJSON(out); string(again) != string(out) {
			t.Fatalf("CleanJSON is not idempotent: %q then %q", out, again)
		}
		if utf8.Valid(in) && !hasBadEscape(in) && string(out) != string(in) {
			t.Fatalf("CleanJSON(%q) changed a clean document: %q", in, out)
		}
	})
}
