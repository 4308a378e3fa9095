package whatsapp

import "testing"

// TestContactFor checks that a customer is found by phone or by BSUID, and that empty keys
// (a withheld phone number, a contact without user id) never match each other.
func TestContactFor(t *testing.T) {
	v := &MessagesValue{Contacts: []Contact{
		{Profile: Profile{Name: "Only BSUID"}, UserID: "US.1"},
		{Profile: Profile{Name: "Only phone"}, WAID: "491701111111"},
		{Profile: Profile{Name: "Both"}, WAID: "491702222222", UserID: "US.2"},
	}}
	it := Item{Contacts: v.Contacts}
	name := func(c *Contact) string {
		if c == nil {
			return "<nil>"
		}
		return c.Profile.Name
	}
	for _, tc := range []struct{ waID, userID, want string }{
		{"", "", "<nil>"},
		{"", "US.1", "Only BSUID"},
		{"491701111111", "", "Only phone"},
		{"491701111111", "US.9", "Only phone"},
		{"", "US.2", "Both"},
		{"491702222222", "", "Both"},
		{"491701111111", "US.2", "Both"}, // the user id wins
		{"499999999999", "US.9", "<nil>"},
	} {
		if got := name(v.ContactFor(tc.waID, tc.userID)); got != tc.want {
			t.Errorf("MessagesValue.ContactFor(%q, %q) = %s, want %s", tc.waID, tc.userID, got, tc.want)
		}
		if got := name(it.ContactFor(tc.waID, tc.userID)); got != tc.want {
			t.Errorf("Item.ContactFor(%q, %q) = %s, want %s", tc.waID, tc.userID, got, tc.want)
		}
	}
	if n := v.ContactName(""); n != "" {
		t.Errorf("ContactName(\"\") = %q, want \"\"", n)
	}
	if n := it.ContactName("491702222222"); n != "Both" {
		t.Errorf("ContactName by phone = %q", n)
	}
}
