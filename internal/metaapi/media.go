package metaapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// MediaKind is what an upload will be sent as; it sets the size limit.
type MediaKind string

// The kinds of media Meta takes, with their limits in MediaLimit.
const (
	KindImage           MediaKind = "image"
	KindAudio           MediaKind = "audio"
	KindVideo           MediaKind = "video"
	KindDocument        MediaKind = "document"
	KindSticker         MediaKind = "sticker" // static webp
	KindAnimatedSticker MediaKind = "animated_sticker"
)

// mediaLimits are Meta's size limits in bytes per kind (META.md, Media).
var mediaLimits = map[MediaKind]int64{
	KindImage:           5 << 20,
	KindAudio:           16 << 20,
	KindVideo:           16 << 20,
	KindDocument:        100 << 20,
	KindSticker:         100 << 10,
	KindAnimatedSticker: 500 << 10,
}

// MediaLimit returns the largest upload Meta takes for kind, 0 if unknown.
func MediaLimit(kind MediaKind) int64 { return mediaLimits[kind] }

// Upload is a file to store at Meta for 30 days. Size is its exact length
// in bytes; Body is read once, streamed, and checked against Size.
type Upload struct {
	Kind     MediaKind
	MIMEType string // e.g. "image/jpeg"; sent as the "type" field
	Filename string
	Size     int64
	Body     io.Reader
}

func (u *Upload) validate() error {
	limit, ok := mediaLimits[u.Kind]
	if !ok {
		return invalid("upload.kind", "unknown media kind %q", u.Kind)
	}
	if u.MIMEType == "" || !strings.Contains(u.MIMEType, "/") {
		return invalid("upload.mime_type", "%q is not a MIME type", u.MIMEType)
	}
	switch {
	case u.Kind == KindImage && u.MIMEType != "image/jpeg" && u.MIMEType != "image/png":
		return invalid("upload.mime_type", "images are image/jpeg or image/png, got %q", u.MIMEType)
	case (u.Kind == KindSticker || u.Kind == KindAnimatedSticker) && u.MIMEType != "image/webp":
		return invalid("upload.mime_type", "stickers are image/webp, got %q", u.MIMEType)
	case u.Kind == KindAudio && !strings.HasPrefix(u.MIMEType, "audio/"):
		return invalid("upload.mime_type", "audio is audio/*, got %q", u.MIMEType)
	case u.Kind == KindVideo && !strings.HasPrefix(u.MIMEType, "video/"):
		return invalid("upload.mime_type", "video is video/*, got %q", u.MIMEType)
	}
	if u.Size <= 0 {
		return invalid("upload.size", "must be positive")
	}
	if u.Size > limit {
		return invalid("upload.size", "%d bytes, a %s may be at most %d", u.Size, u.Kind, limit)
	}
	if u.Body == nil {
		return invalid("upload.body", "is nil")
	}
	if u.Filename == "" {
		u.Filename = "file"
	}
	return nil
}

// UploadMedia stores u at Meta and returns its media id, for Media.ID.
func (c *Client) UploadMedia(ctx context.Context, token, phoneNumberID string, u Upload) (string, error) {
	if err := checkIDs(token, phoneNumberID); err != nil {
		return "", err
	}
	if err := u.validate(); err != nil {
		return "", err
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() { pw.CloseWithError(writeUpload(mw, &u)) }()
	defer pr.Close()
	var out struct {
		ID string `json:"id"`
	}
	err := c.doJSON(ctx, token, http.MethodPost, c.endpoint(phoneNumberID, "media"), mw.FormDataContentType(), pr, &out)
	if err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &TransportError{Method: "POST", Path: "/" + phoneNumberID + "/media", Sent: true, Err: fmt.Errorf("answer names no media id")}
	}
	return out.ID, nil
}

// writeUpload writes the multipart form: messaging_product, type, file.
func writeUpload(mw *multipart.Writer, u *Upload) error {
	if err := mw.WriteField("messaging_product", "whatsapp"); err != nil {
		return err
	}
	if err := mw.WriteField("type", u.MIMEType); err != nil {
		return err
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, u.Filename))
	h.Set("Content-Type", u.MIMEType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	n, err := io.Copy(part, io.LimitReader(u.Body, u.Size+1))
	if err != nil {
		return err
	}
	if n != u.Size {
		return &ValidationError{Field: "upload.body", Problem: fmt.Sprintf("has %d bytes or more, Size says %d", n, u.Size)}
	}
	return mw.Close()
}

// MediaInfo is Meta's description of a media id. URL lives about five
// minutes and is fetched with the same token (Download).
type MediaInfo struct {
	ID       string
	URL      string
	MIMEType string
	SHA256   string
	FileSize int64
}

// GetMedia looks up mediaID (an inbound media id lives 7 days, an
// uploaded one 30) and returns a fresh download URL.
func (c *Client) GetMedia(ctx context.Context, token, mediaID string) (*MediaInfo, error) {
	if err := checkToken(token); err != nil {
		return nil, err
	}
	if mediaID == "" {
		return nil, invalid("media_id", "is empty")
	}
	var out struct {
		ID       string          `json:"id"`
		URL      string          `json:"url"`
		MIMEType string          `json:"mime_type"`
		SHA256   string          `json:"sha256"`
		FileSize json.RawMessage `json:"file_size"`
	}
	if err := c.doJSON(ctx, token, http.MethodGet, c.endpoint(mediaID), "", nil, &out); err != nil {
		return nil, err
	}
	info := &MediaInfo{ID: out.ID, URL: out.URL, MIMEType: out.MIMEType, SHA256: out.SHA256}
	// Meta's examples show file_size both as a number and as a string.
	if s := strings.Trim(string(out.FileSize), `"`); s != "" && s != "null" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, &TransportError{Method: "GET", Path: "/" + mediaID, Sent: true, Err: fmt.Errorf("file_size %s: %w", out.FileSize, err)}
		}
		info.FileSize = n
	}
	if info.URL == "" {
		return nil, &TransportError{Method: "GET", Path: "/" + mediaID, Sent: true, Err: fmt.Errorf("answer names no url")}
	}
	return info, nil
}

// Downloaded is what Download wrote: its length and hex SHA-256, to
// compare with MediaInfo.SHA256.
type Downloaded struct {
	Bytes  int64
	SHA256 string
}

// Download streams the media at mediaURL (from GetMedia) into w, refusing
// more than maxBytes (ErrMediaTooLarge). A 404 means the URL expired:
// ErrMediaURLExpired, ask GetMedia again. On any error, what w received is
// incomplete.
func (c *Client) Download(ctx context.Context, token, mediaURL string, w io.Writer, maxBytes int64) (*Downloaded, error) {
	if err := checkToken(token); err != nil {
		return nil, err
	}
	if maxBytes <= 0 {
		return nil, invalid("maxBytes", "must be positive")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil || (req.URL.Scheme != "https" && req.URL.Scheme != "http") || req.URL.Host == "" {
		return nil, invalid("url", "%q is not an http(s) URL", mediaURL)
	}
	resp, err := c.do(ctx, token, req)
	if err != nil {
		if api, ok := err.(*APIError); ok && api.HTTPStatus == http.StatusNotFound {
			return nil, fmt.Errorf("%w (%v)", ErrMediaURLExpired, api)
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.ContentLength > maxBytes {
		return nil, fmt.Errorf("%w: %d bytes, cap %d", ErrMediaTooLarge, resp.ContentLength, maxBytes)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, &TransportError{Method: "GET", Path: req.URL.Path, Sent: true, Err: err}
	}
	if n > maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrMediaTooLarge, maxBytes)
	}
	return &Downloaded{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
