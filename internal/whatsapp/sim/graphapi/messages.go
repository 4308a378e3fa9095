package graphapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// sendTypes are the message types the messages endpoint accepts, each with its payload object.
var sendTypes = map[string]bool{
	"text": true, "image": true, "audio": true, "video": true, "document": true, "sticker": true,
	"location": true, "contacts": true, "interactive": true, "template": true, "reaction": true,
}

// maxCallbackData is the longest biz_opaque_callback_data Meta accepts.
const maxCallbackData = 512

// handleMessages is POST /{version}/{phone_number_id}/messages: a send or a mark-as-read.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	number := r.PathValue("number")
	var req map[string]json.RawMessage
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, errBadParam.with("Request body is not valid JSON"))
		return
	}
	str := func(k string) string {
		var v string
		_ = json.Unmarshal(req[k], &v)
		return v
	}
	if str("messaging_product") != "whatsapp" {
		writeError(w, http.StatusBadRequest, errBadParam.with("The parameter messaging_product is required and must be whatsapp."))
		return
	}
	if str("status") == "read" {
		if str("message_id") == "" {
			writeError(w, http.StatusBadRequest, errBadParam.with("The parameter message_id is required."))
			return
		}
		s.mu.Lock()
		s.reads = append(s.reads, str("message_id"))
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"success": true})
		return
	}
	to, typ, cb := str("to"), str("type"), str("biz_opaque_callback_data")
	if typ == "" {
		typ = "text"
	}
	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, errBadParam.with("The parameter to is required."))
		return
	case !sendTypes[typ] || len(req[typ]) == 0 || string(req[typ]) == "null":
		writeError(w, http.StatusBadRequest, errBadParam.with("Param "+typ+" is missing or the type is not supported."))
		return
	case len(cb) > maxCallbackData:
		writeError(w, http.StatusBadRequest, errBadParam.with("biz_opaque_callback_data is longer than 512 characters."))
		return
	}
	if typ == "template" {
		if e := s.checkTemplate(req["template"]); e != nil {
			writeError(w, http.StatusBadRequest, *e)
			return
		}
	}

	fault := s.nextFault()
	switch fault {
	case Fault5xx:
		writeError(w, http.StatusInternalServerError, errUnavailable)
		return
	case FaultTimeout:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		dropConnection(w)
		return
	}

	now := time.Now()
	s.mu.Lock()
	if e := s.admit(number, to, typ == "template", now); e != nil {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, *e)
		return
	}
	s.seq++
	wamid := sim.Wamid(to, s.seq, s.cfg.Seed)
	s.sends[cb]++
	s.total++
	s.requests[cb] = req
	failed := s.cfg.FailShare > 0 && s.rnd.Float64() < s.cfg.FailShare
	s.mu.Unlock()

	s.sendStatuses(outbound{number: number, to: to, wamid: wamid, callbackData: cb, template: typ == "template", failed: failed})

	if fault == FaultLost {
		dropConnection(w)
		return
	}
	contact := map[string]any{"input": to}
	if isBSUID(to) {
		contact["user_id"] = to
	} else {
		contact["wa_id"] = strings.TrimPrefix(to, "+")
	}
	msg := map[string]any{"id": wamid}
	if typ == "template" {
		msg["message_status"] = "accepted"
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []any{contact},
		"messages":          []any{msg},
	})
}

// dropConnection closes the client's connection without an answer: the message was accepted
// but the client never learns its wamid.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// isBSUID tells a business-scoped user id (CC.digits) from a phone number.
func isBSUID(to string) bool { return strings.Contains(to, ".") }
