package metaapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUploadMedia checks the multipart form Meta documents: fields
// messaging_product and type, and the file part with its name and type.
func TestUploadMedia(t *testing.T) {
	g := newGraph(t, http.StatusOK, `{"id":"4490709327384033"}`)
	data := bytes.Repeat([]byte{0xff, 0xd8}, 1000)
	id, err := g.client().UploadMedia(context.Background(), testToken, "1065", Upload{
		Kind: KindImage, MIMEType: "image/jpeg", Filename: "photo.jpg", Size: int64(len(data)), Body: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatal(err)
	}
	if id != "4490709327384033" {
		t.Errorf("id %q", id)
	}
	r := g.only()
	if r.Method != http.MethodPost || r.Path != "/v21.0/1065/media" || r.Auth != "Bearer "+testToken {
		t.Errorf("request %s %s auth %q", r.Method, r.Path, r.Auth)
	}
	mt, params, err := mime.ParseMediaType(r.ContentType)
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("Content-Type %q", r.ContentType)
	}
	form, err := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"]).ReadForm(10 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if got := form.Value["messaging_product"]; len(got) != 1 || got[0] != "whatsapp" {
		t.Errorf("messaging_product %q", got)
	}
	if got := form.Value["type"]; len(got) != 1 || got[0] != "image/jpeg" {
		t.Errorf("type %q", got)
	}
	files := form.File["file"]
	if len(files) != 1 || files[0].Filename != "photo.jpg" || files[0].Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("file part %+v", files)
	}
	f, _ := files[0].Open()
	got, _ := io.ReadAll(f)
	if !bytes.Equal(got, data) {
		t.Errorf("file content differs: %d bytes, want %d", len(got), len(data))
	}
}

// TestUploadRefusesBadInput: sizes over META.md's limits, wrong MIME types
// and a body longer than declared never reach Meta intact.
func TestUploadRefusesBadInput(t *testing.T) {
	cases := []struct {
		name string
		u    Upload
	}{
		{"image over 5 MB", Upload{Kind: KindImage, MIMEType: "image/png", Size: 5<<20 + 1}},
		{"audio over 16 MB", Upload{Kind: KindAudio, MIMEType: "audio/ogg", Size: 16<<20 + 1}},
		{"video over 16 MB", Upload{Kind: KindVideo, MIMEType: "video/mp4", Size: 16<<20 + 1}},
		{"document over 100 MB", Upload{Kind: KindDocument, MIMEType: "application/pdf", Size: 100<<20 + 1}},
		{"static sticker over 100 KB", Upload{Kind: KindSticker, MIMEType: "image/webp", Size: 100<<10 + 1}},
		{"animated sticker over 500 KB", Upload{Kind: KindAnimatedSticker, MIMEType: "image/webp", Size: 500<<10 + 1}},
		{"image as gif", Upload{Kind: KindImage, MIMEType: "image/gif", Size: 10}},
		{"sticker as png", Upload{Kind: KindSticker, MIMEType: "image/png", Size: 10}},
		{"unknown kind", Upload{Kind: "hologram", MIMEType: "x/y", Size: 10}},
		{"empty", Upload{Kind: KindDocument, MIMEType: "application/pdf", Size: 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := newGraph(t, http.StatusOK, `{"id":"1"}`)
			c.u.Body = strings.NewReader("x")
			_, err := g.client().UploadMedia(context.Background(), testToken, "1", c.u)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if g.count() != 0 {
				t.Error("a request was sent")
			}
		})
	}
	t.Run("body longer than Size", func(t *testing.T) {
		g := newGraph(t, http.StatusOK, `{"id":"1"}`)
		_, err := g.client().UploadMedia(context.Background(), testToken, "1",
			Upload{Kind: KindDocument, MIMEType: "application/pdf", Size: 3, Body: strings.NewReader("four")})
		var ve *ValidationError
		if !errors.As(err, &ve) || Classify(err) != NeverRetry {
			t.Errorf("err = %v (%v), want *ValidationError, NEVER_RETRY", err, Classify(err))
		}
	})
}

// TestGetMedia reads Meta's media object, with file_size as a number or a
// string.
func TestGetMedia(t *testing.T) {
	for _, size := range []string{`303833`, `"303833"`} {
		g := newGraph(t, http.StatusOK, `{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1","mime_type":"image/jpeg","sha256":"abc","file_size":`+size+`,"id":"1037543291543636"}`)
		info, err := g.client().GetMedia(context.Background(), testToken, "1037543291543636")
		if err != nil {
			t.Fatal(err)
		}
		want := MediaInfo{ID: "1037543291543636", URL: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1", MIMEType: "image/jpeg", SHA256: "abc", FileSize: 303833}
		if *info != want {
			t.Errorf("info %+v, want %+v", *info, want)
		}
		r := g.only()
		if r.Method != http.MethodGet || r.Path != "/v21.0/1037543291543636" || r.Auth != "Bearer "+testToken {
			t.Errorf("request %s %s auth %q", r.Method, r.Path, r.Auth)
		}
	}
	g := newGraph(t, http.StatusBadRequest, metaError(100, "OAuthException", "Unsupported get request", "media id expired"))
	_, err := g.client().GetMedia(context.Background(), testToken, "old")
	var api *APIError
	if !errors.As(err, &api) || api.Code != 100 {
		t.Errorf("expired media id: err = %v, want *APIError code 100", err)
	}
}

// mediaHost serves one file at /file with the Bearer token required, and
// 404 at any other path (an expired URL).
func mediaHost(t *testing.T, data []byte, sendLength bool) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, metaError(190, "OAuthException", "Invalid OAuth access token", ""))
			return
		}
		if r.URL.Path != "/file" {
			http.NotFound(w, r)
			return
		}
		if !sendLength {
			w.Header().Set("Transfer-Encoding", "chunked")
			w.(http.Flusher).Flush()
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestDownload(t *testing.T) {
	data := bytes.Repeat([]byte("media"), 2000)
	sum := sha256.Sum256(data)
	for _, withLength := range []bool{true, false} {
		srv := mediaHost(t, data, withLength)
		c := &Client{HTTPClient: srv.Client()}
		t.Run("streams with the token", func(t *testing.T) {
			var buf bytes.Buffer
			got, err := c.Download(context.Background(), testToken, srv.URL+"/file", &buf, int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), data) || got.Bytes != int64(len(data)) || got.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("downloaded %d bytes, sha %s", got.Bytes, got.SHA256)
			}
		})
		t.Run("size cap", func(t *testing.T) {
			_, err := c.Download(context.Background(), testToken, srv.URL+"/file", io.Discard, int64(len(data))-1)
			if !errors.Is(err, ErrMediaTooLarge) {
				t.Errorf("err = %v, want ErrMediaTooLarge", err)
			}
		})
		t.Run("expired url", func(t *testing.T) {
			_, err := c.Download(context.Background(), testToken, srv.URL+"/expired", io.Discard, 1<<20)
			if !errors.Is(err, ErrMediaURLExpired) {
				t.Errorf("err = %v, want ErrMediaURLExpired", err)
			}
		})
		t.Run("token refused", func(t *testing.T) {
			_, err := c.Download(context.Background(), "wrong", srv.URL+"/file", io.Discard, 1<<20)
			if Classify(err) != StopChannel {
				t.Errorf("err = %v, Classify = %v, want STOP_CHANNEL", err, Classify(err))
			}
		})
	}
}

func TestDownloadRefusesBadURL(t *testing.T) {
	_, err := (&Client{}).Download(context.Background(), testToken, "/relative", io.Discard, 10)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Errorf("err = %v, want *ValidationError", err)
	}
}
