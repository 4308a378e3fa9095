package privacy

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestRedactKeepsOtherCustomers(t *testing.T) {
	in := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102","changes":[{"field":"messages","value":{
"metadata":{"display_phone_number":"15550100","phone_number_id":"6001"},
"contacts":[{"profile":{"name":"Alice Secret"},"wa_id":"14155550123"},{"profile":{"name":"Bob"},"wa_id":"14155550999"}],
"messages":[{"from":"14155550123","id":"wamid.a","timestamp":"1700000000","type":"text","text":{"body":"alice's words"}},
{"from":"14155550999","id":"wamid.b","timestamp":"1700000000","type":"text","text":{"body":"bob's words"}}]}}]}]}`)
	out, changed := redact(in, []string{"14155550123"})
	if !changed {
		t.Fatal("not changed")
	}
	for _, gone := range []string{"14155550123", "Alice Secret", "alice's words", "wamid.a"} {
		if bytes.Contains(out, []byte(gone)) {
			t.Errorf("%q still in %s", gone, out)
		}
	}
	for _, kept := range []string{"14155550999", "Bob", "bob's words", "1700000000", "6001"} {
		if !bytes.Contains(out, []byte(kept)) {
			t.Errorf("%q lost from %s", kept, out)
		}
	}
	if !json.Valid(out) {
		t.Fatalf("not JSON: %s", out)
	}
}

func TestRedactReplacesWhatItCannotPrune(t *testing.T) {
	for name, in := range map[string]string{
		"outside an item": `{"note":"14155550123"}`,
		"in a text":       `{"messages":[{"from":"1999","text":{"body":"call 14155550123"}}]}`,
		"not JSON":        `{"from":"14155550123"`,
	} {
		out, changed := redact([]byte(in), []string{"14155550123"})
		if !changed || !bytes.Equal(out, redacted) {
			t.Errorf("%s: %s", name, out)
		}
	}
	if out, changed := redact([]byte(`{"a":1}`), []string{"14155550123"}); changed || string(out) != `{"a":1}` {
		t.Errorf("untouched payload changed: %s", out)
	}
}
