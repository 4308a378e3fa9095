package whatsapp

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ObjectWABA is the only envelope "object" the Cloud API sends for WhatsApp; anything else was
// meant for another product (Instagram, Pages) or is not from Meta.
const ObjectWABA = "whatsapp_business_account"

// Field names of changes[].field that Switchboard knows. Others are kept as ItemOther.
const (
	FieldMessages             = "messages"
	FieldTemplateStatusUpdate = "message_template_status_update"
	// FieldTemplateQualityUpdate carries a template's quality score change.
	FieldTemplateQualityUpdate = "message_template_quality_update"
	// FieldTemplateCategoryUpdate carries Meta's recategorisation of a template.
	FieldTemplateCategoryUpdate = "template_category_update"
	FieldPhoneQualityUpdate     = "phone_number_quality_update"
	FieldAccountUpdate          = "account_update"
	// FieldBusinessCapabilityUpdate carries a raised messaging limit.
	FieldBusinessCapabilityUpdate = "business_capability_update"
)

// Envelope is the body of one webhook POST. Meta batches: one POST may carry several entries
// (one per WABA) each with several changes.
type Envelope struct {
	Object string  `json:"object"`
	Entry  []Entry `json:"entry"`
}

// Entry groups the changes of one WhatsApp Business Account; ID is the WABA id.
type Entry struct {
	ID string `json:"id"`
	// Time is set by Meta on some fields (template and account updates), as Unix seconds.
	Time    json.Number `json:"time,omitempty"`
	Changes []Change    `json:"changes"`
}

// Change is one changes[] element. Value always holds the raw JSON as received (or as built),
// and exactly one typed view is filled according to Field, so that unknown fields and
// unknown properties are never dropped while the common ones are easy to use.
type Change struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`

	Messages         *MessagesValue          `json:"-"`
	TemplateStatus   *TemplateStatusUpdate   `json:"-"`
	TemplateQuality  *TemplateQualityUpdate  `json:"-"`
	TemplateCategory *TemplateCategoryUpdate `json:"-"`
	PhoneQuality     *PhoneQualityUpdate     `json:"-"`
	Account          *AccountUpdate          `json:"-"`
	UserPreferences  *UserPreferencesValue   `json:"-"`
	// BusinessCapability is a business_capability_update.
	BusinessCapability *BusinessCapabilityUpdate `json:"-"`
}

// MessagesValue is the value of a "messages" change: inbound messages from customers and
// status callbacks for messages the business sent, for one business phone number.
type MessagesValue struct {
	MessagingProduct string    `json:"messaging_product"`
	Metadata         Metadata  `json:"metadata"`
	Contacts         []Contact `json:"contacts,omitempty"`
	Messages         []Message `json:"messages,omitempty"`
	Statuses         []Status  `json:"statuses,omitempty"`
	Errors           []Error   `json:"errors,omitempty"`
}

// Metadata identifies the business phone number the change is for; PhoneNumberID is what
// Switchboard routes on, since display numbers can be reformatted.
type Metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

// Contact is the sender's WhatsApp profile as Meta reports it next to their messages; it is
// how a customer's display name reaches the inbox. Since 2026 a customer is identified by
// WAID (phone), UserID (business-scoped user id, BSUID) or both: WAID may be "" when Meta
// withholds the number.
type Contact struct {
	Profile         Profile `json:"profile"`
	WAID            string  `json:"wa_id"`
	UserID          string  `json:"user_id,omitempty"`
	IdentityKeyHash string  `json:"identity_key_hash,omitempty"`
}

// Profile carries the customer's self-chosen WhatsApp name and, when they have one, their
// WhatsApp username.
type Profile struct {
	Name     string `json:"name"`
	Username string `json:"username,omitempty"`
}

// Error is Meta's error object, used in value.errors, messages[].errors and statuses[].errors.
type Error struct {
	Code      int        `json:"code"`
	Title     string     `json:"title,omitempty"`
	Message   string     `json:"message,omitempty"`
	ErrorData *ErrorData `json:"error_data,omitempty"`
	Href      string     `json:"href,omitempty"`
}

// ErrorData holds Meta's human-readable explanation of an error.
type ErrorData struct {
	Details string `json:"details"`
}

// ContactName returns the profile name Meta sent for waID in this change, or "" when Meta
// sent none (system messages, statuses), so callers don't overwrite a known name with "".
// An empty waID matches nothing; use ContactFor to look a customer up by BSUID as well.
func (v *MessagesValue) ContactName(waID string) string {
	if c := findContact(v.Contacts, waID, ""); c != nil {
		return c.Profile.Name
	}
	return ""
}

// ContactFor returns the contact Meta sent for the customer identified by waID (phone) or
// userID (BSUID), or nil. A user id match wins over a phone match; empty keys match nothing,
// so a BSUID-only contact (wa_id "") is never taken for another customer.
func (v *MessagesValue) ContactFor(waID, userID string) *Contact {
	return findContact(v.Contacts, waID, userID)
}

func findContact(contacts []Contact, waID, userID string) *Contact {
	if userID != "" {
		for i := range contacts {
			if contacts[i].UserID == userID {
				return &contacts[i]
			}
		}
	}
	if waID != "" {
		for i := range contacts {
			if contacts[i].WAID == waID {
				return &contacts[i]
			}
		}
	}
	return nil
}

// NewMessagesChange wraps a messages value so that builders (the simulator, tests) get the
// field name right; Value is filled when the change is marshalled.
func NewMessagesChange(v MessagesValue) Change {
	if v.MessagingProduct == "" {
		v.MessagingProduct = "whatsapp"
	}
	return Change{Field: FieldMessages, Messages: &v}
}

// MarshalJSON writes the raw Value when there is one (so a parsed envelope re-encodes
// losslessly) and otherwise encodes the typed view that matches Field.
func (c Change) MarshalJSON() ([]byte, error) {
	value := c.Value
	if len(value) == 0 {
		var typed any
		switch {
		case c.Messages != nil:
			typed = c.Messages
		case c.TemplateStatus != nil:
			typed = c.TemplateStatus
		case c.TemplateQuality != nil:
			typed = c.TemplateQuality
		case c.TemplateCategory != nil:
			typed = c.TemplateCategory
		case c.PhoneQuality != nil:
			typed = c.PhoneQuality
		case c.Account != nil:
			typed = c.Account
		case c.UserPreferences != nil:
			typed = c.UserPreferences
		case c.BusinessCapability != nil:
			typed = c.BusinessCapability
		}
		if typed != nil {
			b, err := json.Marshal(typed)
			if err != nil {
				return nil, err
			}
			value = b
		} else {
			value = json.RawMessage("null") // nothing was received or built: say so
		}
	}
	return json.Marshal(struct {
		Value json.RawMessage `json:"value"`
		Field string          `json:"field"`
	}{value, c.Field})
}

// UnmarshalJSON keeps the raw value and decodes the typed view for known fields.
func (c *Change) UnmarshalJSON(b []byte) error {
	var w struct {
		Field string          `json:"field"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = Change{Field: w.Field, Value: w.Value}
	if isNull(w.Value) {
		c.Value = nil
		if w.Field == FieldMessages {
			return fmt.Errorf("value is missing")
		}
		return nil
	}
	var err error
	switch w.Field {
	case FieldMessages:
		c.Messages = new(MessagesValue)
		err = json.Unmarshal(w.Value, c.Messages)
	case FieldTemplateStatusUpdate:
		c.TemplateStatus = new(TemplateStatusUpdate)
		err = json.Unmarshal(w.Value, c.TemplateStatus)
	case FieldTemplateQualityUpdate:
		c.TemplateQuality = new(TemplateQualityUpdate)
		err = json.Unmarshal(w.Value, c.TemplateQuality)
	case FieldTemplateCategoryUpdate:
		c.TemplateCategory = new(TemplateCategoryUpdate)
		err = json.Unmarshal(w.Value, c.TemplateCategory)
	case FieldPhoneQualityUpdate:
		c.PhoneQuality = new(PhoneQualityUpdate)
		err = json.Unmarshal(w.Value, c.PhoneQuality)
	case FieldAccountUpdate:
		c.Account = new(AccountUpdate)
		err = json.Unmarshal(w.Value, c.Account)
	case FieldUserPreferences:
		c.UserPreferences = new(UserPreferencesValue)
		err = json.Unmarshal(w.Value, c.UserPreferences)
	case FieldBusinessCapabilityUpdate:
		c.BusinessCapability = new(BusinessCapabilityUpdate)
		err = json.Unmarshal(w.Value, c.BusinessCapability)
	}
	if err != nil {
		return fmt.Errorf("value: %w", err)
	}
	return nil
}

func isNull(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || bytes.Equal(b, []byte("null"))
}
