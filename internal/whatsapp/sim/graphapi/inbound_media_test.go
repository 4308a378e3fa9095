package graphapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"
)

// A customer's file (POST /_sim/inbound_media) arrives as a signed media webhook naming a media
// id whose lookup and download give the file back, its hash in base64 in the webhook and in hex
// in the lookup, as Meta's do.
func TestInboundMediaWebhookNamesADownloadableFile(t *testing.T) {
	h := start(t, Config{})
	data := []byte("%PDF-1.4 the plan")
	req, _ := http.NewRequest(http.MethodPost, h.url+"/_sim/inbound_media?from=14155550123&phone_number_id="+testNumber+
		"&type=document&filename=plan.pdf&caption=here", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/pdf")
	code, out := do(t, req)
	id, _ := out["media_id"].(string)
	if code != 200 || id == "" {
		t.Fatalf("inbound_media: %d %v", code, out)
	}
	sum := sha256.Sum256(data)
	var w webhook
	select {
	case w = <-h.hooks:
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook")
	}
	var env struct {
		Entry []struct {
			Changes []struct {
				Value struct {
					Messages []struct {
						Type     string
						Document struct{ ID, MimeType, SHA256, Filename, Caption string } `json:"document"`
					}
				}
			}
		}
	}
	if err := json.Unmarshal(w.body, &env); err != nil {
		t.Fatal(err)
	}
	doc := env.Entry[0].Changes[0].Value.Messages[0].Document
	if doc.ID != id || doc.SHA256 != base64.StdEncoding.EncodeToString(sum[:]) || doc.Filename != "plan.pdf" || doc.Caption != "here" {
		t.Fatalf("webhook document = %+v (%s)", doc, w.body)
	}

	h.sim.ExpireURLs(id, 1)
	get := func(u string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	var info struct{ URL, SHA256 string }
	for range 2 {
		code, b := get(h.url + "/v24.0/" + id)
		if err := json.Unmarshal(b, &info); err != nil || code != 200 || info.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("lookup: %d %s", code, b)
		}
		code, b = get(info.URL)
		if code == 200 && bytes.Equal(b, data) {
			break
		}
		if code != 404 {
			t.Fatalf("download: %d %q", code, b)
		}
	}
	if n := h.sim.MediaLookups(id); n != 2 {
		t.Fatalf("%d lookups: the expired URL was not answered 404 once", n)
	}
	if code, out := h.post(t, "/_sim/inbound_media?from=1", "", nil); code != 400 {
		t.Fatalf("bad request: %d %v", code, out)
	}
}
