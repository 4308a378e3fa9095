package privacy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"switchboard/ent"
	"switchboard/ent/contact"
	"switchboard/ent/privacyrequest"
	"switchboard/internal/apperr"
	"switchboard/internal/audit"
	"switchboard/internal/contacts"
	"switchboard/internal/viewer"
)

// Handle is ProcessJob's handler. The whole request is carried out in the
// job's transaction, so a crash leaves it RECEIVED to be done again from
// the start, and a finished request is never done twice.
func (s *Service) Handle(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
	id, err := ProcessJob.Payload(j)
	if err != nil {
		return err
	}
	req, err := tx.PrivacyRequest.Get(viewer.System(ctx), id)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if req.Status == privacyrequest.StatusCOMPLETED || req.Status == privacyrequest.StatusREJECTED ||
		req.Kind == privacyrequest.KindACCOUNT_DELETION { // account.erase carries those out
		return nil
	}
	// From here on the work is confined to the request's tenant by the
	// same interceptors that confine its members' requests.
	ctx = viewer.NewContext(ctx, viewer.Viewer{TenantID: req.TenantID, Role: viewer.RoleOwner})
	c := tx.Client()
	var subject *ent.Contact
	if req.ContactID != nil {
		subject, err = c.Contact.Get(ctx, *req.ContactID)
		if err != nil && !ent.IsNotFound(err) {
			return err
		}
	}
	done := c.PrivacyRequest.UpdateOne(req).SetCompletedAt(s.now())
	if subject == nil {
		// Erased by an earlier request, or deleted from the inbox.
		return done.SetStatus(privacyrequest.StatusREJECTED).
			SetOutcome("The contact no longer exists: there is no data left to act on.").ClearCorrection().Exec(ctx)
	}
	var outcome string
	switch req.Kind {
	case privacyrequest.KindACCESS, privacyrequest.KindEXPORT:
		var doc *Document
		if doc, err = s.export(ctx, c, req, subject); err == nil {
			var raw []byte
			if raw, err = doc.JSON(); err == nil {
				done.SetExport(raw)
				err = s.expireLater(ctx, c, req)
				outcome = fmt.Sprintf("Exported the contact with %d conversations, %d messages, %d consent changes, %d campaign messages and %d audit entries.",
					len(doc.Conversations), doc.messageCount(), len(doc.ConsentHistory), len(doc.CampaignRecipients), len(doc.AuditEntries))
			}
		}
	case privacyrequest.KindCORRECTION:
		outcome, err = s.correct(ctx, c, req, subject)
		done.ClearCorrection()
	case privacyrequest.KindDELETION:
		outcome, err = s.erase(ctx, tx, req, subject)
		done.ClearPhone()
	case privacyrequest.KindRESTRICTION:
		err = c.Contact.UpdateOne(subject).SetRestricted(true).Exec(ctx)
		outcome = "The contact is restricted: its data is kept, and nothing is sent to it (replies, templates, campaigns) until an admin lifts the restriction."
	case privacyrequest.KindOBJECTION:
		outcome, err = s.object(ctx, c, subject)
	}
	if rejected, ok := apperr.As(err); ok {
		// The request cannot be carried out as asked (a corrected phone
		// that another contact holds): say why, and finish it.
		return done.SetStatus(privacyrequest.StatusREJECTED).SetOutcome(rejected.Message).ClearCorrection().Exec(ctx)
	}
	if err != nil {
		return err
	}
	return done.SetStatus(privacyrequest.StatusCOMPLETED).SetOutcome(outcome).Exec(ctx)
}

// Dead is ProcessJob's OnDead record: a request whose job gave up stays
// visible as IN_PROGRESS with the failure in its outcome, for an operator
// to look into and retry (switchboard jobs retry), rather than looking
// merely received.
func (s *Service) Dead(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
	id, err := ProcessJob.Payload(j)
	if err != nil {
		return nil
	}
	return tx.PrivacyRequest.Update().Where(privacyrequest.ID(id), privacyrequest.StatusEQ(privacyrequest.StatusRECEIVED)).
		SetStatus(privacyrequest.StatusIN_PROGRESS).
		SetOutcome(fmt.Sprintf("Stalled: carrying out the request failed %d times (%s); its job is kept as a dead job for an operator to retry (switchboard jobs retry).",
			j.Attempts, j.LastError)).
		Exec(viewer.System(ctx))
}

// correct applies a CORRECTION's values and says which fields changed.
func (s *Service) correct(ctx context.Context, c *ent.Client, req *ent.PrivacyRequest, subject *ent.Contact) (string, error) {
	u := c.Contact.UpdateOne(subject)
	var changed []string
	if name, ok := req.Correction["name"]; ok && name != subject.Name {
		if name == "" {
			u.ClearName()
		} else {
			u.SetName(name)
		}
		changed = append(changed, "name")
	}
	if phone, ok := req.Correction["phone"]; ok && (subject.Phone == nil || phone != *subject.Phone) {
		taken, err := c.Contact.Query().Where(contact.Phone(phone), contact.IDNEQ(subject.ID)).Exist(ctx)
		if err != nil {
			return "", err
		}
		if taken {
			return "", apperr.New(apperr.Conflict, "Not corrected: another contact of this account already has the corrected phone number.")
		}
		u.SetPhone(phone)
		changed = append(changed, "phone")
	}
	if len(changed) == 0 {
		return "Nothing to correct: the contact already holds the corrected values.", nil
	}
	if err := u.Exec(ctx); err != nil {
		return "", err
	}
	slices.Sort(changed)
	return "Corrected: " + strings.Join(changed, ", ") + ".", audit.Record(ctx, c, audit.Entry{Action: audit.ContactUpdate,
		TargetType: audit.TargetContact, TargetID: subject.ID, Metadata: map[string]any{"fields": changed, "privacyRequest": string(req.ID)}})
}

// object records an objection to marketing: the contact is opted out, with
// the objection as the source, in its consent history.
func (s *Service) object(ctx context.Context, c *ent.Client, subject *ent.Contact) (string, error) {
	now := s.now()
	err := c.Contact.UpdateOne(subject).SetOptInStatus(contact.OptInStatusOPTED_OUT).
		SetOptInSource(contacts.SourceObjection).SetOptInAt(now).Exec(ctx)
	if err != nil {
		return "", err
	}
	if err := contacts.RecordConsent(ctx, c, subject.TenantID, subject.ID, contact.OptInStatusOPTED_OUT, contacts.SourceObjection, now); err != nil {
		return "", err
	}
	return "The contact objected to marketing: it is opted out, and no campaign or marketing template reaches it.", nil
}

// expireLater queues the deletion of req's export after ExportTTL.
func (s *Service) expireLater(ctx context.Context, c *ent.Client, req *ent.PrivacyRequest) error {
	sys := viewer.System(ctx)
	j, err := ExpireExportJob.Enqueue(sys, c, req.TenantID, req.ID)
	if err != nil {
		return err
	}
	return c.Job.UpdateOne(j).SetRunAt(s.now().Add(ExportTTL)).Exec(sys)
}

// ExpireExport is ExpireExportJob's handler: the document goes, the
// request and its outcome stay.
func (s *Service) ExpireExport(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
	id, err := ExpireExportJob.Payload(j)
	if err != nil {
		return err
	}
	return tx.PrivacyRequest.Update().Where(privacyrequest.ID(id), privacyrequest.ExportNotNil()).
		ClearExport().Exec(viewer.System(ctx))
}
