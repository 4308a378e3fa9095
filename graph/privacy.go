package graph

import (
	"context"
	"encoding/json"

	"entgo.io/contrib/entgql"

	"switchboard/ent"
	"switchboard/ent/contact"
	"switchboard/ent/privacyrequest"
	"switchboard/ent/schema/schematype"
	"switchboard/graph/model"
	"switchboard/internal/audit"
	"switchboard/internal/contacts"
	"switchboard/internal/events"
	"switchboard/internal/privacy"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Privacy requests are an admin's work: recording one, listing them and
// reading what an export holds all need ADMIN (a request read through
// node(id) too, since its export is the subject's whole history).

func (r *Resolver) createPrivacyRequest(ctx context.Context, in model.CreatePrivacyRequestInput) (*ent.PrivacyRequest, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	ci := privacy.CreateInput{Kind: in.Kind, ContactID: in.ContactID, Phone: in.Phone, Details: orEmpty(in.Details)}
	if c := in.Correction; c != nil {
		ci.Correction = &privacy.Correction{Name: c.Name, Phone: c.Phone}
	}
	req, err := r.Privacy.Create(ctx, r.client(ctx), ci)
	if err != nil {
		return nil, err
	}
	if tx := ent.TxFromContext(ctx); tx != nil && r.WakeJobs != nil {
		events.AfterCommit(tx, r.WakeJobs)
	}
	return req, nil
}

func (r *Resolver) privacyRequests(ctx context.Context, after *entgql.Cursor[pulid.ID], first *int, before *entgql.Cursor[pulid.ID], last *int, f *model.PrivacyRequestFilter) (*ent.PrivacyRequestConnection, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	q := r.client(ctx).PrivacyRequest.Query()
	if f != nil {
		if f.Status != nil {
			q.Where(privacyrequest.StatusEQ(*f.Status))
		}
		if f.Kind != nil {
			q.Where(privacyrequest.KindEQ(*f.Kind))
		}
	}
	return q.Paginate(ctx, after, first, before, last,
		ent.WithPrivacyRequestOrder(&ent.PrivacyRequestOrder{Direction: entgql.OrderDirectionDesc, Field: ent.PrivacyRequestOrderFieldCreatedAt}))
}

// privacyExport is the request's document with a fresh signed link to
// each stored file (mediaUrl); every read is audited, since it hands out
// a person's whole history.
func (r *Resolver) privacyExport(ctx context.Context, req *ent.PrivacyRequest) (schematype.JSON, error) {
	doc, err := exportOf(ctx, req)
	if doc == nil || err != nil {
		return nil, err
	}
	for i := range doc.Conversations {
		for j := range doc.Conversations[i].Messages {
			m := &doc.Conversations[i].Messages[j]
			if m.Media != nil && m.Media.State == string(schematype.MediaStored) && r.MediaLinks != nil {
				m.Media.MediaURL = r.MediaLinks.URL(m.ID)
			}
		}
	}
	if err := r.auditExportRead(ctx, req, "json"); err != nil {
		return nil, err
	}
	return doc.JSON()
}

// privacyExportCSV is the subject's contact record in the contacts CSV
// format (portability: another tool imports it).
func (r *Resolver) privacyExportCSV(ctx context.Context, req *ent.PrivacyRequest) (*string, error) {
	doc, err := exportOf(ctx, req)
	if doc == nil || err != nil {
		return nil, err
	}
	ct := doc.Contact
	out, err := contacts.ExportOne(ct.Phone, ct.Name, ct.Tags, contact.OptInStatus(ct.OptInStatus))
	if err != nil {
		return nil, err
	}
	if err := r.auditExportRead(ctx, req, "csv"); err != nil {
		return nil, err
	}
	return &out, nil
}

// exportOf is the request's document for an admin; nil when it has none
// (not an export, not done yet, or expired).
func exportOf(ctx context.Context, req *ent.PrivacyRequest) (*privacy.Document, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	if len(req.Export) == 0 {
		return nil, nil
	}
	var doc privacy.Document
	if err := json.Unmarshal(req.Export, &doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

func (r *Resolver) auditExportRead(ctx context.Context, req *ent.PrivacyRequest, format string) error {
	return audit.Record(ctx, r.client(ctx), audit.Entry{Action: audit.PrivacyExport, TargetType: audit.TargetPrivacyRequest,
		TargetID: req.ID, Metadata: map[string]any{"format": format, "read": true}})
}

func (r *Resolver) privacyRequestContact(ctx context.Context, req *ent.PrivacyRequest) (*ent.Contact, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	if req.ContactID == nil {
		return nil, nil
	}
	ct, err := r.client(ctx).Contact.Get(ctx, *req.ContactID)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return ct, err
}

func (r *Resolver) consentHistory(ctx context.Context, ct *ent.Contact) ([]*model.ConsentChange, error) {
	history, err := contacts.ConsentHistory(ctx, r.client(ctx), ct.ID)
	if err != nil {
		return nil, err
	}
	out := make([]*model.ConsentChange, len(history))
	for i, h := range history {
		out[i] = &model.ConsentChange{Status: contact.OptInStatus(h.Status), Source: h.Source, At: h.At}
	}
	return out, nil
}
