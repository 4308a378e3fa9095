package graphapi

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// outbound is an accepted message whose delivery the simulator reports.
type outbound struct {
	number, to, wamid, callbackData string
	template, failed                bool
}

// sendStatuses posts sent → delivered → read (or sent → failed) for m to the target, one signed
// webhook each, in that order, StatusDelay apart. Nothing is sent without a target.
func (s *Server) sendStatuses(m outbound) {
	if s.cfg.Target == "" {
		return
	}
	kinds := []sim.StatusKind{sim.StatusSent, sim.StatusDelivered, sim.StatusRead}
	if m.failed {
		kinds = []sim.StatusKind{sim.StatusSent, sim.StatusFailed}
	}
	ch := sim.Channel{WABAID: s.cfg.WABAID, PhoneNumberID: m.number, DisplayPhoneNumber: s.cfg.DisplayPhoneNumber}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.wg.Go(func() {
		for _, k := range kinds {
			select {
			case <-s.done:
				return
			case <-time.After(s.cfg.StatusDelay):
			}
			body, err := sim.Marshal(sim.Statuses(ch, s.status(m, k)))
			if err != nil {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, _ = sim.Post(ctx, s.client, s.cfg.Target, s.cfg.AppSecret, body)
			cancel()
		}
	})
}

// status builds one callback: pricing on sent and delivered (a template is charged as
// TemplateCategory, a free-form reply is free customer service), the callback data echoed on
// all but failed, the recipient's user id instead of the number in BSUID mode.
func (s *Server) status(m outbound, k sim.StatusKind) sim.StatusCallback {
	recipient := m.to
	if s.cfg.BSUID || isBSUID(m.to) {
		recipient = ""
	}
	st := sim.Status(m.wamid, k, recipient, time.Now())
	if m.template && (k == sim.StatusSent || k == sim.StatusDelivered) {
		st.WithPricing("regular", s.cfg.TemplateCategory, true)
	}
	if m.callbackData != "" && k != sim.StatusFailed {
		st.WithCallbackData(m.callbackData)
	}
	if recipient == "" {
		st.WithRecipientUserID(UserID(m.to))
	}
	return st
}

// UserID is the business-scoped user id the simulator gives a customer: a stable
// "US." + 20-digit id derived from the phone number; a BSUID is its own user id.
func UserID(customer string) string {
	if isBSUID(customer) {
		return customer
	}
	sum := sha256.Sum256([]byte("bsuid:" + strings.TrimPrefix(customer, "+")))
	return fmt.Sprintf("US.%020d", binary.BigEndian.Uint64(sum[:8]))
}
