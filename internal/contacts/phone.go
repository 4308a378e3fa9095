package contacts

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// NormalizePhone returns the E.164 form of a phone number typed by a
// person or a spreadsheet: spaces, dashes and parentheses are ignored and
// a missing '+' is supplied, so "16505551234", "+1 (650) 555-1234" and
// "+1-650-555-1234" all become "+16505551234". Digits are always read as
// an international number (country code first): there is no tenant region
// to guess from, and WhatsApp ids are written that way. Anything else, and
// numbers that no numbering plan allows, are BAD_USER_INPUT on "phone".
func NormalizePhone(s string) (string, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return "", errPhone("a phone number is required")
	}
	var b strings.Builder
	b.Grow(len(raw) + 1)
	b.WriteByte('+')
	digits := 0
	plus := false
	for _, r := range raw {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '+' && !plus && digits == 0: // "+1 650…" or "(+1) 650…"
			plus = true
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", errPhone("%q is not a phone number: use digits with an optional leading +, spaces, dashes or parentheses", clip(raw, 40))
		}
	}
	if digits < 7 || digits > 15 {
		return "", errPhone("%q is not a phone number: E.164 numbers have 7 to 15 digits including the country code", clip(raw, 40))
	}
	num, err := phonenumbers.Parse(b.String(), "")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", errPhone("%q is not a valid phone number: write it with its country code, e.g. +16505551234", clip(raw, 40))
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// clip shortens s for an error message so a pasted paragraph is not echoed back.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// PhoneOfWAID is the phone under which a WhatsApp sender is kept, from its
// wa_id (the number's digits, country code first, without '+'). It is
// NormalizePhone's result, so that a contact an agent typed and the same
// customer writing in are one contact: both feed the unique key
// (tenant_id, phone).
//
// A wa_id that NormalizePhone refuses (say, a number range newer than the
// numbering plans compiled in) is still a sender Meta vouches for, and its
// message must be stored: it is kept as '+' and its digits when it is 1 to
// 15 digits, E.164's bound. ok is false for anything else (letters,
// punctuation, too long): that is no phone number, and the caller keeps the
// message only in its raw event.
func PhoneOfWAID(waID string) (phone string, ok bool) {
	if p, err := NormalizePhone(waID); err == nil {
		return p, true
	}
	digits := strings.TrimPrefix(waID, "+")
	if len(digits) < 1 || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	return "+" + digits, true
}
