package sim

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"strings"
	"testing"
	"time"

	"switchboard/internal/whatsapp"
)

func baseScenario() Scenario {
	return Scenario{
		WABAID: "102290129340398", PhoneNumberIDs: []string{"106540352242922", "106540352242923"},
		Customers: 20, Rate: 100, Duration: time.Second, Types: MessageTypes(),
		Batch: 1, Seed: 42,
	}
}

// collect runs the scenario and parses every body with the server's parser.
func collect(t *testing.T, s Scenario) ([]Delivery, []*whatsapp.Envelope) {
	t.Helper()
	var ds []Delivery
	var envs []*whatsapp.Envelope
	for d := range s.Deliveries() {
		env, err := whatsapp.Parse(d.Body)
		if err != nil {
			t.Fatalf("delivery %d does not parse: %v\n%s", d.Seq, err, d.Body)
		}
		ds = append(ds, d)
		envs = append(envs, env)
	}
	return ds, envs
}

func digest(ds []Delivery) [32]byte {
	h := sha256.New()
	for _, d := range ds {
		h.Write(d.Body)
		h.Write([]byte(d.At.String()))
	}
	return [32]byte(h.Sum(nil))
}

func TestScenarioDeterministic(t *testing.T) {
	s := baseScenario()
	s.Batch, s.Duplicates, s.ShuffleWindow, s.Statuses, s.StatusOutOfOrder, s.FailRate = 3, 0.2, 5, true, true, 0.1
	a, _ := collect(t, s)
	b, _ := collect(t, s)
	if len(a) == 0 || digest(a) != digest(b) {
		t.Fatalf("same seed gave different deliveries (%d vs %d)", len(a), len(b))
	}
	s.Seed = 43
	c, _ := collect(t, s)
	if digest(a) == digest(c) {
		t.Fatal("a different seed gave identical deliveries")
	}
}

func TestScenarioAllTypes(t *testing.T) {
	s := baseScenario()
	types, err := ParseTypes("all")
	if err != nil {
		t.Fatal(err)
	}
	s.Types = types
	_, envs := collect(t, s)
	seen := map[whatsapp.MessageType]int{}
	interactive := map[string]bool{}
	total := 0
	for _, env := range envs {
		for _, it := range env.Items() {
			if it.Kind != whatsapp.ItemMessages || !slices.Contains(s.PhoneNumberIDs, it.PhoneNumberID) || it.WABAID != s.WABAID {
				t.Fatalf("bad routing keys in %+v", it)
			}
			for _, m := range it.Messages {
				total++
				seen[m.Type]++
				if m.Interactive != nil {
					interactive[m.Interactive.Type] = true
				}
				if m.Type != whatsapp.TypeSystem && it.ContactName(m.From) == "" {
					t.Errorf("message %s of type %s has no contact name", m.ID, m.Type)
				}
			}
		}
	}
	if total != 100 {
		t.Errorf("rate 100/s for 1s: want 100 messages, got %d", total)
	}
	for _, typ := range MessageTypes() {
		if seen[whatsapp.MessageType(typ)] == 0 {
			t.Errorf("type %s never produced (seen %v)", typ, seen)
		}
	}
	for _, k := range []string{"button_reply", "list_reply", "nfm_reply"} {
		if !interactive[k] {
			t.Errorf("interactive %s never produced", k)
		}
	}
}

func TestScenarioStatusesInOrderAndOutOfOrder(t *testing.T) {
	for _, outOfOrder := range []bool{false, true} {
		s := baseScenario()
		s.Types = []MessageType{TypeText}
		s.Statuses, s.StatusOutOfOrder = true, outOfOrder
		_, envs := collect(t, s)
		seq := map[string][]whatsapp.StatusKind{}
		for _, env := range envs {
			for _, it := range env.Items() {
				for _, st := range it.Statuses {
					seq[st.ID] = append(seq[st.ID], st.Status)
				}
			}
		}
		if len(seq) != 100 {
			t.Fatalf("want status callbacks for 100 replies, got %d", len(seq))
		}
		reordered := 0
		for id, ks := range seq {
			if len(ks) != 3 {
				t.Fatalf("%s: want sent, delivered, read; got %v", id, ks)
			}
			if !slices.Equal(ks, []whatsapp.StatusKind{"sent", "delivered", "read"}) {
				reordered++
			}
		}
		if !outOfOrder && reordered != 0 {
			t.Errorf("in-order run reordered %d sequences", reordered)
		}
		if outOfOrder && reordered == 0 {
			t.Error("out-of-order run kept every sequence in order")
		}
	}
}

func TestScenarioStatusIDsOnly(t *testing.T) {
	s := baseScenario()
	s.Customers, s.Statuses, s.FailRate = 0, true, 1
	s.StatusIDs = []StatusTarget{{Wamid: "wamid.A", Recipient: "16505551234"}, {Wamid: "wamid.B", PhoneNumberID: "999"}}
	_, envs := collect(t, s)
	got := map[string][]whatsapp.StatusKind{}
	for _, env := range envs {
		for _, it := range env.Items() {
			if len(it.Messages) != 0 {
				t.Fatal("no customers: no inbound messages expected")
			}
			for _, st := range it.Statuses {
				got[st.ID] = append(got[st.ID], st.Status)
				if st.ID == "wamid.B" && it.PhoneNumberID != "999" {
					t.Errorf("status for wamid.B routed to %s", it.PhoneNumberID)
				}
				if st.Status == whatsapp.StatusFailed && (len(st.Errors) == 0 || st.Errors[0].Code == 0) {
					t.Error("failed status without error")
				}
			}
		}
	}
	want := []whatsapp.StatusKind{"sent", "failed"}
	if !slices.Equal(got["wamid.A"], want) || !slices.Equal(got["wamid.B"], want) {
		t.Fatalf("got %v", got)
	}
}

func TestScenarioBatchDuplicatesShuffle(t *testing.T) {
	s := baseScenario()
	s.Types = []MessageType{TypeText}
	s.Batch, s.Duplicates, s.ShuffleWindow = 4, 0.3, 6
	ds, envs := collect(t, s)
	ids := map[string]int{}
	var stamps []string
	layouts := map[Layout]bool{}
	dups := 0
	for i, d := range ds {
		if d.Duplicate {
			dups++
			if !slices.ContainsFunc(ds[:i], func(o Delivery) bool { return !o.Duplicate && bytes.Equal(o.Body, d.Body) }) {
				t.Errorf("duplicate %d is not a re-send of an earlier body", d.Seq)
			}
			continue
		}
		layouts[d.Layout] = true
		for _, it := range envs[i].Items() {
			for _, m := range it.Messages {
				ids[m.ID]++
				stamps = append(stamps, string(m.Timestamp)+m.ID)
			}
		}
		if i > 0 && d.At < ds[i-1].At {
			t.Errorf("send times must not go backwards: %v after %v", d.At, ds[i-1].At)
		}
	}
	if len(ids) != 100 {
		t.Errorf("want 100 distinct messages, got %d", len(ids))
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("%s in %d original deliveries", id, n)
		}
	}
	if dups == 0 {
		t.Error("duplicates 0.3 produced none")
	}
	if len(layouts) != len(Layouts()) {
		t.Errorf("want every batch layout, got %v", layouts)
	}
	if slices.IsSorted(stamps) {
		t.Error("shuffle window 6 delivered everything in order")
	}
}

func TestBatchLayouts(t *testing.T) {
	ch1 := Channel{WABAID: "1", PhoneNumberID: "p1", DisplayPhoneNumber: "15550000001"}
	ch2 := Channel{WABAID: "1", PhoneNumberID: "p2", DisplayPhoneNumber: "15550000002"}
	ts := time.Unix(1_750_000_000, 0)
	a, b := CustomerN(1), CustomerN(2)
	envs := []Envelope{
		TextMessage(ch1, a, "wamid.1", "one", ts),
		TextMessage(ch1, b, "wamid.2", "two", ts),
		Statuses(ch1, Status("wamid.9", StatusRead, a.WAID, ts)),
		TextMessage(ch2, a, "wamid.3", "three", ts),
	}
	cases := []struct {
		layout           Layout
		entries, changes int
	}{{LayoutEntries, 4, 4}, {LayoutChanges, 1, 4}, {LayoutMerged, 1, 3}}
	for _, tc := range cases {
		t.Run(tc.layout.String(), func(t *testing.T) {
			body, err := Marshal(Batch(tc.layout, envs...))
			if err != nil {
				t.Fatal(err)
			}
			env, err := whatsapp.Parse(body)
			if err != nil {
				t.Fatal(err)
			}
			items := env.Items()
			if len(env.Entry) != tc.entries || len(items) != tc.changes {
				t.Fatalf("want %d entries / %d changes, got %d / %d", tc.entries, tc.changes, len(env.Entry), len(items))
			}
			var texts []string
			for _, it := range items {
				for _, m := range it.Messages {
					texts = append(texts, m.DisplayText())
					if it.ContactName(m.From) == "" {
						t.Errorf("contact for %s lost", m.From)
					}
				}
			}
			if strings.Join(texts, ",") != "one,two,three" {
				t.Errorf("messages %v", texts)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Scenario)
		want string
	}{
		{"ok", func(*Scenario) {}, ""},
		{"too long", func(s *Scenario) { s.Duration = 61 * time.Minute }, "duration"},
		{"no duration", func(s *Scenario) { s.Duration = 0 }, "duration"},
		{"no rate", func(s *Scenario) { s.Rate = 0 }, "rate"},
		{"no numbers", func(s *Scenario) { s.PhoneNumberIDs = nil }, "phone number"},
		{"bad duplicates", func(s *Scenario) { s.Duplicates = 1.5 }, "duplicates"},
		{"nothing to send", func(s *Scenario) { s.Customers = 0 }, "nothing to send"},
		{"batch", func(s *Scenario) { s.Batch = 0 }, "batch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := baseScenario()
			tc.mod(&s)
			err := s.Validate()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := ParseTypes("text,imagee"); err == nil {
		t.Error("ParseTypes must refuse unknown types")
	}
	if got, _ := ParseTypes("text, image"); !slices.Equal(got, []MessageType{"text", "image"}) {
		t.Errorf("ParseTypes = %v", got)
	}
}
