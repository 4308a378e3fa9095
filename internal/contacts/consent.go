package contacts

import (
	"context"
	"time"

	"switchboard/ent"
	"switchboard/ent/consentevent"
	"switchboard/ent/contact"
	"switchboard/internal/pulid"
)

// Consent sources besides those of inbound webhooks (inbound.SourceKeyword,
// inbound.SourcePreferences) and ImportSource.
const (
	// SourceAPI: a member or an API key set the status (createContact,
	// updateContact) without naming a source.
	SourceAPI = "api"
	// SourceObjection: an OBJECTION privacy request.
	SourceObjection = "privacy:objection"
	// SourceMetaOptOut: Meta refused a marketing send because the
	// customer stopped marketing messages (error 131050).
	SourceMetaOptOut = "meta:131050"
)

// RecordConsent appends one change of a contact's marketing consent to its
// history (Contact.consentHistory). Callers record a change where they make
// it, in the same transaction, so the history and the contact's current
// status cannot disagree.
func RecordConsent(ctx context.Context, c *ent.Client, tenant, contactID pulid.ID, status contact.OptInStatus, source string, at time.Time) error {
	return c.ConsentEvent.Create().SetTenantID(tenant).SetContactID(contactID).
		SetStatus(string(status)).SetSource(source).SetAt(at).Exec(ctx)
}

// ConsentHistory is a contact's consent changes in the order they were
// made to its status (ids are time-ordered); each At is when the person
// decided, which for a customer's keyword is Meta's timestamp.
func ConsentHistory(ctx context.Context, c *ent.Client, contactID pulid.ID) ([]*ent.ConsentEvent, error) {
	return c.ConsentEvent.Query().Where(consentevent.ContactID(contactID)).
		Order(ent.Asc(consentevent.FieldID)).All(ctx)
}
