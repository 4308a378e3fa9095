package inbound_test

import (
	"strings"
	"testing"
	"time"

	"switchboard/ent/contact"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim"
)

// An opt-in decision is the newest one, whatever arrives in between or in
// which order: STOP followed by an ordinary message leaves the customer
// opted out whether the message is processed before or after the STOP,
// and a START older than a preference to stop does not undo it.
func TestOptInDecisionsMoveForwardInAnyOrder(t *testing.T) {
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	cu := sim.CustomerN(1)
	marshal := func(env sim.Envelope) []byte {
		b, err := sim.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	stop := marshal(sim.TextMessage(ch, cu, "wamid.stop", "stop", at(1)))
	hello := marshal(sim.TextMessage(ch, cu, "wamid.hello", "hello again", at(2)))
	start := marshal(sim.TextMessage(ch, cu, "wamid.start", "START", at(3)))
	prefStop := marshal(sim.UserPreferences(ch, cu, sim.PreferenceStop, at(4)))
	for name, order := range map[string][][]byte{
		"in order":      {stop, hello, start, prefStop},
		"reversed":      {prefStop, start, hello, stop},
		"hello first":   {hello, stop, prefStop, start},
		"redelivered":   {stop, stop, hello, prefStop, start, prefStop, stop},
		"start at last": {stop, hello, prefStop, start},
	} {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			c := setup(t, t0, order)
			drain(t, c, 1)
			ct := c.Contact.Query().Where(contact.Phone("+" + cu.WAID)).OnlyX(viewer.System(t.Context()))
			if ct.OptInStatus != contact.OptInStatusOPTED_OUT || ct.OptInSource != "whatsapp:user_preferences" ||
				ct.OptInAt == nil || !ct.OptInAt.Equal(at(4)) || !ct.LastInboundAt.Equal(at(3)) {
				t.Fatalf("%s %s at %v, last inbound %v", ct.OptInStatus, ct.OptInSource, ct.OptInAt, ct.LastInboundAt)
			}
		})
	}
}
