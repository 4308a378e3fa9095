package whatsapp

// FieldUserPreferences carries customers' stop and resume of the business's marketing
// messages (WhatsApp's "Offers and announcements" setting).
const FieldUserPreferences = "user_preferences"

// Values of UserPreference.Category and UserPreference.Value Meta documents.
const (
	PreferenceMarketing = "marketing_messages"
	PreferenceStop      = "stop"
	PreferenceResume    = "resume"
)

// UserPreferencesValue is the value of a "user_preferences" change, for one business phone
// number like a messages change: who changed which preference, with the contacts[] entry Meta
// sends beside it.
type UserPreferencesValue struct {
	MessagingProduct string           `json:"messaging_product"`
	Metadata         Metadata         `json:"metadata"`
	Contacts         []Contact        `json:"contacts,omitempty"`
	Preferences      []UserPreference `json:"user_preferences,omitempty"`
}

// UserPreference is one customer's change of a preference. The customer is identified like a
// message's sender: WAID (phone) or UserID (BSUID), or both. Timestamp is when Meta sent it,
// a JSON number here.
type UserPreference struct {
	WAID      string    `json:"wa_id"`
	UserID    string    `json:"user_id,omitempty"`
	Detail    string    `json:"detail,omitempty"`
	Category  string    `json:"category"`
	Value     string    `json:"value"`
	Timestamp Timestamp `json:"timestamp"`
}

// Stop reports whether p stops marketing messages; Resume whether it resumes them. Anything
// else (another category or value Meta adds later) is neither.
func (p UserPreference) Stop() bool {
	return p.Category == PreferenceMarketing && p.Value == PreferenceStop
}

// Resume: see Stop.
func (p UserPreference) Resume() bool {
	return p.Category == PreferenceMarketing && p.Value == PreferenceResume
}
