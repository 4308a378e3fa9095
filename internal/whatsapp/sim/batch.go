package sim

import "switchboard/internal/whatsapp"

// Layout is how Batch packs several envelopes into one POST. Meta uses all three shapes, and a
// receiver that only handles one of them loses events.
type Layout int

const (
	// LayoutEntries appends every entry as it is: one POST, many entry[] elements.
	LayoutEntries Layout = iota
	// LayoutChanges puts all changes of a WABA into one entry with many changes[].
	LayoutChanges
	// LayoutMerged also merges changes for the same phone number into one value, so that
	// messages[] (or statuses[]) holds several items, with contacts[] deduplicated.
	LayoutMerged
)

// Layouts lists every layout, for generators that pick among them.
func Layouts() []Layout { return []Layout{LayoutEntries, LayoutChanges, LayoutMerged} }

// String names the layout in logs and test names.
func (l Layout) String() string {
	switch l {
	case LayoutEntries:
		return "entries"
	case LayoutChanges:
		return "changes"
	case LayoutMerged:
		return "merged"
	}
	return "unknown"
}

// Batch combines envelopes into one, keeping the order of events per phone number. It copies
// what it merges; the inputs are not modified.
func Batch(layout Layout, envs ...whatsapp.Envelope) whatsapp.Envelope {
	out := whatsapp.Envelope{Object: whatsapp.ObjectWABA}
	entryOf := map[string]int{} // WABA id -> index in out.Entry
	type key struct {
		waba, pnid string
		statuses   bool
	}
	changeOf := map[key][2]int{} // -> entry, change index
	for _, env := range envs {
		for _, e := range env.Entry {
			if layout == LayoutEntries {
				out.Entry = append(out.Entry, whatsapp.Entry{ID: e.ID, Time: e.Time, Changes: append([]whatsapp.Change(nil), e.Changes...)})
				continue
			}
			ei, ok := entryOf[e.ID]
			if !ok {
				ei = len(out.Entry)
				entryOf[e.ID] = ei
				out.Entry = append(out.Entry, whatsapp.Entry{ID: e.ID, Time: e.Time})
			}
			for _, c := range e.Changes {
				if layout == LayoutMerged && c.Messages != nil && len(c.Value) == 0 {
					k := key{e.ID, c.Messages.Metadata.PhoneNumberID, len(c.Messages.Messages) == 0}
					if pos, ok := changeOf[k]; ok {
						mergeInto(out.Entry[pos[0]].Changes[pos[1]].Messages, c.Messages)
						continue
					}
					v := *c.Messages
					v.Contacts = append([]whatsapp.Contact(nil), v.Contacts...)
					v.Messages = append([]whatsapp.Message(nil), v.Messages...)
					v.Statuses = append([]whatsapp.Status(nil), v.Statuses...)
					c.Messages = &v
					changeOf[k] = [2]int{ei, len(out.Entry[ei].Changes)}
				}
				out.Entry[ei].Changes = append(out.Entry[ei].Changes, c)
			}
		}
	}
	return out
}

func mergeInto(dst, src *whatsapp.MessagesValue) {
	for _, c := range src.Contacts {
		if dst.ContactName(c.WAID) == "" {
			dst.Contacts = append(dst.Contacts, c)
		}
	}
	dst.Messages = append(dst.Messages, src.Messages...)
	dst.Statuses = append(dst.Statuses, src.Statuses...)
	dst.Errors = append(dst.Errors, src.Errors...)
}
