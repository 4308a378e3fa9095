package inbound_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/event"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim"
)

// Customers known by BSUID: x writes with the phone withheld, then shows
// it; customerN(0) has a contact an agent made by phone (setup), then writes
// with the phone withheld (a second contact), then with both.
var (
	bsuidX  = sim.Customer{Name: "Xavier", UserID: "US.10000000000000000001", Username: "xavier"}
	bsuidXP = sim.Customer{Name: "Xavier", UserID: bsuidX.UserID, Username: "xavier", WAID: "14155550101"}
	bsuid0  = sim.Customer{Name: "Zero", UserID: "US.10000000000000000002"}
	bsuid0P = sim.Customer{Name: "Zero", UserID: bsuid0.UserID, WAID: sim.CustomerN(0).WAID}
)

func bsuidText(c sim.Customer, wamid, body string, at time.Time) sim.Envelope {
	m := sim.Text(c.WAID, wamid, body, at)
	if c.UserID != "" {
		m = m.FromUser(c.UserID)
	}
	return sim.Inbound(ch, c, m)
}

// bsuidDeliveries is a burst mixing phone-withheld and phone-shown
// messages of two customers, their redeliveries, marketing preferences
// (one older than the other, one redelivered, one of a customer who is no
// contact and stays none) and a status whose recipient
// is known only by BSUID.
func bsuidDeliveries(t *testing.T, t0 time.Time) [][]byte {
	t.Helper()
	var out [][]byte
	add := func(env sim.Envelope) {
		b, err := sim.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	add(bsuidText(bsuidX, "wamid.x1", "hello, number hidden", at(1)))
	add(bsuidText(bsuidXP, "wamid.x2", "now with my number", at(2)))
	add(bsuidText(bsuidX, "wamid.x3", "hidden again", at(3)))
	add(bsuidText(bsuidX, "wamid.x1", "hello, number hidden", at(1)))
	add(bsuidText(bsuid0, "wamid.z1", "hidden number", at(4)))
	add(bsuidText(bsuid0P, "wamid.z2", "both", at(5)))
	add(sim.UserPreferences(ch, bsuid0P, sim.PreferenceStop, at(6)))
	add(sim.UserPreferences(ch, bsuid0, sim.PreferenceResume, at(5)))
	add(sim.UserPreferences(ch, bsuid0P, sim.PreferenceStop, at(6)))
	add(sim.UserPreferences(ch, sim.Customer{Name: "Stranger", UserID: "US.10000000000000000003"}, sim.PreferenceStop, at(6)))
	add(sim.Statuses(ch, sim.Status("wamid.out.a", sim.StatusDelivered, "", at(7)).WithRecipientUserID(bsuid0.UserID)))
	return out
}

// identityState is what a client sees of contacts, conversations and
// messages, contacts named by their identifiers; with log, the event log.
func identityState(t *testing.T, c *ent.Client, log bool) string {
	t.Helper()
	ctx := viewer.System(context.Background())
	ts := func(p *time.Time) string {
		if p == nil {
			return "-"
		}
		return p.UTC().Format(time.RFC3339)
	}
	str := func(p *string) string {
		if p == nil {
			return "-"
		}
		return *p
	}
	var rows []string
	names := map[string]string{}
	for _, ct := range c.Contact.Query().AllX(ctx) {
		names[string(ct.ID)] = str(ct.Phone) + "/" + str(ct.UserID)
		rows = append(rows, fmt.Sprintf("contact %s/%s %q @%s %s %s at=%s inbound=%s", str(ct.Phone), str(ct.UserID), ct.ProfileName,
			ct.Username, ct.OptInStatus, ct.OptInSource, ts(ct.OptInAt), ts(ct.LastInboundAt)))
	}
	extOf := map[string]string{}
	msgs := c.Message.Query().AllX(ctx)
	for _, m := range msgs {
		extOf[string(m.ID)] = *m.ExternalID
	}
	for _, cv := range c.Conversation.Query().AllX(ctx) {
		last := "-"
		if cv.LastMessageID != nil {
			last = extOf[string(*cv.LastMessageID)]
		}
		var in []string
		for _, m := range msgs {
			if m.ConversationID == cv.ID {
				in = append(in, *m.ExternalID+":"+string(m.Status))
			}
		}
		slices.Sort(in)
		rows = append(rows, fmt.Sprintf("conversation %s %s unread=%d last=%s window=%s %v", names[string(cv.ContactID)],
			cv.Status, cv.UnreadCount, last, ts(cv.ServiceWindowExpiresAt), in))
	}
	for _, ev := range c.WebhookEvent.Query().AllX(ctx) {
		rows = append(rows, fmt.Sprintf("webhook %s", ev.Status))
	}
	slices.Sort(rows)
	if log {
		for _, e := range c.Event.Query().Order(ent.Asc(event.FieldSeq)).AllX(ctx) {
			rows = append(rows, fmt.Sprintf("event %d %s %s", e.Seq, e.Kind, extOf[string(e.MessageID)]))
		}
	}
	return strings.Join(rows, "\n")
}

// A customer is one contact and one conversation however Meta identifies
// them (BSUID only, then phone too), an agent's contact by phone and the
// customer's phone-withheld contact become one, marketing preferences set
// the opt-in forward in time only (and make no contact of a stranger), and
// a status naming its recipient by BSUID alone applies: one by one, in one
// batch and shuffled in batches of three, with the same result.
func TestBSUIDSendersAreOneContact(t *testing.T) {
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	bodies := bsuidDeliveries(t, t0)
	alone := setup(t, t0, bodies)
	drain(t, alone, 1)
	together := setup(t, t0, bodies)
	drain(t, together, 100)
	want := identityState(t, alone, true)
	if got := identityState(t, together, true); got != want {
		t.Fatalf("one batch differs from one by one:\nalone:\n%s\n\nbatch:\n%s", want, got)
	}
	at := func(m int) string { return t0.Add(time.Duration(m) * time.Minute).UTC().Format(time.RFC3339) }
	zero := "+" + sim.CustomerN(0).WAID + "/" + bsuid0.UserID
	for _, line := range []string{
		fmt.Sprintf(`contact +14155550101/%s "Xavier" @xavier UNKNOWN  at=- inbound=%s`, bsuidX.UserID, at(3)),
		fmt.Sprintf(`contact %s "Zero" @ OPTED_OUT whatsapp:user_preferences at=%s inbound=%s`, zero, at(6), at(5)),
		fmt.Sprintf(`conversation +14155550101/%s OPEN unread=3 last=wamid.x3 window=%s [wamid.x1:RECEIVED wamid.x2:RECEIVED wamid.x3:RECEIVED]`,
			bsuidX.UserID, t0.Add(3*time.Minute+24*time.Hour).UTC().Format(time.RFC3339)),
		fmt.Sprintf(`conversation %s OPEN unread=2 last=wamid.z2 window=%s [wamid.out.a:DELIVERED wamid.out.b:QUEUED wamid.z1:RECEIVED wamid.z2:RECEIVED]`,
			zero, t0.Add(5*time.Minute+24*time.Hour).UTC().Format(time.RFC3339)),
	} {
		if !strings.Contains(want, line) {
			t.Errorf("state lacks %q:\n%s", line, want)
		}
	}
	if n := strings.Count(want, "contact "); n != 2 {
		t.Errorf("%d contacts, want 2:\n%s", n, want)
	}

	for seed := range uint64(4) {
		shuffled := slices.Clone(bodies)
		rand.New(rand.NewPCG(seed, 5)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		mixed := setup(t, t0, shuffled)
		drain(t, mixed, 3)
		if got := identityState(t, mixed, false); got != identityState(t, alone, false) {
			t.Fatalf("seed %d: shuffled batches of 3 differ from one by one:\nalone:\n%s\n\nshuffled:\n%s", seed, identityState(t, alone, false), got)
		}
	}
}

// user_changed_user_id moves the contact to the new id: messages from the
// new id then reach the same contact and conversation, also when one of
// them is processed before the change (the two contacts become one).
func TestUserIDChangeMovesTheContact(t *testing.T) {
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	x2 := bsuidX
	x2.UserID = "US.10000000000000000009"
	marshal := func(env sim.Envelope) []byte {
		b, err := sim.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := marshal(bsuidText(bsuidX, "wamid.x1", "old id", at(1)))
	change := marshal(sim.Inbound(ch, sim.Customer{}, sim.UserIDChange("", "wamid.change", at(2), bsuidX.UserID, x2.UserID).FromUser(x2.UserID)))
	after := marshal(bsuidText(x2, "wamid.x2", "new id", at(3)))

	inOrder := setup(t, t0, [][]byte{before, change, after, change})
	drain(t, inOrder, 1)
	want := identityState(t, inOrder, false)
	for _, line := range []string{
		fmt.Sprintf(`contact -/%s "Xavier" @xavier UNKNOWN  at=- inbound=%s`, x2.UserID, at(3).UTC().Format(time.RFC3339)),
		fmt.Sprintf(`conversation -/%s OPEN unread=3 last=wamid.x2`, x2.UserID),
	} {
		if !strings.Contains(want, line) {
			t.Errorf("state lacks %q:\n%s", line, want)
		}
	}
	if strings.Contains(want, bsuidX.UserID) {
		t.Errorf("the old user id is still held:\n%s", want)
	}
	newFirst := setup(t, t0, [][]byte{before, after, change, change})
	drain(t, newFirst, 1)
	if got := identityState(t, newFirst, false); got != want {
		t.Fatalf("the new id's message before the change differs:\nin order:\n%s\n\nnew first:\n%s", want, got)
	}
}
