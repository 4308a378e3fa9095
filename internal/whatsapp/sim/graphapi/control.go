package graphapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// Fault is a failure the simulator can inject into a send.
type Fault string

// The injectable faults.
const (
	FaultNone    Fault = ""
	Fault5xx     Fault = "5xx"     // 500 with code 131000; nothing sent
	FaultTimeout Fault = "timeout" // no answer until the client gives up; nothing sent
	FaultLost    Fault = "lost"    // accepted and counted, statuses sent, connection dropped
)

// InjectFaults queues f for the next n sends, before the random shares apply.
func (s *Server) InjectFaults(f Fault, n int) {
	s.mu.Lock()
	for range n {
		s.faults = append(s.faults, f)
	}
	s.mu.Unlock()
}

func (s *Server) nextFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) > 0 {
		f := s.faults[0]
		s.faults = s.faults[1:]
		return f
	}
	x := s.rnd.Float64()
	for _, f := range []struct {
		p float64
		f Fault
	}{{s.cfg.Fault5xx, Fault5xx}, {s.cfg.FaultTimeout, FaultTimeout}, {s.cfg.FaultLost, FaultLost}} {
		if x < f.p {
			return f.f
		}
		x -= f.p
	}
	return FaultNone
}

// Request is the body of the last accepted send that carried callbackData
// (biz_opaque_callback_data), field by field; nil if there was none.
func (s *Server) Request(callbackData string) map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[callbackData]
}

// Reads is every message id a read receipt named, in order.
func (s *Server) Reads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.reads...)
}

// Sends is the simulator's count of accepted messages, by biz_opaque_callback_data ("" for
// sends without it): a message counted twice was sent twice.
type Sends struct {
	Total          int            `json:"total"`
	ByCallbackData map[string]int `json:"by_callback_data"`
}

// Sends returns a copy of the counts.
func (s *Server) Sends() Sends {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Sends{Total: s.total, ByCallbackData: make(map[string]int, len(s.sends))}
	for k, v := range s.sends {
		out.ByCallbackData[k] = v
	}
	return out
}

// handleSends is GET /_sim/sends (simulator only).
func (s *Server) handleSends(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Sends())
}

// handleFaults is POST /_sim/faults {"fault":"5xx|timeout|lost","count":n} (simulator only).
func (s *Server) handleFaults(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Fault Fault `json:"fault"`
		Count int   `json:"count"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Count < 1 ||
		(req.Fault != Fault5xx && req.Fault != FaultTimeout && req.Fault != FaultLost) {
		http.Error(w, `want {"fault":"5xx|timeout|lost","count":n}`, http.StatusBadRequest)
		return
	}
	s.InjectFaults(req.Fault, req.Count)
	w.WriteHeader(http.StatusNoContent)
}

// handleRevoke is POST /_sim/revoke?token=… (simulator only): that token answers 190 from now on.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	t := r.URL.Query().Get("token")
	if t == "" {
		http.Error(w, "want ?token=", http.StatusBadRequest)
		return
	}
	s.Revoke(t)
	w.WriteHeader(http.StatusNoContent)
}

// handleInbound is POST /_sim/inbound {"from","text","phone_number_id"} (simulator only): the
// customer writes, which opens their service window and uses the number's throughput, and the
// webhook goes to the target.
func (s *Server) handleInbound(w http.ResponseWriter, r *http.Request) {
	var req struct {
		From          string `json:"from"`
		Text          string `json:"text"`
		PhoneNumberID string `json:"phone_number_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.From == "" || req.PhoneNumberID == "" {
		http.Error(w, `want {"from","text","phone_number_id"}`, http.StatusBadRequest)
		return
	}
	now := time.Now()
	s.OpenWindow(req.From, now)
	s.OpenWindow(UserID(req.From), now)
	s.mu.Lock()
	s.numberBucket(req.PhoneNumberID, now).take(now) // inbound uses the number's throughput too
	s.seq++
	wamid := sim.Wamid(req.From, s.seq, s.cfg.Seed^0x1b)
	s.mu.Unlock()
	status := 0
	if s.cfg.Target != "" {
		body, err := sim.Marshal(s.inbound(req.PhoneNumberID, req.From, wamid, req.Text, now))
		if err == nil {
			ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
			status, err = sim.Post(ctx, s.client, s.cfg.Target, s.cfg.AppSecret, body)
			cancel()
		}
		if err != nil {
			http.Error(w, fmt.Sprintf("webhook: %v", err), http.StatusBadGateway)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": wamid, "webhook_status": status})
}

// inbound builds the customer's text message webhook; in BSUID mode wa_id and from are empty
// and the user id is carried instead.
func (s *Server) inbound(number, from, wamid, text string, ts time.Time) sim.Envelope {
	ch := sim.Channel{WABAID: s.cfg.WABAID, PhoneNumberID: number, DisplayPhoneNumber: s.cfg.DisplayPhoneNumber}
	c := sim.Customer{WAID: from, Name: "Customer " + from}
	if !s.cfg.BSUID && !isBSUID(from) {
		return sim.Inbound(ch, c, sim.Text(from, wamid, text, ts))
	}
	c.WAID, c.UserID = "", UserID(from)
	return sim.Inbound(ch, c, sim.Text("", wamid, text, ts).FromUser(c.UserID))
}
