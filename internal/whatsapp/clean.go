package whatsapp

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// A signed webhook may carry text that one database stores and the other
// refuses: PostgreSQL's text type cannot hold NUL, and neither text nor
// jsonb accepts invalid UTF-8 or (jsonb) the escapes \u0000 and lone UTF-16
// surrogates, all of which SQLite and Go's JSON decoder let through. A
// message with such a field would then fail on every try and be lost.
// These helpers make what is stored acceptable to both, replacing only the
// offending characters with U+FFFD; the webhook's raw payload is kept
// exactly as received.

// CleanText returns s without NUL bytes and invalid UTF-8 (each replaced
// by U+FFFD), cut at a rune boundary to at most max bytes when max > 0.
func CleanText(s string, max int) string {
	if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
		s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	}
	if max > 0 && len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

// CleanJSON returns the JSON document raw with its string literals made
// storable in PostgreSQL's jsonb: the escape \u0000, escapes of unpaired
// surrogates and invalid UTF-8 bytes become U+FFFD. Everything else
// (numbers, key order, spacing, other escapes) is kept byte for byte, and
// raw itself is returned when nothing needs replacing. raw must be valid
// JSON.
func CleanJSON(raw []byte) []byte {
	if utf8.Valid(raw) && !hasBadEscape(raw) {
		return raw
	}
	out := make([]byte, 0, len(raw)+16)
	inString := false
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case !inString:
			inString = c == '"'
			out = append(out, c)
			i++
		case c == '"':
			inString = false
			out = append(out, c)
			i++
		case c == '\\' && i+1 < len(raw) && raw[i+1] == 'u':
			n := escapeLen(raw[i:])
			if n == 0 {
				out = append(out, `\ufffd`...)
				n = 6
			} else {
				out = append(out, raw[i:i+n]...)
			}
			i += n
		case c == '\\' && i+1 < len(raw):
			out = append(out, c, raw[i+1])
			i += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				out = append(out, "\uFFFD"...)
			} else {
				out = append(out, raw[i:i+size]...)
			}
			i += size
		}
	}
	return out
}

// escapeLen is the length of the \u escape (6, or 12 for a surrogate pair)
// at the start of b, or 0 when it is one jsonb refuses: \u0000, an unpaired
// surrogate, or a malformed escape (which valid JSON does not contain).
func escapeLen(b []byte) int {
	r, ok := hex4(b)
	switch {
	case !ok || r == 0:
		return 0
	case r >= 0xDC00 && r <= 0xDFFF:
		return 0 // a low surrogate with no high one before it
	case r >= 0xD800 && r <= 0xDBFF:
		if len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
			if lo, ok := hex4(b[6:]); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				return 12
			}
		}
		return 0
	}
	return 6
}

// hex4 decodes the four hex digits of the \uXXXX escape at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 6 {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// hasBadEscape reports, cheaply and conservatively, whether raw may hold an
// escape CleanJSON replaces: \u0000 or any surrogate escape \uD800–\uDFFF.
func hasBadEscape(raw []byte) bool {
	for i := 0; ; {
		j := bytes.Index(raw[i:], []byte(`\u`))
		if j < 0 {
			return false
		}
		i += j + 2
		if r, ok := hex4(raw[i-2:]); !ok || r == 0 || (r >= 0xD800 && r <= 0xDFFF) {
			return true
		}
	}
}
