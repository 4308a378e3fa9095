package sim

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
func Batch(layout Layout, envs ...Envelope) Envelope {
	var out Envelope
	entryOf := map[string]int{} // WABA id -> index in out.entries
	type key struct {
		waba, pnid string
		statuses   bool
	}
	changeOf := map[key][2]int{} // -> entry, change index
	for _, env := range envs {
		for _, e := range env.entries {
			if layout == LayoutEntries {
				out.entries = append(out.entries, entry{ID: e.ID, Time: e.Time, Changes: append([]change(nil), e.Changes...)})
				continue
			}
			ei, ok := entryOf[e.ID]
			if !ok {
				ei = len(out.entries)
				entryOf[e.ID] = ei
				out.entries = append(out.entries, entry{ID: e.ID, Time: e.Time})
			}
			for _, c := range e.Changes {
				if v, ok := c.Value.(*messagesValue); ok && layout == LayoutMerged {
					k := key{e.ID, v.Metadata.PhoneNumberID, len(v.Messages) == 0}
					if pos, ok := changeOf[k]; ok {
						mergeInto(out.entries[pos[0]].Changes[pos[1]].Value.(*messagesValue), v)
						continue
					}
					cp := *v
					cp.Contacts = append([]contact(nil), v.Contacts...)
					cp.Messages = append([]Message(nil), v.Messages...)
					cp.Statuses = append([]StatusCallback(nil), v.Statuses...)
					c.Value = &cp
					changeOf[k] = [2]int{ei, len(out.entries[ei].Changes)}
				}
				out.entries[ei].Changes = append(out.entries[ei].Changes, c)
			}
		}
	}
	return out
}

func mergeInto(dst, src *messagesValue) {
	for _, c := range src.Contacts {
		known := false
		for _, d := range dst.Contacts {
			known = known || (d.WAID == c.WAID && d.UserID == c.UserID)
		}
		if !known {
			dst.Contacts = append(dst.Contacts, c)
		}
	}
	dst.Messages = append(dst.Messages, src.Messages...)
	dst.Statuses = append(dst.Statuses, src.Statuses...)
}
