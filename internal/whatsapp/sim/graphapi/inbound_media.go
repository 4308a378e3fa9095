package graphapi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// MediaFile is a file a customer sends (AddMedia): the Graph API serves it by its id, and the
// webhook naming it carries its type and hash, as Meta's do.
type MediaFile struct {
	Data     []byte
	MIMEType string
	Filename string // documents
	// SHA256, when set (hex), is the hash the webhook and the lookup state instead of the
	// file's own: a file that arrives damaged.
	SHA256 string
	// Slow holds each download this long before its first byte (a big file on a slow link).
	Slow time.Duration
}

// AddMedia keeps f as an inbound file and returns its media id (16 digits, as the simulator's
// other inbound ids).
func (s *Server) AddMedia(f MediaFile) string {
	sum := sha256.Sum256(f.Data)
	hash := hex.EncodeToString(sum[:])
	if f.SHA256 != "" {
		hash = f.SHA256
	}
	mime := f.MIMEType
	if mime == "" {
		mime = "application/octet-stream"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := strconv.FormatUint(2_000_000_000_000_000+s.seq*7919+s.cfg.Seed%1000, 10)[:16]
	s.media[id] = &mediaFile{id: id, mimeType: mime, data: f.Data, sha256: hash, filename: f.Filename, slow: f.Slow}
	return id
}

// ExpireURLs makes the next n downloads of the file answer 404, as a URL past its five
// minutes does.
func (s *Server) ExpireURLs(mediaID string, n int) {
	s.mu.Lock()
	if m := s.media[mediaID]; m != nil {
		m.expire += n
	}
	s.mu.Unlock()
}

// MediaLookups counts the GET /{media_id} of the file: each hands out a fresh URL.
func (s *Server) MediaLookups(mediaID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.media[mediaID]; m != nil {
		return m.lookups
	}
	return 0
}

// MediaData returns the file kept under a media id (uploaded or added) and its type.
func (s *Server) MediaData(mediaID string) ([]byte, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.media[mediaID]
	if m == nil {
		return nil, "", false
	}
	return m.data, m.mimeType, true
}

// InboundMedia sends the webhook of a customer's media message (typ image, audio, video,
// document or sticker) naming a file from AddMedia, as handleInbound does for text, and
// returns its wamid.
func (s *Server) InboundMedia(ctx context.Context, number, from string, typ sim.MessageType, mediaID, caption string) (string, error) {
	if s.cfg.Target == "" {
		return "", errors.New("graphapi: no webhook target")
	}
	s.mu.Lock()
	m := s.media[mediaID]
	s.mu.Unlock()
	if m == nil {
		return "", fmt.Errorf("graphapi: no media %s", mediaID)
	}
	now := time.Now()
	s.OpenWindow(from, now)
	s.mu.Lock()
	s.numberBucket(number, now).take(now)
	s.seq++
	wamid := sim.Wamid(from, s.seq, s.cfg.Seed^0x1b)
	s.mu.Unlock()
	// Webhooks carry the hash in base64, lookups in hex (both are seen from Meta).
	hash := m.sha256
	if b, err := hex.DecodeString(hash); err == nil {
		hash = base64.StdEncoding.EncodeToString(b)
	}
	f := sim.File{ID: mediaID, MimeType: m.mimeType, SHA256: hash, Caption: caption, Filename: m.filename}
	ch := sim.Channel{WABAID: s.cfg.WABAID, PhoneNumberID: number, DisplayPhoneNumber: s.cfg.DisplayPhoneNumber}
	c := sim.Customer{WAID: from, Name: "Customer " + from}
	body, err := sim.Marshal(sim.Inbound(ch, c, sim.Media(typ, from, wamid, now, f)))
	if err != nil {
		return "", err
	}
	status, err := sim.Post(ctx, s.client, s.cfg.Target, s.cfg.AppSecret, body)
	if err != nil {
		return "", err
	}
	if status != 200 {
		return "", fmt.Errorf("graphapi: webhook answered %d", status)
	}
	return wamid, nil
}

// handleInboundMedia is POST /_sim/inbound_media?from=…&phone_number_id=…&type=image&caption=…
// with the file as the body and its Content-Type (simulator only): the customer sends that
// file, and its webhook goes to the target.
func (s *Server) handleInboundMedia(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, number, typ := q.Get("from"), q.Get("phone_number_id"), sim.MessageType(q.Get("type"))
	if typ == "" {
		typ = sim.TypeImage
	}
	switch typ {
	case sim.TypeImage, sim.TypeAudio, sim.TypeVideo, sim.TypeDocument, sim.TypeSticker:
	default:
		typ = ""
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxUpload))
	if err != nil || from == "" || number == "" || typ == "" || len(data) == 0 {
		http.Error(w, "want ?from=…&phone_number_id=…&type=image|audio|video|document|sticker[&caption=…&filename=…] and the file as the body", http.StatusBadRequest)
		return
	}
	id := s.AddMedia(MediaFile{Data: data, MIMEType: r.Header.Get("Content-Type"), Filename: q.Get("filename")})
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	wamid, err := s.InboundMedia(ctx, number, from, typ, id, q.Get("caption"))
	if err != nil {
		http.Error(w, fmt.Sprintf("webhook: %v", err), http.StatusBadGateway)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": wamid, "media_id": id})
}
