package sim

import "time"

// Marketing preferences a customer sets in WhatsApp's "Offers and announcements" setting.
const (
	PreferenceStop   = "stop"
	PreferenceResume = "resume"
)

type preferencesValue struct {
	MessagingProduct string       `json:"messaging_product"`
	Metadata         metadata     `json:"metadata"`
	Contacts         []contact    `json:"contacts,omitempty"`
	Preferences      []preference `json:"user_preferences"`
}

type preference struct {
	WAID      string `json:"wa_id"`
	UserID    string `json:"user_id,omitempty"`
	Detail    string `json:"detail"`
	Category  string `json:"category"`
	Value     string `json:"value"`
	Timestamp int64  `json:"timestamp"` // a JSON number in this webhook, unlike messages
}

// UserPreferences builds the user_preferences webhook: customer c stopped (PreferenceStop) or
// resumed (PreferenceResume) marketing messages from the business number at ts.
func UserPreferences(ch Channel, c Customer, value string, ts time.Time) Envelope {
	detail := "User requested to " + value + " marketing messages"
	v := &preferencesValue{MessagingProduct: "whatsapp", Metadata: ch.metadata(),
		Contacts: []contact{{Profile: profile{Name: c.Name, Username: c.Username}, WAID: c.WAID, UserID: c.UserID}},
		Preferences: []preference{{WAID: c.WAID, UserID: c.UserID, Detail: detail, Category: "marketing_messages",
			Value: value, Timestamp: ts.Unix()}},
	}
	return wrap(ch.WABAID, change{Field: "user_preferences", Value: v})
}
