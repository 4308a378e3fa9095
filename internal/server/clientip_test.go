package server

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}
	cases := []struct {
		name, remote, xff, want string
	}{
		{"direct client", "203.0.113.7:5000", "", "203.0.113.7"},
		{"direct client spoofing the header", "203.0.113.7:5000", "1.2.3.4", "203.0.113.7"},
		{"behind one proxy", "10.1.2.3:80", "198.51.100.9", "198.51.100.9"},
		{"behind two proxies", "10.1.2.3:80", "198.51.100.9, 10.9.9.9", "198.51.100.9"},
		{"client-supplied prefix ignored", "10.1.2.3:80", "1.2.3.4, 198.51.100.9", "198.51.100.9"},
		{"malformed hop stops the walk", "10.1.2.3:80", "198.51.100.9, junk", "10.1.2.3"},
		{"trusted proxy without header", "127.0.0.1:80", "", "127.0.0.1"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := clientIP(r, proxies); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := clientIP(httptest.NewRequest("GET", "/", nil), nil); got != "192.0.2.1" {
		t.Errorf("no proxies: %s", got)
	}
}
