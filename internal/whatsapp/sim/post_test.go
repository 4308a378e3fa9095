package sim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"switchboard/internal/whatsapp"
)

func TestCheckLoopback(t *testing.T) {
	cases := []struct {
		target string
		ok     bool
	}{
		{"http://127.0.0.1:8080/webhooks/whatsapp", true},
		{"http://127.9.9.9/x", true},
		{"https://localhost:8443/webhooks/whatsapp", true},
		{"http://LOCALHOST/", true},
		{"http://[::1]:8080/webhooks/whatsapp", true},
		{"http://10.0.0.1:8080/webhooks/whatsapp", false},
		{"http://0.0.0.0:8080/", false},
		{"http://192.168.1.10/", false},
		{"http://example.com/", false},
		{"http://127.0.0.1.nip.io/", false},
		{"http://localhost.example.com/", false},
		{"ftp://127.0.0.1/", false},
		{"127.0.0.1:8080", false},
		{"http://[::2]/", false},
	}
	for _, tc := range cases {
		t.Run(tc.target, func(t *testing.T) {
			if err := CheckLoopback(tc.target); (err == nil) != tc.ok {
				t.Fatalf("CheckLoopback(%q) = %v, want ok=%v", tc.target, err, tc.ok)
			}
		})
	}
}

func TestPostSignsBody(t *testing.T) {
	const secret = "app-secret"
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotBody, _ = io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if !whatsapp.Verify(secret, gotBody, r.Header.Get(whatsapp.SignatureHeader)) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if _, err := whatsapp.Parse(gotBody); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	ch := Channel{WABAID: "1", PhoneNumberID: "2", DisplayPhoneNumber: "15550000000"}
	env := TextMessage(ch, CustomerN(0), "wamid.X", "hello", time.Unix(1_750_000_000, 0))
	client := NewClient(5*time.Second, 4)
	code, err := PostEnvelope(context.Background(), client, srv.URL, secret, env)
	if err != nil || code != http.StatusOK {
		t.Fatalf("signed post: %d %v", code, err)
	}
	code, err = PostEnvelope(context.Background(), client, srv.URL, "wrong-secret", env)
	if err != nil || code != http.StatusUnauthorized {
		t.Fatalf("wrongly signed post: want 401, got %d %v", code, err)
	}
	if _, err := Post(context.Background(), client, "http://10.0.0.1:8080/webhooks/whatsapp", secret, gotBody); !errors.Is(err, ErrNotLoopback) {
		t.Fatalf("post to 10.0.0.1: want ErrNotLoopback, got %v", err)
	}
}

// The client itself refuses non-loopback connections, whatever the URL check said.
func TestClientRefusesNonLoopbackDial(t *testing.T) {
	client := NewClient(time.Second, 1)
	req, _ := http.NewRequest(http.MethodGet, "http://10.0.0.1:9/", nil)
	_, err := client.Do(req)
	if !errors.Is(err, ErrNotLoopback) {
		t.Fatalf("want ErrNotLoopback from dial, got %v", err)
	}
}
