package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"switchboard/internal/whatsapp"
)

func noEnv(string) string { return "" }

func TestFlagsRefuse(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"non-loopback target", []string{"-app-secret", "s", "-target", "http://10.0.0.1:8080/webhooks/whatsapp"}, "loopback"},
		{"public host", []string{"-app-secret", "s", "-target", "https://graph.facebook.com/"}, "loopback"},
		{"duration over 1h", []string{"-app-secret", "s", "-duration", "2h"}, "at most 1h"},
		{"no secret", []string{}, "app-secret"},
		{"bad type", []string{"-app-secret", "s", "-types", "text,fax"}, "fax"},
		{"nothing to send", []string{"-app-secret", "s", "-customers", "0"}, "nothing to send"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags(tc.args, io.Discard, noEnv)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("parseFlags(%v) = %v, want error containing %q", tc.args, err, tc.want)
			}
		})
	}
}

func TestFlagsParse(t *testing.T) {
	dir := t.TempDir()
	ids := filepath.Join(dir, "ids.txt")
	os.WriteFile(ids, []byte("# business messages\nwamid.A\nwamid.B,16505551234\n\nwamid.C,16505551235,222\n"), 0o600)
	cfg, err := parseFlags([]string{
		"-phone-number-id", "111,222", "-phone-number-id", "333", "-types", "text,image",
		"-status-ids", ids, "-shuffle", "-shuffle-window", "4", "-start", "1750000000",
	}, io.Discard, func(k string) string {
		if k == "META_APP_SECRET" {
			return "from-env"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.scenario
	if cfg.appSecret != "from-env" || strings.Join(s.PhoneNumberIDs, ",") != "111,222,333" || len(s.Types) != 2 ||
		!s.Statuses || len(s.StatusIDs) != 3 || s.StatusIDs[2].PhoneNumberID != "222" || s.ShuffleWindow != 4 || s.Start.Unix() != 1750000000 {
		t.Fatalf("parsed config: %+v", cfg)
	}
}

// Two dry runs with the same seed and start print the same bodies; every type appears.
func TestDryRunDeterministic(t *testing.T) {
	args := []string{"-dry-run", "-customers", "7", "-rate", "50", "-duration", "1s", "-batch", "3",
		"-duplicates", "0.2", "-shuffle", "-statuses", "-seed", "9", "-start", "1750000000"}
	var out [2]bytes.Buffer
	for i := range out {
		cfg, err := parseFlags(args, io.Discard, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		if code := run(context.Background(), cfg, &out[i], io.Discard); code != 0 {
			t.Fatalf("dry run exit %d", code)
		}
	}
	if out[0].Len() == 0 || !bytes.Equal(out[0].Bytes(), out[1].Bytes()) {
		t.Fatal("dry runs with the same seed differ")
	}
	seen := map[whatsapp.MessageType]bool{}
	for line := range bytes.Lines(out[0].Bytes()) {
		env, err := whatsapp.Parse(line)
		if err != nil {
			t.Fatalf("dry-run line does not parse: %v", err)
		}
		for _, it := range env.Items() {
			for _, m := range it.Messages {
				seen[m.Type] = true
			}
		}
	}
	for _, typ := range whatsapp.MessageTypes() {
		if !seen[typ] {
			t.Errorf("type %s missing from -types all", typ)
		}
	}
}

// A real run against a local server: every POST is signed and parses, the summary counts what
// the server saw, and a non-2xx answer makes the exit code 1.
func TestRunAgainstServer(t *testing.T) {
	const secret = "test-secret"
	var mu sync.Mutex
	posts, messages, statuses := 0, 0, 0
	failNext := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !whatsapp.Verify(secret, body, r.Header.Get(whatsapp.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		env, err := whatsapp.Parse(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if failNext {
			failNext = false
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		posts++
		for _, it := range env.Items() {
			messages += len(it.Messages)
			statuses += len(it.Statuses)
		}
	}))
	defer srv.Close()

	args := []string{"-target", srv.URL + "/webhooks/whatsapp", "-app-secret", secret, "-customers", "5",
		"-rate", "200", "-duration", "500ms", "-batch", "2", "-statuses", "-concurrency", "4", "-json"}
	cfg, err := parseFlags(args, io.Discard, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := run(context.Background(), cfg, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d, summary %s", code, out.String())
	}
	var sum summaryJSON
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, out.String())
	}
	if sum.Messages != 100 || sum.Statuses != 300 || sum.Acknowledged != sum.Posts || sum.Posts != 200 {
		t.Errorf("summary: %+v", sum)
	}
	if posts != sum.Posts || messages != 100 || statuses != 300 {
		t.Errorf("server saw %d posts, %d messages, %d statuses; summary %+v", posts, messages, statuses, sum)
	}
	if sum.P50Millis <= 0 || sum.P99Millis < sum.P50Millis {
		t.Errorf("latency percentiles: %+v", sum)
	}

	mu.Lock()
	failNext = true
	mu.Unlock()
	out.Reset()
	cfg.jsonSummary = false
	cfg.scenario.Statuses = false // faster: no status tail
	if code := run(context.Background(), cfg, &out, io.Discard); code != 1 {
		t.Fatalf("a 503 must make the exit code 1, got %d", code)
	}
	if !strings.Contains(out.String(), "503×1") {
		t.Errorf("text summary should list the 503:\n%s", out.String())
	}
}
