// Package contacts manages a tenant's customers: phone normalization to
// E.164, CRUD, search, and CSV import and export.
//
// Every function takes the ent client to use: inside a mutation that is the
// request's transaction, so a contact change and its audit entry commit or
// roll back together. Tenant confinement is not done here: the TenantMixin
// interceptors and hooks (ent/schema/mixin.go) filter every query and
// mutation by the caller's tenant.
package contacts

import (
	"context"
	"time"

	"switchboard/ent"
	"switchboard/ent/consentevent"
	"switchboard/ent/contact"
	"switchboard/ent/conversation"
	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/audit"
	"switchboard/internal/media"
	"switchboard/internal/pulid"
)

// Service is the contacts service. It holds no state besides its clock and
// the store of message files, so one value serves every request.
type Service struct {
	now func() time.Time
	// Files deletes a deleted contact's message files; nil keeps them.
	Files FileDeleter
}

// FileDeleter deletes a message's stored file (media.Store).
type FileDeleter interface {
	DeleteMessageFile(ctx context.Context, tenant, message pulid.ID, md *schematype.Media) error
}

// New returns a Service.
func New() *Service { return &Service{now: time.Now} }

// CreateInput is a new contact as a client describes it; Phone may be in
// any format NormalizePhone accepts.
type CreateInput struct {
	Phone       string
	Name        string
	Tags        []string
	OptInStatus contact.OptInStatus // "" means UNKNOWN
	OptInSource string
}

// UpdateInput is a partial update: nil fields are left as they are. A
// non-nil empty Tags clears the tags; an empty Name clears the name.
type UpdateInput struct {
	Phone       *string
	Name        *string
	Tags        []string
	OptInStatus *contact.OptInStatus
	OptInSource *string
	Restricted  *bool
}

// Create adds a contact. A phone already in the tenant is CONFLICT, decided
// by the unique index (tenant_id, phone).
func (s *Service) Create(ctx context.Context, c *ent.Client, in CreateInput) (*ent.Contact, error) {
	phone, err := NormalizePhone(in.Phone)
	if err != nil {
		return nil, err
	}
	name, err := cleanText("name", in.Name, MaxNameLen)
	if err != nil {
		return nil, err
	}
	source, err := cleanText("optInSource", in.OptInSource, MaxSourceLen)
	if err != nil {
		return nil, err
	}
	tags, err := cleanTags(in.Tags, false)
	if err != nil {
		return nil, err
	}
	status := in.OptInStatus
	if status == "" {
		status = contact.DefaultOptInStatus
	}
	q := c.Contact.Create().SetPhone(phone).SetTags(tags).SetOptInStatus(status).
		SetNillableOptInAt(optInAt(contact.DefaultOptInStatus, nil, status, s.now()))
	if name != "" {
		q.SetName(name)
	}
	if source != "" {
		q.SetOptInSource(source)
	}
	ct, err := q.Save(ctx)
	if err != nil {
		return nil, writeErr(err)
	}
	if status != contact.DefaultOptInStatus {
		if err := RecordConsent(ctx, c, ct.TenantID, ct.ID, status, or(source, SourceAPI), ct.CreatedAt); err != nil {
			return nil, err
		}
	}
	return ct, audit.Record(ctx, c, audit.Entry{Action: audit.ContactCreate, TargetType: audit.TargetContact, TargetID: ct.ID})
}

// Update changes the given fields of a contact. An unknown id and another
// tenant's id are the same NOT_FOUND.
func (s *Service) Update(ctx context.Context, c *ent.Client, id pulid.ID, in UpdateInput) (*ent.Contact, error) {
	cur, err := c.Contact.Get(ctx, id)
	if err != nil {
		return nil, writeErr(err)
	}
	u := c.Contact.UpdateOne(cur)
	changed := []string{}
	if in.Phone != nil {
		phone, err := NormalizePhone(*in.Phone)
		if err != nil {
			return nil, err
		}
		u.SetPhone(phone)
		changed = append(changed, "phone")
	}
	if in.Name != nil {
		name, err := cleanText("name", *in.Name, MaxNameLen)
		if err != nil {
			return nil, err
		}
		if name == "" {
			u.ClearName()
		} else {
			u.SetName(name)
		}
		changed = append(changed, "name")
	}
	if in.Tags != nil {
		tags, err := cleanTags(in.Tags, false)
		if err != nil {
			return nil, err
		}
		u.SetTags(tags)
		changed = append(changed, "tags")
	}
	if in.OptInSource != nil {
		source, err := cleanText("optInSource", *in.OptInSource, MaxSourceLen)
		if err != nil {
			return nil, err
		}
		if source == "" {
			u.ClearOptInSource()
		} else {
			u.SetOptInSource(source)
		}
		changed = append(changed, "optInSource")
	}
	if in.OptInStatus != nil {
		if at := optInAt(cur.OptInStatus, cur.OptInAt, *in.OptInStatus, s.now()); at != nil {
			u.SetOptInAt(*at)
		} else {
			u.ClearOptInAt()
		}
		u.SetOptInStatus(*in.OptInStatus)
		changed = append(changed, "optInStatus")
	}
	if in.Restricted != nil {
		u.SetRestricted(*in.Restricted)
		changed = append(changed, "restricted")
	}
	ct, err := u.Save(ctx)
	if err != nil {
		return nil, writeErr(err)
	}
	if ct.OptInStatus != cur.OptInStatus {
		source := SourceAPI
		if in.OptInSource != nil && ct.OptInSource != "" {
			source = ct.OptInSource
		}
		if err := RecordConsent(ctx, c, ct.TenantID, ct.ID, ct.OptInStatus, source, ct.UpdatedAt); err != nil {
			return nil, err
		}
	}
	return ct, audit.Record(ctx, c, audit.Entry{Action: audit.ContactUpdate, TargetType: audit.TargetContact, TargetID: id,
		Metadata: map[string]any{"fields": changed}})
}

// Delete removes a contact with its conversations and their messages: the
// conversations' foreign key to the contact (and the messages' to the
// conversation) has no ON DELETE action, so a contact with history could
// not be deleted otherwise, and a deleted customer's thread has no one left
// to belong to. Campaign recipients go by their ON DELETE CASCADE.
func (s *Service) Delete(ctx context.Context, c *ent.Client, id pulid.ID) error {
	if _, err := c.Contact.Get(ctx, id); err != nil {
		return writeErr(err)
	}
	convs, err := c.Conversation.Query().Where(conversation.ContactID(id)).IDs(ctx)
	if err != nil {
		return err
	}
	if len(convs) > 0 {
		if err := s.deleteFiles(ctx, c, convs); err != nil {
			return err
		}
		if _, err := c.Message.Delete().Where(message.ConversationIDIn(convs...)).Exec(ctx); err != nil {
			return err
		}
		if _, err := c.Conversation.Delete().Where(conversation.IDIn(convs...)).Exec(ctx); err != nil {
			return err
		}
	}
	if _, err := c.ConsentEvent.Delete().Where(consentevent.ContactID(id)).Exec(ctx); err != nil {
		return err
	}
	if err := c.Contact.DeleteOneID(id).Exec(ctx); err != nil {
		return writeErr(err)
	}
	return audit.Record(ctx, c, audit.Entry{Action: audit.ContactDelete, TargetType: audit.TargetContact, TargetID: id,
		Metadata: map[string]any{"conversations": len(convs)}})
}

// deleteFiles deletes the stored files of the conversations' messages,
// a page at a time. Files go before rows: if the transaction then fails,
// a retry finds the rows and deletes the (already gone) files again.
func (s *Service) deleteFiles(ctx context.Context, c *ent.Client, convs []pulid.ID) error {
	if s.Files == nil {
		return nil
	}
	var after pulid.ID
	for {
		q := c.Message.Query().Where(message.ConversationIDIn(convs...), message.MediaNotNil()).
			Order(ent.Asc(message.FieldID)).Limit(exportPage)
		if after != "" {
			q.Where(message.IDGT(after))
		}
		page, err := q.Select(message.FieldID, message.FieldTenantID, message.FieldMedia).
			Modify(media.LockForErasure).All(ctx)
		if err != nil {
			return err
		}
		for _, m := range page {
			if err := s.Files.DeleteMessageFile(ctx, m.TenantID, m.ID, m.Media); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// optInAt is the opt_in_at a contact carries after its status moves from
// prev to next: the moment of the current opt-in, kept while the contact
// stays OPTED_IN (re-confirming does not rewrite consent history) and
// cleared once it is not.
func optInAt(prev contact.OptInStatus, prevAt *time.Time, next contact.OptInStatus, now time.Time) *time.Time {
	switch {
	case next != contact.OptInStatusOPTED_IN:
		return nil
	case prev == contact.OptInStatusOPTED_IN && prevAt != nil:
		return prevAt
	}
	return &now
}
