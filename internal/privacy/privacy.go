// Package privacy carries out data subjects' requests: access and export
// (one JSON document with everything about the person), correction,
// deletion (erasure everywhere the person's data lives), restriction and
// objection. A request is recorded by Create, in the caller's transaction
// with its audit entry and its job; the job (ProcessJob) moves it
// RECEIVED → IN_PROGRESS → COMPLETED or REJECTED, with a plain-words
// outcome, well within its due date (30 days, the legal limit).
package privacy

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/ent"
	"switchboard/ent/contact"
	"switchboard/ent/privacyrequest"
	"switchboard/internal/apperr"
	"switchboard/internal/audit"
	"switchboard/internal/contacts"
	"switchboard/internal/jobs"
	"switchboard/internal/media"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// ProcessJob carries out one privacy request; its payload is the request's
// id.
var ProcessJob = jobs.IDKind("privacy.process", "PR")

// ExpireExportJob deletes an ACCESS or EXPORT request's document once it
// has been available for ExportTTL: a copy of a person's whole history is
// not kept longer than it takes to hand it over.
var ExpireExportJob = jobs.IDKind("privacy.expire_export", "PR")

const (
	// DueIn is how long a request may take at most: the GDPR's one month,
	// kept as the 30 days privacy policies promise.
	DueIn = 30 * 24 * time.Hour
	// MaxDetailsLen bounds a request's free-text details, in characters.
	MaxDetailsLen = 2000
	// ExportTTL is how long an export stays readable.
	ExportTTL = 30 * 24 * time.Hour
)

// Service records and carries out privacy requests.
type Service struct {
	// Media holds message files, erased with their messages.
	Media *media.Store
	// Checkpoint, when set, runs after an erasure commits, so erased data
	// leaves the database files too (store.DB.Checkpoint).
	Checkpoint func(context.Context) error
	Log        *slog.Logger
	now        func() time.Time
}

// New returns a Service.
func New(store *media.Store, checkpoint func(context.Context) error, log *slog.Logger) *Service {
	return &Service{Media: store, Checkpoint: checkpoint, Log: log, now: time.Now}
}

// SetClock makes the service read time from now (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// CreateInput is a request as a member records it. The subject is a
// contact of the tenant, named by ContactID or Phone (exactly one).
type CreateInput struct {
	Kind       privacyrequest.Kind
	ContactID  *pulid.ID
	Phone      *string
	Details    string
	Correction *Correction
}

// Correction is what a CORRECTION changes; nil fields stay as they are.
type Correction struct {
	Name  *string
	Phone *string
}

// Create records a request and queues its job, with c (the mutation's
// transaction). The subject must be a contact of the caller's tenant: an
// unknown contact and another tenant's are the same NOT_FOUND.
func (s *Service) Create(ctx context.Context, c *ent.Client, in CreateInput) (*ent.PrivacyRequest, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return nil, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	if err := privacyrequest.KindValidator(in.Kind); err != nil {
		return nil, apperr.Input("kind", "unknown kind %q", in.Kind)
	}
	if in.Kind == privacyrequest.KindACCOUNT_DELETION {
		return nil, apperr.Input("kind", "an account is deleted by its owner with deleteAccount")
	}
	if (in.ContactID == nil) == (in.Phone == nil) {
		return nil, apperr.Input("contactId", "name the subject by exactly one of contactId and phone")
	}
	details := strings.TrimSpace(in.Details)
	if !utf8.ValidString(details) || utf8.RuneCountInString(details) > MaxDetailsLen {
		return nil, apperr.Input("details", "details must be valid text of at most %d characters", MaxDetailsLen)
	}
	correction, err := checkCorrection(in)
	if err != nil {
		return nil, err
	}
	subject, err := findSubject(ctx, c, in)
	if err != nil {
		return nil, err
	}
	code, err := NewConfirmationCode()
	if err != nil {
		return nil, err
	}
	source := privacyrequest.SourceDASHBOARD
	if v.APIKeyID != "" {
		source = privacyrequest.SourceAPI
	}
	now := s.now()
	q := c.PrivacyRequest.Create().SetKind(in.Kind).SetSource(source).SetContactID(subject.ID).
		SetConfirmationCode(code).SetDueAt(now.Add(DueIn))
	if subject.Phone != nil {
		q.SetPhone(*subject.Phone)
	}
	if details != "" {
		q.SetDetails(details)
	}
	if len(correction) > 0 {
		q.SetCorrection(correction)
	}
	if v.UserID != "" {
		q.SetRequestedByID(v.UserID)
	}
	req, err := q.Save(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := ProcessJob.Enqueue(viewer.System(ctx), c, v.TenantID, req.ID); err != nil {
		return nil, err
	}
	return req, audit.Record(ctx, c, audit.Entry{Action: audit.PrivacyRequest, TargetType: audit.TargetPrivacyRequest,
		TargetID: req.ID, Metadata: map[string]any{"kind": string(in.Kind), "contactId": string(subject.ID)}})
}

// checkCorrection validates a CORRECTION's new values, returned as contact
// field → value (phone normalized to E.164).
func checkCorrection(in CreateInput) (map[string]string, error) {
	if in.Correction == nil {
		if in.Kind == privacyrequest.KindCORRECTION {
			return nil, apperr.Input("correction", "a CORRECTION needs the corrected values")
		}
		return nil, nil
	}
	if in.Kind != privacyrequest.KindCORRECTION {
		return nil, apperr.Input("correction", "only a CORRECTION carries corrected values")
	}
	out := map[string]string{}
	if p := in.Correction.Phone; p != nil {
		phone, err := contacts.NormalizePhone(*p)
		if err != nil {
			return nil, err
		}
		out["phone"] = phone
	}
	if n := in.Correction.Name; n != nil {
		name := strings.TrimSpace(*n)
		if !utf8.ValidString(name) || len(name) > contacts.MaxNameLen {
			return nil, apperr.Input("correction.name", "a name is valid text of at most %d bytes", contacts.MaxNameLen)
		}
		out["name"] = name
	}
	if len(out) == 0 {
		return nil, apperr.Input("correction", "a CORRECTION needs at least one corrected value")
	}
	return out, nil
}

// findSubject returns the tenant's contact the request names.
func findSubject(ctx context.Context, c *ent.Client, in CreateInput) (*ent.Contact, error) {
	var (
		ct  *ent.Contact
		err error
	)
	if in.ContactID != nil {
		ct, err = c.Contact.Get(ctx, *in.ContactID)
	} else {
		phone, perr := contacts.NormalizePhone(*in.Phone)
		if perr != nil {
			// Numbers Meta delivered are stored as they came ("+" and
			// the wa_id's digits), even where the numbering plan's
			// tables call them invalid: those are found as written.
			raw := "+" + strings.TrimPrefix(strings.TrimSpace(*in.Phone), "+")
			if known, _ := c.Contact.Query().Where(contact.Phone(raw)).Only(ctx); known != nil {
				return known, nil
			}
			return nil, perr
		}
		ct, err = c.Contact.Query().Where(contact.Phone(phone)).Only(ctx)
	}
	if ent.IsNotFound(err) {
		return nil, apperr.New(apperr.NotFound, "no such contact")
	}
	return ct, err
}

// NewConfirmationCode returns a random code that names a request to the
// person who made it (Meta's callback answer, the status page): 120 bits,
// as 24 lowercase base32 characters, so it cannot be guessed.
func NewConfirmationCode() (string, error) {
	var b [15]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("privacy: confirmation code: %w", err)
	}
	return strings.ToLower(base32.StdEncoding.EncodeToString(b[:])), nil
}
