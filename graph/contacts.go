package graph

import (
	"context"

	"entgo.io/contrib/entgql"

	"switchboard/ent"
	"switchboard/graph/model"
	"switchboard/internal/contacts"
	"switchboard/internal/pulid"
)

// Contacts are worked by every member role (API.md: agents work contacts),
// so these resolvers only require a signed-in caller.

func (r *Resolver) createContact(ctx context.Context, in model.CreateContactInput) (*ent.Contact, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	ci := contacts.CreateInput{Phone: in.Phone, Name: orEmpty(in.Name), Tags: in.Tags, OptInSource: orEmpty(in.OptInSource)}
	if in.OptInStatus != nil {
		ci.OptInStatus = *in.OptInStatus
	}
	return r.Contacts.Create(ctx, r.client(ctx), ci)
}

func (r *Resolver) updateContact(ctx context.Context, id pulid.ID, in model.UpdateContactInput) (*ent.Contact, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	return r.Contacts.Update(ctx, r.client(ctx), id, contacts.UpdateInput{
		Phone: in.Phone, Name: in.Name, Tags: in.Tags, OptInStatus: in.OptInStatus,
		OptInSource: in.OptInSource, Restricted: in.Restricted,
	})
}

func (r *Resolver) deleteContact(ctx context.Context, id pulid.ID) (bool, error) {
	if _, err := member(ctx); err != nil {
		return false, err
	}
	if err := r.Contacts.Delete(ctx, r.client(ctx), id); err != nil {
		return false, err
	}
	return true, nil
}

func (r *Resolver) importContacts(ctx context.Context, csv string) (*model.ImportContactsResult, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	res, err := r.Contacts.Import(ctx, r.client(ctx), csv)
	if err != nil {
		return nil, err
	}
	out := &model.ImportContactsResult{Created: res.Created, Updated: res.Updated, Failed: res.Failed,
		Errors: make([]*model.ImportError, len(res.Errors))}
	for i, e := range res.Errors {
		out.Errors[i] = &model.ImportError{Line: e.Line, Message: e.Message}
	}
	return out, nil
}

func (r *Resolver) contacts(ctx context.Context, after *entgql.Cursor[pulid.ID], first *int, before *entgql.Cursor[pulid.ID], last *int, orderBy *ent.ContactOrder, filter *model.ContactFilter) (*ent.ContactConnection, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	var f contacts.Filter
	if filter != nil {
		f.Search, f.Tag = orEmpty(filter.Search), orEmpty(filter.Tag)
		if filter.OptInStatus != nil {
			f.OptInStatus = *filter.OptInStatus
		}
	}
	return r.Contacts.List(ctx, r.client(ctx), after, first, before, last, orderBy, f)
}

func (r *Resolver) exportContacts(ctx context.Context) (string, error) {
	if _, err := member(ctx); err != nil {
		return "", err
	}
	return r.Contacts.Export(ctx, r.client(ctx))
}

// orEmpty reads an optional GraphQL string; absent and empty are the same.
func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
