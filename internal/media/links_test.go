package media_test

import (
	"bytes"
	"net/url"
	"testing"

	"switchboard/internal/media"
	"switchboard/internal/pulid"
)

// During a key rotation a link signed with the old key (by a replica not yet
// restarted, or handed out before the restart) still opens the file on a
// server that has it in ENCRYPTION_KEYS_OLD, and new links are signed with
// the new key; once the old key is removed, its links stop working.
func TestLinksSignedWithAnOldKeyVerifyUntilItIsRemoved(t *testing.T) {
	const base = "https://sb.example"
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	id := pulid.ID("MS01JROTATEDLINK0000000000")
	before := media.NewLinks(oldKey, base)
	during := media.NewLinks(newKey, base, oldKey)
	after := media.NewLinks(newKey, base)

	oldLink, newLink := query(t, before.URL(id)), query(t, during.URL(id))
	for _, c := range []struct {
		what  string
		links *media.Links
		link  url.Values
		want  bool
	}{
		{"old link, old key only", before, oldLink, true},
		{"old link, new key with the old one kept", during, oldLink, true},
		{"new link, new key with the old one kept", during, newLink, true},
		{"new link, new key only", after, newLink, true},
		{"new link on a replica not yet given the new key", before, newLink, false},
		{"old link after the old key is removed", after, oldLink, false},
	} {
		if got := c.links.Valid(id, c.link.Get("exp"), c.link.Get("sig")); got != c.want {
			t.Errorf("%s: Valid = %v, want %v", c.what, got, c.want)
		}
	}
	if during.Valid("MS01JOTHERMESSAGE000000000", oldLink.Get("exp"), oldLink.Get("sig")) {
		t.Error("an old key's signature for one message opened another")
	}
}

func query(t *testing.T, link string) url.Values {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}
