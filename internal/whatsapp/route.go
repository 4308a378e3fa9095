package whatsapp

import "encoding/json"

// ItemKind says what a routed Item carries.
type ItemKind string

// Item kinds, one per changes[].field Switchboard handles, plus ItemOther for the rest.
const (
	ItemMessages       ItemKind = "messages"
	ItemTemplateStatus ItemKind = "template_status"
	// ItemTemplateQuality is a message_template_quality_update.
	ItemTemplateQuality ItemKind = "template_quality"
	// ItemTemplateCategory is a template_category_update.
	ItemTemplateCategory ItemKind = "template_category"
	ItemPhoneQuality     ItemKind = "phone_quality"
	ItemAccountUpdate    ItemKind = "account_update"
	// ItemUserPreferences is a user_preferences change; like ItemMessages it is for one
	// business number (PhoneNumberID) and carries Contacts.
	ItemUserPreferences ItemKind = "user_preferences"
	// ItemBusinessCapability is a business_capability_update (the messaging limit).
	ItemBusinessCapability ItemKind = "business_capability"
	ItemOther              ItemKind = "other"
)

// Item is one change of an envelope with the routing keys lifted out, so that the worker can
// route by PhoneNumberID without walking entry/changes itself. Position (EntryIndex,
// ChangeIndex) identifies the change inside the stored raw event.
type Item struct {
	Kind        ItemKind
	Field       string
	WABAID      string
	EntryIndex  int
	ChangeIndex int

	// For ItemMessages (and PhoneNumberID, DisplayPhoneNumber and Contacts for
	// ItemUserPreferences).
	PhoneNumberID      string
	DisplayPhoneNumber string
	Contacts           []Contact
	Messages           []Message
	Statuses           []Status
	Errors             []Error
	Preferences        []UserPreference

	TemplateStatus   *TemplateStatusUpdate
	TemplateQuality  *TemplateQualityUpdate
	TemplateCategory *TemplateCategoryUpdate
	PhoneQuality     *PhoneQualityUpdate
	Account          *AccountUpdate
	Capability       *BusinessCapabilityUpdate

	// Value is the change's raw value, always set.
	Value json.RawMessage
}

// Items flattens the envelope into one Item per change, in the order Meta sent them, which
// is the order the worker must apply them in.
func (e *Envelope) Items() []Item {
	var items []Item
	for i, entry := range e.Entry {
		for j, c := range entry.Changes {
			it := Item{
				Field: c.Field, WABAID: entry.ID, EntryIndex: i, ChangeIndex: j, Value: c.Value,
			}
			switch {
			case c.Messages != nil:
				it.Kind = ItemMessages
				v := c.Messages
				it.PhoneNumberID = v.Metadata.PhoneNumberID
				it.DisplayPhoneNumber = v.Metadata.DisplayPhoneNumber
				it.Contacts, it.Messages, it.Statuses, it.Errors = v.Contacts, v.Messages, v.Statuses, v.Errors
			case c.TemplateStatus != nil:
				it.Kind, it.TemplateStatus = ItemTemplateStatus, c.TemplateStatus
			case c.TemplateQuality != nil:
				it.Kind, it.TemplateQuality = ItemTemplateQuality, c.TemplateQuality
			case c.TemplateCategory != nil:
				it.Kind, it.TemplateCategory = ItemTemplateCategory, c.TemplateCategory
			case c.PhoneQuality != nil:
				it.Kind, it.PhoneQuality = ItemPhoneQuality, c.PhoneQuality
			case c.Account != nil:
				it.Kind, it.Account = ItemAccountUpdate, c.Account
			case c.UserPreferences != nil:
				it.Kind = ItemUserPreferences
				v := c.UserPreferences
				it.PhoneNumberID = v.Metadata.PhoneNumberID
				it.DisplayPhoneNumber = v.Metadata.DisplayPhoneNumber
				it.Contacts, it.Preferences = v.Contacts, v.Preferences
			case c.BusinessCapability != nil:
				it.Kind, it.Capability = ItemBusinessCapability, c.BusinessCapability
			default:
				it.Kind = ItemOther
			}
			items = append(items, it)
		}
	}
	return items
}

// ContactName returns the profile name sent for waID in this item, or "". An empty waID
// matches nothing; use ContactFor to look a customer up by BSUID as well.
func (it *Item) ContactName(waID string) string {
	if c := findContact(it.Contacts, waID, ""); c != nil {
		return c.Profile.Name
	}
	return ""
}

// ContactFor returns the contact sent in this item for the customer identified by waID
// (phone) or userID (BSUID), or nil; see MessagesValue.ContactFor.
func (it *Item) ContactFor(waID, userID string) *Contact {
	return findContact(it.Contacts, waID, userID)
}
