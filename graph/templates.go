package graph

import (
	"context"

	"entgo.io/contrib/entgql"

	"switchboard/ent"
	"switchboard/graph/model"
	"switchboard/internal/apperr"
	"switchboard/internal/pulid"
)

// errNotYet answers operations of a capability still being built.
var errNotYet = apperr.New(apperr.BadUserInput, "not available yet")

func (r *Resolver) createTemplate(ctx context.Context, in model.CreateTemplateInput) (*ent.Template, error) {
	return nil, errNotYet
}

func (r *Resolver) syncTemplates(ctx context.Context, channelID pulid.ID) ([]*ent.Template, error) {
	return nil, errNotYet
}

func (r *Resolver) deleteTemplate(ctx context.Context, id pulid.ID) (bool, error) {
	return false, errNotYet
}

func (r *Resolver) templates(ctx context.Context, after *entgql.Cursor[pulid.ID], first *int, before *entgql.Cursor[pulid.ID], last *int, filter *model.TemplateFilter) (*ent.TemplateConnection, error) {
	return nil, errNotYet
}
