package whatsapp

import (
	"strings"
	"testing"
)

func TestSign(t *testing.T) {
	// Reference value: printf '%s' '{"object":"whatsapp_business_account"}' | openssl dgst -sha256 -hmac s3cret
	got := Sign("s3cret", []byte(`{"object":"whatsapp_business_account"}`))
	want := "sha256=" + referenceHMAC
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(inbound(msg("text", `{"body": "hi"}`)))
	good := Sign("s3cret", body)
	cases := []struct {
		name   string
		secret string
		body   []byte
		header string
		want   bool
	}{
		{"valid", "s3cret", body, good, true},
		{"uppercase hex", "s3cret", body, "sha256=" + strings.ToUpper(good[7:]), true},
		{"wrong secret", "other", body, good, false},
		{"body changed", "s3cret", append([]byte(nil), append(body, ' ')...), good, false},
		{"empty header", "s3cret", body, "", false},
		{"no prefix", "s3cret", body, good[7:], false},
		{"sha1 prefix", "s3cret", body, "sha1=" + good[7:], false},
		{"not hex", "s3cret", body, "sha256=" + strings.Repeat("zz", 32), false},
		{"odd length", "s3cret", body, good[:len(good)-1], false},
		{"truncated", "s3cret", body, good[:len(good)-2], false},
		{"too long", "s3cret", body, good + "00", false},
		{"empty secret", "", body, Sign("", body), false},
		{"spaces", "s3cret", body, " " + good, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Verify(tc.secret, tc.body, tc.header); got != tc.want {
				t.Fatalf("Verify = %v, want %v", got, tc.want)
			}
		})
	}
}

const referenceHMAC = "911fd0aa272ad28e30ab013c69b6fd0dcf41e3fbb4cca5a48a4bf3be4544ff57"
