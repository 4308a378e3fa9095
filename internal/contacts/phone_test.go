package contacts

import (
	"strings"
	"testing"

	"switchboard/ent/contact"
	"switchboard/internal/apperr"
)

func TestContactNormalizePhone(t *testing.T) {
	ok := []struct{ in, want string }{
		{"+16505551234", "+16505551234"},
		{"16505551234", "+16505551234"},
		{"+1 650 555 1234", "+16505551234"},
		{"+1 (650) 555-1234", "+16505551234"},
		{"1-650-555-1234", "+16505551234"},
		{"  +16505551234  ", "+16505551234"},
		{"+44 20 7183 8750", "+442071838750"},
		{"447911123456", "+447911123456"},
		{"+49 151 12345678", "+4915112345678"},
		{"+55 (11) 98765-4321", "+5511987654321"},
		{"(+1) 650-555-1234", "+16505551234"},
	}
	for _, c := range ok {
		t.Run(c.in, func(t *testing.T) {
			got, err := NormalizePhone(c.in)
			if err != nil || got != c.want {
				t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
	bad := []string{
		"", "   ", "abc", "+1 650 555 1234 ext 5", "+1.650.555.1234", "++16505551234",
		"1+6505551234", "12345", "+1234567890123456", "+11234567890", "+15551234567",
		"６５０５５５１２３４", "tel:+16505551234", "+1 650 555 1234;",
	}
	for _, in := range bad {
		t.Run("bad/"+in, func(t *testing.T) {
			got, err := NormalizePhone(in)
			ae, ok := apperr.As(err)
			if !ok || ae.Code != apperr.BadUserInput || ae.Field != "phone" {
				t.Fatalf("NormalizePhone(%q) = %q, %v; want BAD_USER_INPUT on phone", in, got, err)
			}
		})
	}
}

func TestContactCleanTags(t *testing.T) {
	got, err := cleanTags([]string{" vip ", "lead", "vip", "Lead"}, false)
	if err != nil || len(got) != 3 || got[0] != "vip" || got[1] != "lead" || got[2] != "Lead" {
		t.Fatalf("cleanTags = %q, %v", got, err)
	}
	if got, err := cleanTags([]string{"a", "", " "}, true); err != nil || len(got) != 1 {
		t.Fatalf("cleanTags dropBlank = %q, %v", got, err)
	}
	many := make([]string, MaxTags+1)
	for i := range many {
		many[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	for name, tags := range map[string][]string{
		"blank":     {"ok", " "},
		"separator": {"a;b"},
		"long":      {strings.Repeat("é", MaxTagLen+1)},
		"control":   {"a\tb"},
		"too many":  many,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := cleanTags(tags, false)
			if ae, ok := apperr.As(err); !ok || ae.Field != "tags" {
				t.Fatalf("cleanTags(%s) err = %v, want BAD_USER_INPUT on tags", name, err)
			}
		})
	}
}

// The batch size must keep every statement under both databases' limits
// of bound parameters (SQLite 32,766; PostgreSQL 65,535).
func TestContactImportBatchFitsParameterLimits(t *testing.T) {
	if n := importBatch * len(contact.Columns); n > 32766 {
		t.Fatalf("importBatch %d × %d columns = %d parameters, over SQLite's 32766", importBatch, len(contact.Columns), n)
	}
}

// A wa_id becomes the phone a typed contact of the same number has; one
// the numbering plans refuse is still kept when it is digits, and anything
// else is no phone.
func TestContactPhoneOfWAID(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"14155550123", "+14155550123", true},
		{"+14155550123", "+14155550123", true},
		{"447911123456", "+447911123456", true},
		{"15551234567", "+15551234567", true},         // no valid number, but digits: kept
		{"5215512345678", "+5215512345678", true},     // Mexico's old mobile form, kept as sent
		{"123456789012345", "+123456789012345", true}, // 15 digits, E.164's most
		{"1234567890123456", "", false},
		{"", "", false},
		{"+", "", false},
		{"not-a-number", "", false},
		{"1415555012a", "", false},
	} {
		got, ok := PhoneOfWAID(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("PhoneOfWAID(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
		if typed, err := NormalizePhone(c.in); err == nil && typed != got {
			t.Errorf("PhoneOfWAID(%q) = %q, but a contact typed so is %q", c.in, got, typed)
		}
	}
}
