package media

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"switchboard/ent/schema/schematype"
	"switchboard/internal/apperr"
	"switchboard/internal/metaapi"
	"switchboard/internal/pulid"
)

// UploadField is the input field a refused upload is reported on
// (extensions.field of BAD_USER_INPUT).
const UploadField = "input.media.upload"

// SaveUpload keeps a file uploaded for sending (sendMessage's media.upload)
// under the tenant, named name (e.g. the message id; a fresh id when
// empty), and returns its Media, STORED; a document keeps the upload's
// filename (without any path), the only kind Meta takes one for.
//
// kind is the message type asked for (image, audio, video, document,
// sticker, any case; "" takes it from the content type: JPEG and PNG are
// images, WebP stickers, audio/* audio, video/* video, anything else a
// document). The file must be
// within Meta's limits for that kind (metaapi.MediaLimit: images are JPEG
// or PNG up to 5 MB, audio and video up to 16 MB, documents up to 100 MB,
// stickers WebP up to 100 KB, or 500 KB animated); images and stickers
// must be what their bytes say. Anything else is a BAD_USER_INPUT error
// (*apperr.Error on UploadField) saying why, and nothing is kept.
func (s *Store) SaveUpload(ctx context.Context, tenant pulid.ID, name string, up graphql.Upload, kind string) (*schematype.Media, error) {
	if up.File == nil {
		return nil, apperr.Input(UploadField, "no file was uploaded")
	}
	if up.Size == 0 {
		return nil, apperr.Input(UploadField, "the file is empty")
	}
	head := bufio.NewReaderSize(up.File, 512)
	peek, err := head.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("media: read upload: %w", err)
	}
	mimeType, k, err := classify(up.ContentType, peek, kind)
	if err != nil {
		return nil, err
	}
	if k == metaapi.KindSticker && up.Size > metaapi.MediaLimit(k) && animatedWebP(peek) {
		k = metaapi.KindAnimatedSticker
	}
	limit := metaapi.MediaLimit(k)
	if up.Size > limit {
		return nil, apperr.Input(UploadField, "the file has %d bytes; a %s may have at most %s", up.Size, kindName(k), human(limit))
	}
	if name == "" {
		name = string(pulid.New("UP"))
	}
	key := uploadKey(tenant, name)
	wctx, abandon := context.WithCancel(ctx)
	defer abandon()
	w, err := s.writer(wctx, key, mimeType)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(head, limit+1))
	if err == nil && n > limit {
		err = apperr.Input(UploadField, "the file has more than %d bytes; a %s may have at most %s", limit, kindName(k), human(limit))
	}
	if err == nil && n == 0 {
		err = apperr.Input(UploadField, "the file is empty")
	}
	if err != nil {
		abandon()
		_ = w.Close()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("media: store upload: %w", err)
	}
	md := &schematype.Media{State: schematype.MediaStored, Key: key, MimeType: mimeType, Size: n,
		SHA256: hex.EncodeToString(h.Sum(nil))}
	if k == metaapi.KindDocument {
		md.Filename = cleanFilename(up.Filename) // Meta takes a filename on documents only
	}
	return md, nil
}

// classify settles the upload's content type and Meta kind, or says why
// Meta would refuse it.
func classify(declared string, head []byte, kind string) (string, metaapi.MediaKind, error) {
	sniffed, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	mimeType := sniffed
	if t, params, err := mime.ParseMediaType(declared); err == nil && t != "application/octet-stream" {
		mimeType = mime.FormatMediaType(t, params)
		if mimeType == "" {
			mimeType = t
		}
	}
	base, _, _ := mime.ParseMediaType(mimeType)
	var k metaapi.MediaKind
	switch strings.ToUpper(kind) {
	case "":
		k = kindOf(base)
	case "IMAGE":
		k = metaapi.KindImage
	case "AUDIO":
		k = metaapi.KindAudio
	case "VIDEO":
		k = metaapi.KindVideo
	case "DOCUMENT":
		k = metaapi.KindDocument
	case "STICKER":
		k = metaapi.KindSticker
	default:
		return "", "", apperr.Input("input.media.type", "%q is not a media type: IMAGE, AUDIO, VIDEO, DOCUMENT or STICKER", kind)
	}
	switch k {
	case metaapi.KindImage:
		if sniffed != "image/jpeg" && sniffed != "image/png" {
			return "", "", apperr.Input(UploadField, "an image must be a JPEG or PNG file; this one is %s", sniffed)
		}
		mimeType = sniffed
	case metaapi.KindSticker:
		if sniffed != "image/webp" {
			return "", "", apperr.Input(UploadField, "a sticker must be a WebP file; this one is %s", sniffed)
		}
		mimeType = sniffed
	case metaapi.KindAudio:
		if !strings.HasPrefix(base, "audio/") {
			return "", "", apperr.Input(UploadField, "audio must have an audio/* content type; this file is %s", base)
		}
	case metaapi.KindVideo:
		if !strings.HasPrefix(base, "video/") {
			return "", "", apperr.Input(UploadField, "a video must have a video/* content type; this file is %s", base)
		}
	}
	return mimeType, k, nil
}

// kindOf is the kind a content type is sent as when none was asked for.
func kindOf(t string) metaapi.MediaKind {
	switch {
	case t == "image/jpeg" || t == "image/png":
		return metaapi.KindImage
	case t == "image/webp":
		return metaapi.KindSticker
	case strings.HasPrefix(t, "audio/"):
		return metaapi.KindAudio
	case strings.HasPrefix(t, "video/"):
		return metaapi.KindVideo
	}
	return metaapi.KindDocument
}

// animatedWebP tells an animated WebP by its VP8X header's animation flag.
func animatedWebP(head []byte) bool {
	return len(head) >= 21 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "WEBP" &&
		string(head[12:16]) == "VP8X" && head[20]&0x02 != 0
}

func kindName(k metaapi.MediaKind) string {
	if k == metaapi.KindAnimatedSticker {
		return "animated sticker"
	}
	return string(k)
}

// human writes Meta's limits as Meta states them.
func human(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", n>>10)
}

// cleanFilename keeps the last path element of a client's filename, without
// control characters, at most 240 bytes.
func cleanFilename(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	for len(s) > 240 {
		_, size := lastRune(s)
		s = s[:len(s)-size]
	}
	return s
}

func lastRune(s string) (rune, int) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return rune(s[i]), len(s) - i
		}
	}
	return 0, 1
}
