package media

import (
	"context"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"switchboard/ent"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/audit"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Handler serves GET /media/{messageId}: the stored file of the message,
// with its Content-Type and Content-Disposition, Range requests answered by
// http.ServeContent over a seeking blob reader.
//
// It is allowed to a member of the message's tenant (any role; the caller
// is put in the context by the server's authentication of the Bearer
// token, and the tenant interceptors then find only the caller's own
// messages) and to anyone holding a valid signed link (Links). Anything
// else, a file not (yet) stored included, gets the answer of a nonexistent
// id, byte for byte.
type Handler struct {
	Client *ent.Client
	Store  *Store
	Links  *Links
	Log    *slog.Logger
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := pulid.ID(r.PathValue("id"))
	ctx, m := h.find(r, id)
	if m == nil {
		notFound(w)
		return
	}
	md := m.Media
	f, err := h.Store.reader(ctx, md.Key)
	if err != nil {
		if err != ErrNotStored {
			h.Log.ErrorContext(r.Context(), "media: cannot open stored file", "message", id, "err", err)
		}
		notFound(w)
		return
	}
	defer f.Close()
	if err := h.audit(ctx, r, m); err != nil {
		h.Log.ErrorContext(ctx, "media: cannot audit a download", "message", id, "err", err)
		http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", contentType(md.MimeType))
	hd.Set("Content-Disposition", disposition(md))
	hd.Set("Cache-Control", "private, max-age=300")
	http.ServeContent(w, r, "", modTime(f.ModTime()), f)
}

// audit records the download of a customer's file: who (the member or
// API key; a signed link names no one, so the entry says it was one) and
// which message. A player's follow-up Range requests for the rest of the
// same file are not entries of their own.
func (h *Handler) audit(ctx context.Context, r *http.Request, m *ent.Message) error {
	if rg := r.Header.Get("Range"); rg != "" && !strings.HasPrefix(rg, "bytes=0-") {
		return nil
	}
	via := "token"
	if viewer.IsSystem(ctx) {
		via = "signed link"
	}
	return audit.Record(ctx, h.Client, audit.Entry{Action: audit.MediaDownload, TargetType: audit.TargetMessage,
		TargetID: m.ID, Tenant: m.TenantID, Metadata: map[string]any{"via": via}})
}

// find returns the message when the caller may read its file and the file
// is stored, else nil, with the context to read it in.
func (h *Handler) find(r *http.Request, id pulid.ID) (context.Context, *ent.Message) {
	ctx := r.Context()
	if id.Prefix() != "MS" {
		return ctx, nil
	}
	q := r.URL.Query()
	switch {
	case h.Links.Valid(id, q.Get("exp"), q.Get("sig")):
		ctx = viewer.System(ctx)
	default:
		if _, ok := viewer.FromContext(ctx); !ok {
			return ctx, nil
		}
	}
	// With a member's context the tenant interceptors filter the query:
	// another tenant's message is not found, as a missing one is.
	m, err := h.Client.Message.Get(ctx, id)
	if err != nil {
		if !ent.IsNotFound(err) {
			h.Log.ErrorContext(ctx, "media: cannot read message", "message", id, "err", err)
		}
		return ctx, nil
	}
	if m.Media == nil || m.Media.State != schematype.MediaStored || m.Media.Key == "" {
		return ctx, nil
	}
	return ctx, m
}

// notFound is the one answer for every id the caller may not read.
func notFound(w http.ResponseWriter) {
	http.Error(w, "404 page not found", http.StatusNotFound)
}

// contentType is the stored type when it parses as one, else bytes.
func contentType(t string) string {
	if t == "" {
		return "application/octet-stream"
	}
	if _, _, err := mime.ParseMediaType(t); err != nil {
		return "application/octet-stream"
	}
	return t
}

// disposition shows images, audio and video in place (an <img> or
// <audio>) and offers everything else, which a browser might render as a
// page of this origin (HTML, SVG, PDF with scripts), as a download. The
// filename is quoted by mime.FormatMediaType (RFC 2231 for non-ASCII).
func disposition(md *schematype.Media) string {
	kind := "attachment"
	t := strings.ToLower(md.MimeType)
	if (strings.HasPrefix(t, "image/") || strings.HasPrefix(t, "audio/") || strings.HasPrefix(t, "video/")) &&
		!strings.HasPrefix(t, "image/svg") {
		kind = "inline"
	}
	if md.Filename == "" {
		return kind
	}
	if v := mime.FormatMediaType(kind, map[string]string{"filename": md.Filename}); v != "" {
		return v
	}
	return kind
}

func modTime(t time.Time) time.Time {
	if t.IsZero() || t.Unix() <= 0 {
		return time.Time{}
	}
	return t
}
