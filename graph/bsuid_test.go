package graph_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"switchboard/ent/message"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim"
)

// bsuidContactsQuery is what an agent sees of contacts known by phone
// and/or BSUID, with their conversations.
const bsuidContactsQuery = `query($search: String) { contacts(first: 10, filter: {search: $search}) { totalCount edges { node {
  id phone userId username profileName optInStatus optInSource optInAt
  conversations(first: 5) { totalCount edges { node { id unreadCount lastMessage { externalId }
    messages(first: 20) { totalCount edges { node { externalId type status } } } } } } } } } }`

type bsuidContact struct {
	ID, OptInStatus                      string
	Phone, UserID, Username, ProfileName *string
	OptInSource                          *string
	OptInAt                              *time.Time
	Conversations                        struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				ID          string
				UnreadCount int
				LastMessage struct{ ExternalID string }
				Messages    struct {
					TotalCount int
					Edges      []struct {
						Node struct{ ExternalID, Type, Status string }
					}
				}
			}
		}
	}
}

type bsuidContacts struct {
	Contacts struct {
		TotalCount int
		Edges      []struct{ Node bsuidContact }
	}
}

func bsuidList(t *testing.T, env *testenv.Env, token, search string) (bsuidContacts, string) {
	t.Helper()
	var out bsuidContacts
	vars := map[string]any{}
	if search != "" {
		vars["search"] = search
	}
	r := env.Query(t, token, bsuidContactsQuery, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("contacts: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	return out, string(r.Data)
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func marshalEnv(t *testing.T, env sim.Envelope) string {
	t.Helper()
	b, err := sim.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// One customer through Meta's identities of 2026: first with the phone
// withheld (a contact with userId and username, phone null), then with the
// phone shown (the same contact and conversation, now with the phone),
// then a new BSUID (user_changed_user_id moves it), then stopping and
// resuming marketing messages (optInStatus and optInSource, newest
// decision wins). Redelivering everything shuffled changes nothing, and
// another tenant's identical BSUID is its own contact.
func TestBSUIDCustomerIsOneContact(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Bsuid Owner")
	ch := sim.Channel{WABAID: "102290129340398", PhoneNumberID: "6001", DisplayPhoneNumber: "15550100"}
	connect(t, env, owner.Token, ch.PhoneNumberID)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	const u1, u2 = "US.13491208655302741918", "US.20871643290118653207"
	hidden := sim.Customer{Name: "Sheena Nelson", UserID: u1, Username: "sheena.n"}
	shown := hidden
	shown.WAID = "16505551234"
	moved := hidden
	moved.UserID = u2
	movedShown := shown
	movedShown.UserID = u2
	text := func(c sim.Customer, wamid, body string, m int) string {
		return marshalEnv(t, sim.Inbound(ch, c, sim.Text(c.WAID, wamid, body, at(m)).FromUser(c.UserID)))
	}
	var bodies []string
	send := func(body string) {
		bodies = append(bodies, body)
		deliver(t, env, body)
		processed(t, env)
	}

	send(text(hidden, "wamid.b1", "hi, my number is hidden", 1))
	got, _ := bsuidList(t, env, owner.Token, "")
	if got.Contacts.TotalCount != 1 {
		t.Fatalf("contacts after a BSUID-only message: %+v", got)
	}
	c := got.Contacts.Edges[0].Node
	if c.Phone != nil || str(c.UserID) != u1 || str(c.Username) != "sheena.n" || str(c.ProfileName) != "Sheena Nelson" ||
		c.Conversations.TotalCount != 1 || c.Conversations.Edges[0].Node.Messages.TotalCount != 1 {
		t.Fatalf("BSUID-only contact: phone %s userId %s username %s profile %s conversations %+v",
			str(c.Phone), str(c.UserID), str(c.Username), str(c.ProfileName), c.Conversations)
	}
	first, conv := c.ID, c.Conversations.Edges[0].Node.ID

	send(text(shown, "wamid.b2", "here is my number", 2))
	got, _ = bsuidList(t, env, owner.Token, "")
	c = got.Contacts.Edges[0].Node
	if got.Contacts.TotalCount != 1 || c.ID != first || str(c.Phone) != "+16505551234" || str(c.UserID) != u1 ||
		c.Conversations.TotalCount != 1 || c.Conversations.Edges[0].Node.ID != conv ||
		c.Conversations.Edges[0].Node.Messages.TotalCount != 2 {
		t.Fatalf("after the phone is shown: %d contacts, %+v", got.Contacts.TotalCount, c)
	}

	send(marshalEnv(t, sim.Inbound(ch, sim.Customer{}, sim.UserIDChange("", "wamid.change", at(3), u1, u2).FromUser(u2))))
	send(text(moved, "wamid.b3", "new id, same me", 4))
	got, _ = bsuidList(t, env, owner.Token, "")
	c = got.Contacts.Edges[0].Node
	if got.Contacts.TotalCount != 1 || c.ID != first || str(c.UserID) != u2 || str(c.Phone) != "+16505551234" ||
		c.Conversations.TotalCount != 1 || c.Conversations.Edges[0].Node.Messages.TotalCount != 4 ||
		c.Conversations.Edges[0].Node.LastMessage.ExternalID != "wamid.b3" {
		t.Fatalf("after user_changed_user_id: %d contacts, %+v", got.Contacts.TotalCount, c)
	}

	// Marketing preferences: stop, an older resume (ignored), a newer resume.
	send(marshalEnv(t, sim.UserPreferences(ch, moved, sim.PreferenceStop, at(6))))
	got, _ = bsuidList(t, env, owner.Token, "")
	c = got.Contacts.Edges[0].Node
	if c.OptInStatus != "OPTED_OUT" || str(c.OptInSource) != "whatsapp:user_preferences" || c.OptInAt == nil || !c.OptInAt.Equal(at(6)) {
		t.Fatalf("after stop: %s %s %v", c.OptInStatus, str(c.OptInSource), c.OptInAt)
	}
	send(marshalEnv(t, sim.UserPreferences(ch, moved, sim.PreferenceResume, at(5))))
	got, _ = bsuidList(t, env, owner.Token, "")
	if c = got.Contacts.Edges[0].Node; c.OptInStatus != "OPTED_OUT" {
		t.Fatalf("an older resume moved the opt-in back: %s at %v", c.OptInStatus, c.OptInAt)
	}
	send(marshalEnv(t, sim.UserPreferences(ch, movedShown, sim.PreferenceResume, at(7))))
	got, before := bsuidList(t, env, owner.Token, "")
	c = got.Contacts.Edges[0].Node
	if got.Contacts.TotalCount != 1 || c.OptInStatus != "OPTED_IN" || str(c.OptInSource) != "whatsapp:user_preferences" || !c.OptInAt.Equal(at(7)) {
		t.Fatalf("after resume: %d contacts, %s %s %v", got.Contacts.TotalCount, c.OptInStatus, str(c.OptInSource), c.OptInAt)
	}
	// Both decisions are in the consent history, with Meta's times; the
	// ignored older resume is not.
	var steps []string
	for _, h := range readContact(t, env, owner.Token, c.ID).ConsentHistory {
		steps = append(steps, h.Status+" "+h.Source+" "+h.At.UTC().Format(time.RFC3339))
	}
	if want := []string{"OPTED_OUT whatsapp:user_preferences " + at(6).UTC().Format(time.RFC3339),
		"OPTED_IN whatsapp:user_preferences " + at(7).UTC().Format(time.RFC3339)}; strings.Join(steps, "|") != strings.Join(want, "|") {
		t.Fatalf("consent history %q, want %q", steps, want)
	}

	// Search finds the contact by username and by user id.
	for _, q := range []string{"SHEENA.N", "20871643"} {
		if found, _ := bsuidList(t, env, owner.Token, q); found.Contacts.TotalCount != 1 {
			t.Errorf("search %q found %d contacts", q, found.Contacts.TotalCount)
		}
	}

	// Meta redelivers everything, three times, in any order.
	var again []string
	for range 3 {
		again = append(again, bodies...)
	}
	rand.New(rand.NewPCG(8, 9)).Shuffle(len(again), func(i, j int) { again[i], again[j] = again[j], again[i] })
	for _, b := range again {
		deliver(t, env, b)
	}
	processed(t, env)
	if _, after := bsuidList(t, env, owner.Token, ""); after != before {
		t.Fatalf("redelivery changed the contacts:\nbefore %s\nafter  %s", before, after)
	}

	// BSUIDs are scoped per business portfolio: another tenant's customer
	// with the same id is that tenant's own contact.
	other := env.SignUp(t, "Other Bsuid Owner")
	och := ch
	och.PhoneNumberID = "6002"
	connect(t, env, other.Token, och.PhoneNumberID)
	deliver(t, env, marshalEnv(t, sim.Inbound(och, moved, sim.Text("", "wamid.b3", "same id elsewhere", at(8)).FromUser(u2))))
	processed(t, env)
	theirs, _ := bsuidList(t, env, other.Token, "")
	if theirs.Contacts.TotalCount != 1 || theirs.Contacts.Edges[0].Node.ID == first || str(theirs.Contacts.Edges[0].Node.UserID) != u2 ||
		theirs.Contacts.Edges[0].Node.Phone != nil || theirs.Contacts.Edges[0].Node.OptInStatus != "UNKNOWN" {
		t.Fatalf("other tenant's contacts: %+v", theirs)
	}
	if _, mine := bsuidList(t, env, owner.Token, ""); mine != before {
		t.Fatalf("another tenant's customer changed ours:\nbefore %s\nafter  %s", before, mine)
	}
}

// A contact an agent created by phone and the same customer writing with
// the phone withheld are two contacts until a message shows both; then
// they are one (the agent's, the older), with the customer's conversation.
func TestBSUIDContactMergesIntoTheAgentsContact(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Merge Owner")
	ch := sim.Channel{WABAID: "102290129340398", PhoneNumberID: "6003", DisplayPhoneNumber: "15550100"}
	connect(t, env, owner.Token, ch.PhoneNumberID)
	var made struct{ CreateContact struct{ ID string } }
	env.MustQuery(t, owner.Token, `mutation { createContact(input: {phone: "+1 650 555 1234", name: "Sheena (VIP)", tags: ["vip"]}) { id } }`, nil, &made)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	const u = "US.13491208655302741918"
	hidden := sim.Customer{Name: "Sheena Nelson", UserID: u}
	shown := sim.Customer{Name: "Sheena Nelson", UserID: u, WAID: "16505551234"}
	deliver(t, env, marshalEnv(t, sim.Inbound(ch, hidden, sim.Text("", "wamid.m1", "hidden", t0).FromUser(u))))
	processed(t, env)
	if got, _ := bsuidList(t, env, owner.Token, ""); got.Contacts.TotalCount != 2 {
		t.Fatalf("a BSUID-only customer cannot be matched to a phone yet: %d contacts", got.Contacts.TotalCount)
	}
	deliver(t, env, marshalEnv(t, sim.Inbound(ch, shown, sim.Text(shown.WAID, "wamid.m2", "both", t0.Add(time.Minute)).FromUser(u))))
	processed(t, env)
	got, _ := bsuidList(t, env, owner.Token, "")
	if got.Contacts.TotalCount != 1 {
		t.Fatalf("contacts after phone and BSUID together: %d", got.Contacts.TotalCount)
	}
	c := got.Contacts.Edges[0].Node
	if c.ID != made.CreateContact.ID || str(c.Phone) != "+16505551234" || str(c.UserID) != u ||
		c.Conversations.TotalCount != 1 || c.Conversations.Edges[0].Node.Messages.TotalCount != 2 ||
		c.Conversations.Edges[0].Node.UnreadCount != 2 {
		t.Fatalf("merged contact: %+v", c)
	}

	// A status naming its recipient by BSUID only (empty recipient_id)
	// applies: statuses are matched by wamid.
	ctx := viewer.System(t.Context())
	conv := env.DB.Client.Conversation.Query().OnlyX(ctx)
	env.DB.Client.Message.Create().SetTenantID(conv.TenantID).SetConversationID(conv.ID).SetChannelID(conv.ChannelID).
		SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEXT).SetText("reply").SetStatus(message.StatusSENT).
		SetExternalID("wamid.reply").SetTimestamp(t0.Add(2 * time.Minute)).SaveX(ctx)
	deliver(t, env, marshalEnv(t, sim.Statuses(ch, sim.Status("wamid.reply", sim.StatusRead, "", t0.Add(3*time.Minute)).WithRecipientUserID(u))))
	processed(t, env)
	if m := env.DB.Client.Message.Query().Where(message.ExternalID("wamid.reply")).OnlyX(ctx); m.Status != message.StatusREAD {
		t.Fatalf("status with recipient_user_id only: %s", m.Status)
	}

	// Export writes the phone it now has; a BSUID-only contact has an
	// empty phone cell, and importing the export changes nothing.
	deliver(t, env, marshalEnv(t, sim.Inbound(ch, sim.Customer{Name: "Nameless", UserID: "US.99"}, sim.Text("", "wamid.m3", "hi", t0).FromUser("US.99"))))
	processed(t, env)
	_, before := bsuidList(t, env, owner.Token, "")
	var ex struct{ ExportContacts string }
	env.MustQuery(t, owner.Token, `{ exportContacts }`, nil, &ex)
	if !strings.Contains(ex.ExportContacts, "+16505551234,Sheena (VIP),vip,\n") || !strings.Contains(ex.ExportContacts, "\n,,,\n") {
		t.Fatalf("export:\n%s", ex.ExportContacts)
	}
	var im struct {
		ImportContacts struct {
			Created, Updated, Failed int
			Errors                   []struct{ Line int }
		}
	}
	env.MustQuery(t, owner.Token, `mutation($csv: String!) { importContacts(csv: $csv) { created updated failed errors { line } } }`,
		map[string]any{"csv": ex.ExportContacts}, &im)
	if r := im.ImportContacts; r.Created != 0 || r.Updated != 1 || r.Failed != 1 {
		t.Fatalf("import of the export: %+v", r)
	}
	if _, after := bsuidList(t, env, owner.Token, ""); after != before {
		t.Fatalf("import of the export changed contacts:\nbefore %s\nafter  %s", before, after)
	}
}
