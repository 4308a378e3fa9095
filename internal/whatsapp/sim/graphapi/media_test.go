package graphapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"
	"time"

	"switchboard/internal/whatsapp/sim"
)

func upload(t *testing.T, h *harness, data []byte, mime string) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("messaging_product", "whatsapp")
	_ = mw.WriteField("type", mime)
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", `form-data; name="file"; filename="photo.jpg"`)
	hdr.Set("Content-Type", mime)
	fw, _ := mw.CreatePart(hdr)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, h.url+"/v24.0/"+testNumber+"/media", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+testToken)
	code, body := do(t, req)
	id, _ := body["id"].(string)
	if code != http.StatusOK || id == "" {
		t.Fatalf("upload: %d %v", code, body)
	}
	return id
}

func get(t *testing.T, url, token string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestMedia(t *testing.T) {
	data := bytes.Repeat([]byte("\xff\xd8jpeg"), 1000)
	sum := sha256.Sum256(data)
	h := start(t, Config{URLTTL: 300 * time.Millisecond, RevokedTokens: []string{"revoked"}})
	id := upload(t, h, data, "image/jpeg")

	req, _ := http.NewRequest(http.MethodGet, h.url+"/v24.0/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	code, info := do(t, req)
	if code != http.StatusOK {
		t.Fatalf("media info: %d %v", code, info)
	}
	if info["id"] != id || info["mime_type"] != "image/jpeg" || info["sha256"] != hex.EncodeToString(sum[:]) || info["file_size"] != float64(len(data)) {
		t.Fatalf("media info %v", info)
	}
	url := info["url"].(string)

	cases := []struct {
		name  string
		token string
		wait  time.Duration
		code  int
	}{
		{"with the token", testToken, 0, http.StatusOK},
		{"without the token", "", 0, http.StatusUnauthorized},
		{"with a revoked token", "revoked", 0, http.StatusUnauthorized},
		{"after expiry", testToken, 400 * time.Millisecond, http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Not a wait for a condition: the URL's lifetime passing is what
			// this case tests.
			time.Sleep(tc.wait)
			resp, b := get(t, url, tc.token)
			if resp.StatusCode != tc.code {
				t.Fatalf("download: %d, want %d", resp.StatusCode, tc.code)
			}
			if tc.code == http.StatusOK && (!bytes.Equal(b, data) || resp.Header.Get("Content-Type") != "image/jpeg") {
				t.Fatalf("downloaded %d bytes of %s", len(b), resp.Header.Get("Content-Type"))
			}
		})
	}

	t.Run("forged url", func(t *testing.T) {
		resp, _ := get(t, h.url+"/whatsapp_business/attachments/?mid="+id+"&ext=99999999999999&hash=00", testToken)
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("forged url: %d", resp.StatusCode)
		}
	})
	t.Run("unknown media id", func(t *testing.T) {
		resp, _ := get(t, h.url+"/v24.0/1999", testToken)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("unknown id: %d", resp.StatusCode)
		}
	})
}

// TestInboundMedia downloads the media of an inbound webhook the simulator sent and checks it
// against the webhook's sha256, as the server's media download does.
func TestInboundMedia(t *testing.T) {
	h := start(t, Config{})
	r := rand.New(rand.NewPCG(1, 2))
	msg := sim.NewMessage(r, sim.TypeImage, "16505551234", "wamid.X", time.Now(), "")
	img := msg["image"].(map[string]any)
	req, _ := http.NewRequest(http.MethodGet, h.url+"/v24.0/"+img["id"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	code, info := do(t, req)
	if code != http.StatusOK {
		t.Fatalf("media info for %v: %d %v", img["id"], code, info)
	}
	resp, data := get(t, info["url"].(string), testToken)
	sum := sha256.Sum256(data)
	if resp.StatusCode != http.StatusOK || base64.StdEncoding.EncodeToString(sum[:]) != img["sha256"] || info["sha256"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("download %d: sha256 %x, webhook says %v", resp.StatusCode, sum, img["sha256"])
	}
}
