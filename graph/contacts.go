package graph

import (
	"context"

	"entgo.io/contrib/entgql"

	"switchboard/ent"
	"switchboard/graph/model"
	"switchboard/internal/pulid"
)

func (r *Resolver) createContact(ctx context.Context, in model.CreateContactInput) (*ent.Contact, error) {
	return nil, errTODO
}

func (r *Resolver) updateContact(ctx context.Context, id pulid.ID, in model.UpdateContactInput) (*ent.Contact, error) {
	return nil, errTODO
}

func (r *Resolver) deleteContact(ctx context.Context, id pulid.ID) (bool, error) {
	return false, errTODO
}

func (r *Resolver) importContacts(ctx context.Context, csv string) (*model.ImportContactsResult, error) {
	return nil, errTODO
}

func (r *Resolver) contacts(ctx context.Context, after *entgql.Cursor[pulid.ID], first *int, before *entgql.Cursor[pulid.ID], last *int, orderBy *ent.ContactOrder, filter *model.ContactFilter) (*ent.ContactConnection, error) {
	return nil, errTODO
}

func (r *Resolver) exportContacts(ctx context.Context) (string, error) { return "", errTODO }
