package media_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/png"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"switchboard/ent/schema/schematype"
	"switchboard/internal/apperr"
	"switchboard/internal/media"
	"switchboard/internal/pulid"
)

// pngBytes is a real PNG of w×h pixels.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func upload(data []byte, contentType, name string) graphql.Upload {
	return graphql.Upload{File: bytes.NewReader(data), Size: int64(len(data)), ContentType: contentType, Filename: name}
}

// s3URL starts an in-process S3 (gofakes3, on loopback) with a bucket and
// returns the MEDIA_STORE_URL that reaches it through s3blob.
func s3URL(t *testing.T) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("switchboard-media"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return "s3://switchboard-media?endpoint=" + srv.URL + "&region=us-east-1&use_path_style=true&disable_https=true&anonymous=true"
}

// An upload goes into each kind of store and comes back byte for byte,
// described as Meta needs it; on S3 through s3blob to a real S3 protocol
// server.
func TestSaveUploadAndOpen(t *testing.T) {
	for name, url := range map[string]func(t *testing.T) string{
		"file": func(t *testing.T) string { return "" },
		"mem":  func(t *testing.T) string { return "mem://" },
		"s3":   s3URL,
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, err := media.OpenStore(ctx, url(t), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			data := pngBytes(t, 64, 64)
			md, err := st.SaveUpload(ctx, pulid.ID("TN01"), "m1", upload(data, "", "../../etc/pic.png"), "")
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if md.State != schematype.MediaStored || md.MimeType != "image/png" || md.Size != int64(len(data)) ||
				md.SHA256 != hex.EncodeToString(sum[:]) || md.Filename != "" || !strings.HasPrefix(md.Key, "TN01/") {
				t.Fatalf("media = %+v", md)
			}
			f, err := st.Open(ctx, md.Key)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(f)
			f.Close()
			if !bytes.Equal(got, data) {
				t.Fatalf("read back %d bytes, want %d", len(got), len(data))
			}
			if _, err := st.Open(ctx, "TN01/uploads/nothing"); !errors.Is(err, media.ErrNotStored) {
				t.Fatalf("missing key: %v", err)
			}
			if err := st.Delete(ctx, md.Key); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Open(ctx, md.Key); !errors.Is(err, media.ErrNotStored) {
				t.Fatalf("after Delete: %v", err)
			}
			if err := st.Delete(ctx, md.Key); err != nil {
				t.Fatalf("second Delete: %v", err)
			}
		})
	}
}

// Meta's limits are checked before anything is kept, and each refusal is
// BAD_USER_INPUT saying why.
func TestSaveUploadRefusesWhatMetaWouldRefuse(t *testing.T) {
	ctx := context.Background()
	st, err := media.OpenStore(ctx, "mem://", "")
	if err != nil {
		t.Fatal(err)
	}
	bigJPEG := append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), make([]byte, 5<<20)...)
	webp := append([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), make([]byte, 120<<10)...)
	for _, c := range []struct {
		name, kind, contentType string
		data                    []byte
		want                    string
	}{
		{"image over 5 MB", "IMAGE", "image/jpeg", bigJPEG, "at most 5 MB"},
		{"gif as image", "image", "image/gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "JPEG or PNG"},
		{"text claiming to be png", "", "image/png", []byte("hello, not an image"), "JPEG or PNG"},
		{"static sticker over 100 KB", "STICKER", "image/webp", webp, "at most 100 KB"},
		{"pdf as video", "VIDEO", "application/pdf", []byte("%PDF-1.4\n"), "video/*"},
		{"empty", "", "text/plain", nil, "empty"},
		{"unknown kind", "HOLOGRAM", "text/plain", []byte("x"), "not a media type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := st.SaveUpload(ctx, "TN01", "", upload(c.data, c.contentType, "f"), c.kind)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.BadUserInput || !strings.Contains(e.Message, c.want) {
				t.Fatalf("err = %v, want BAD_USER_INPUT with %q", err, c.want)
			}
		})
	}
	// A document is anything within 100 MB; its kind comes from its type.
	md, err := st.SaveUpload(ctx, "TN01", "doc", upload([]byte("%PDF-1.4\n"), "application/pdf", `C:\\tmp\\a "b".pdf`), "")
	if err != nil || md.MimeType != "application/pdf" || md.Filename != `a "b".pdf` {
		t.Fatalf("pdf: %+v, %v", md, err)
	}
}
