package graph_test

import (
	"testing"
	"time"

	"switchboard/internal/testenv"
)

// A contact an agent typed and the same customer writing in are one
// contact: createContact and inbound messages normalize the phone the same
// way, so both land on the unique (tenant, phone) key. A wa_id that the
// numbering plans do not know is still stored, as '+' and its digits; one
// that is not digits at all is left in the raw event. On both databases.
func TestInboundSenderIsTheContactAnAgentCreated(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Phone Owner")
	connect(t, env, owner.Token, "5301")
	typed := ctCreate(t, env, owner.Token, map[string]any{"phone": "+1 (415) 555-0123", "name": "Ada"})
	if typed.Phone != "+14155550123" {
		t.Fatalf("createContact stored %q", typed.Phone)
	}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	deliver(t, env, textWebhook("5301", "14155550123", "Ada L.", "wamid.p1", "hello", t0))
	// +1 555 123 4567 is no valid number (createContact refuses it), but
	// Meta delivered it: it is kept.
	deliver(t, env, textWebhook("5301", "15551234567", "Unknown range", "wamid.p2", "hi", t0))
	deliver(t, env, textWebhook("5301", "not-a-number", "Nobody", "wamid.p3", "?", t0))
	processed(t, env)

	var out struct {
		Contacts struct {
			TotalCount int
			Edges      []struct {
				Node struct{ ID, Phone, Name, ProfileName string }
			}
		}
		Conversations struct {
			Edges []struct {
				Node struct {
					Contact     struct{ ID, Phone string }
					LastMessage struct{ Text string }
				}
			}
		}
	}
	env.MustQuery(t, owner.Token, `{
	  contacts(first: 10) { totalCount edges { node { id phone name profileName } } }
	  conversations(first: 10) { edges { node { contact { id phone } lastMessage { text } } } } }`, nil, &out)
	if out.Contacts.TotalCount != 2 {
		t.Fatalf("contacts: %+v; want Ada (typed, then writing in) and the unknown range, once each", out.Contacts.Edges)
	}
	phones := map[string]string{} // phone -> contact id
	for _, e := range out.Contacts.Edges {
		phones[e.Node.Phone] = e.Node.ID
		if e.Node.Phone == "+14155550123" && (e.Node.ID != typed.ID || e.Node.Name != "Ada" || e.Node.ProfileName != "Ada L.") {
			t.Errorf("the typed contact after its customer wrote: %+v, want id %s, name Ada, profile name Ada L.", e.Node, typed.ID)
		}
	}
	if phones["+15551234567"] == "" {
		t.Errorf("the sender from an unknown range was not kept: %v", phones)
	}
	texts := map[string]string{} // contact id -> last message
	for _, e := range out.Conversations.Edges {
		texts[e.Node.Contact.ID] = e.Node.LastMessage.Text
	}
	if len(texts) != 2 || texts[typed.ID] != "hello" || texts[phones["+15551234567"]] != "hi" {
		t.Fatalf("conversations by contact: %v; want hello on %s and hi on the unknown range", texts, typed.ID)
	}
}
