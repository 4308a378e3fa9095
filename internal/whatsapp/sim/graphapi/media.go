package graphapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// maxUpload is the largest file the simulator takes (Meta's document limit).
const maxUpload = 100 << 20

// mediaFile is an uploaded file, kept in memory.
type mediaFile struct {
	id, mimeType string
	data         []byte
	sha256       string // hex, as lookups state it
	filename     string
	lookups      int // GET /{media_id}: each hands out a fresh URL
	expire       int // downloads still to answer 404 (ExpireURLs)
	slow         time.Duration
}

// handleUpload is POST /{phone_number_id}/media, multipart with messaging_product, file and type.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		writeError(w, http.StatusBadRequest, errBadParam.with("Expected a multipart form with a file."))
		return
	}
	if r.FormValue("messaging_product") != "whatsapp" {
		writeError(w, http.StatusBadRequest, errBadParam.with("The parameter messaging_product is required and must be whatsapp."))
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		writeError(w, http.StatusBadRequest, errBadParam.with("The parameter file is required."))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		writeError(w, http.StatusBadRequest, errBadParam.with("Could not read the file."))
		return
	}
	mime := r.FormValue("type")
	if mime == "" {
		mime = hdr.Header.Get("Content-Type")
	}
	if mime == "" {
		writeError(w, http.StatusBadRequest, errBadParam.with("The parameter type is required."))
		return
	}
	sum := sha256.Sum256(data)
	s.mu.Lock()
	s.seq++
	id := strconv.FormatUint(1_000_000_000_000_000+s.seq*7919+s.cfg.Seed%1000, 10)
	s.media[id] = &mediaFile{id: id, mimeType: mime, data: data, sha256: hex.EncodeToString(sum[:])}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"id": id})
}

// handleMediaInfo is GET /{media_id}: where to download the file, for URLTTL.
func (s *Server) handleMediaInfo(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("media")
	s.mu.Lock()
	m := s.media[id]
	if m == nil && inboundMediaID(id) {
		data := sim.MediaContent(id)
		sum := sha256.Sum256(data)
		m = &mediaFile{id: id, mimeType: "application/octet-stream", data: data, sha256: hex.EncodeToString(sum[:])}
		s.media[id] = m
	}
	if m != nil {
		m.lookups++
	}
	s.mu.Unlock()
	if m == nil {
		writeError(w, http.StatusBadRequest, errNotFound)
		return
	}
	exp := strconv.FormatInt(time.Now().Add(s.cfg.URLTTL).UnixMilli(), 10)
	q := url.Values{"mid": {id}, "ext": {exp}, "hash": {s.urlHash(id, exp)}}
	writeJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"url":               "http://" + r.Host + "/whatsapp_business/attachments/?" + q.Encode(),
		"mime_type":         m.mimeType,
		"sha256":            m.sha256,
		"file_size":         len(m.data),
		"id":                id,
	})
}

// handleDownload serves a URL from handleMediaInfo, with the Bearer token, until it expires;
// after that, or with a forged URL, 404 as Meta does (ask for a fresh URL).
func (s *Server) handleDownload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id, exp := q.Get("mid"), q.Get("ext")
	ms, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !hmac.Equal([]byte(q.Get("hash")), []byte(s.urlHash(id, exp))) || time.Now().UnixMilli() > ms {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	m := s.media[id]
	expire := m != nil && m.expire > 0
	if expire {
		m.expire--
	}
	s.mu.Unlock()
	if m == nil || expire {
		http.NotFound(w, r)
		return
	}
	if m.slow > 0 {
		select {
		case <-time.After(m.slow):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", m.mimeType)
	w.Header().Set("Content-Length", strconv.Itoa(len(m.data)))
	_, _ = w.Write(m.data)
}

// inboundMediaID tells the 16-digit ids of the simulator's inbound webhooks, which every
// Graph API serves (as sim.MediaContent), from ids nobody issued.
func inboundMediaID(id string) bool {
	if len(id) != 16 {
		return false
	}
	_, err := strconv.ParseUint(id, 10, 64)
	return err == nil
}

// urlHash binds a download URL to its media id and expiry so it can't be extended by hand.
func (s *Server) urlHash(id, exp string) string {
	mac := hmac.New(sha256.New, []byte("metasim-url:"+s.cfg.AppSecret))
	mac.Write([]byte(id + "|" + exp))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}
