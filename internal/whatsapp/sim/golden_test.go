package sim

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The files in testdata/golden are webhook bodies written by hand from Meta's documentation
// of the Cloud API (as it behaves in 2026), not captured from this package. The simulator's
// output for the same inputs must equal them; the parser's package reads the same files, so
// both sides are held against Meta's format independently.

var (
	goldenChannel  = Channel{WABAID: "102290129340398", PhoneNumberID: "106540352242922", DisplayPhoneNumber: "15550783881"}
	goldenCustomer = Customer{WAID: "16505551234", Name: "Sheena Nelson"}
	goldenTime     = time.Unix(1_750_000_000, 0)
)

// goldenBuilds builds, for each golden file, the envelope the simulator produces for the
// inputs the file was written with.
func goldenBuilds() map[string]Envelope {
	ch, c, ts := goldenChannel, goldenCustomer, goldenTime
	from := c.WAID
	in := func(m Message) Envelope { return Inbound(ch, c, m) }
	st := func(s StatusCallback) Envelope { return Statuses(ch, s) }
	const business, bsuid, bsuid2 = "15550783881", "US.13491208655302741918", "US.20871643290118653207"
	return map[string]Envelope{
		"text":           TextMessage(ch, c, "wamid.text", "Hi, is my order on its way?", ts),
		"text_reply":     in(Text(from, "wamid.reply", "Yes, Tuesday works", ts).ReplyTo(business, "wamid.business")),
		"text_forwarded": in(Text(from, "wamid.fwd", "look at this", ts).Forwarded()),
		"image": in(Media(TypeImage, from, "wamid.image", ts, File{
			ID: "1003383421387256", MimeType: "image/jpeg", SHA256: "q83pBXJIZyPnVxA4ldPGl2j6mVb6b0ZoPAyq8TCIyGE=", Caption: "Broken on arrival"})),
		"audio_voice": in(Media(TypeAudio, from, "wamid.audio", ts, File{
			ID: "1047893417223614", MimeType: "audio/ogg; codecs=opus", SHA256: "3pQm8d5ITbbQ6pGMMlOxCqXgyV6OK1rdTyErxKEYVeQ=", Voice: true})),
		"video": in(Media(TypeVideo, from, "wamid.video", ts, File{
			ID: "1187325639123842", MimeType: "video/mp4", SHA256: "Vf0Ej0MT1A4dU4SRoCz29+Dc3p5l8YcMjG2C8AUeWX8=", Caption: "see the noise it makes"})),
		"document": in(Media(TypeDocument, from, "wamid.document", ts, File{
			ID: "1234567890123456", MimeType: "application/pdf", SHA256: "Y1Xb5Td2kA5qkFgtbVx3Sb1B5mB0w0d9V0bZV2mB8yQ=",
			Caption: "my invoice", Filename: "invoice-0042.pdf"})),
		"sticker": in(Media(TypeSticker, from, "wamid.sticker", ts, File{
			ID: "1456789012345678", MimeType: "image/webp", SHA256: "o5Zs9fBq3Jc1kR4dIWlq0n8G0uX1KX4cVt3l6h5s5zQ="})),
		"location": in(Location(from, "wamid.location", ts, Place{Latitude: 37.4833, Longitude: -122.1487,
			Name: "Philz Coffee", Address: "1 Hacker Way, Menlo Park, CA 94025", URL: "https://philzcoffee.com"})),
		"location_pin": in(Location(from, "wamid.pin", ts, Place{Latitude: 37.4833, Longitude: -122.1487})),
		"contacts": in(Contacts(from, "wamid.contacts", ts, Card{
			FormattedName: "Barbara J. Johnson", FirstName: "Barbara", LastName: "Johnson",
			Phone: "+1 (940) 555-1234", PhoneWAID: "19405551234", PhoneType: "HOME",
			Email: "bjohnson@example.com", EmailType: "WORK", Company: "Social Tsunami", Title: "Director"})),
		"interactive_button_reply": in(ButtonReply(from, "wamid.button_reply", ts, "confirm", "Confirm").ReplyTo(business, "wamid.business")),
		"interactive_list_reply": in(ListReply(from, "wamid.list_reply", ts, "priority_express", "Priority Mail Express", "Next Day to 2 Days").
			ReplyTo(business, "wamid.business")),
		"button":           in(QuickReply(from, "wamid.button", ts, "TRACK_ORDER", "Track my order").ReplyTo(business, "wamid.template")),
		"reaction":         in(Reaction(from, "wamid.reaction", ts, "wamid.business", "👍")),
		"reaction_removed": in(Reaction(from, "wamid.unreact", ts, "wamid.business", "")),
		"order": in(Order(from, "wamid.order", ts, "194836987003835", "Love these!",
			OrderItem{ProductRetailerID: "di9ozbzfi4", Quantity: 2, ItemPrice: 7.99, Currency: "USD"},
			OrderItem{ProductRetailerID: "nqryix03ez", Quantity: 1, ItemPrice: 19.5, Currency: "USD"})),
		"unsupported":                in(Unsupported(from, "wamid.unsupported", ts, "edit")),
		"system_user_changed_number": Inbound(ch, Customer{WAID: from}, NumberChange(from, "wamid.system", ts, "16505569876")),
		"bsuid_text": Inbound(ch, Customer{Name: c.Name, UserID: bsuid, Username: "sheena.n"},
			Text("", "wamid.bsuid", "Hello from a username", ts).FromUser(bsuid)),
		"system_user_changed_user_id": Inbound(ch, Customer{}, UserIDChange("", "wamid.user_id", ts, bsuid, bsuid2).FromUser(bsuid2)),
		"user_preferences_stop":       UserPreferences(ch, Customer{WAID: from, Name: c.Name, UserID: bsuid}, PreferenceStop, ts),
		"status_sent": st(Status("wamid.out", StatusSent, from, ts).
			WithPricing("regular", "marketing", true).WithCallbackData("msg_01JABCDEF")),
		"status_delivered": st(Status("wamid.out", StatusDelivered, from, ts)),
		"status_read":      st(Status("wamid.out", StatusRead, from, ts).WithCallbackData("msg_01JABCDEF")),
		"status_failed":    st(Status("wamid.out", StatusFailed, from, ts)),
		"status_failed_window": st(Status("wamid.late", StatusFailed, from, ts).WithError(131047, "Re-engagement message",
			"Message failed to send because more than 24 hours have passed since the customer last replied to this number.")),
		"status_bsuid": st(Status("wamid.out", StatusRead, "", ts).WithRecipientUserID(bsuid)),
		"template_status_update": TemplateStatus(ch.WABAID, TemplateReview{
			Event: "REJECTED", ID: 1689556908129832, Name: "order_update", Language: "en_US",
			Category: "UTILITY", Reason: "INCORRECT_CATEGORY"}, ts),
	}
}

func TestGoldenPayloads(t *testing.T) {
	builds := goldenBuilds()
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if _, ok := builds[name]; !ok {
			t.Errorf("%s: golden file without a simulator build", name)
		}
	}
	for name, env := range builds {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "golden", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Marshal(env)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := normalize(t, got), normalize(t, want); !reflect.DeepEqual(g, w) {
				t.Errorf("simulator output differs from Meta's format\n got: %s\nwant: %s", indent(got), indent(want))
			}
		})
	}
}

// normalize decodes JSON into generic values, keeping numbers exact, so that key order and
// spacing don't matter but every name, type and value does.
func normalize(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b)
	}
	return v
}

func indent(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}
