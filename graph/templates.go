package graph

import (
	"context"
	"encoding/json"

	"entgo.io/contrib/entgql"

	"switchboard/ent"
	"switchboard/graph/model"
	"switchboard/internal/pulid"
	"switchboard/internal/templates"
	"switchboard/internal/viewer"
)

// The template mutations call Meta, so they run outside the request's
// transaction (handler.go skips it for them) and write in their own once
// Meta has answered.

func (r *Resolver) createTemplate(ctx context.Context, in model.CreateTemplateInput) (*ent.Template, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	ci := templates.CreateInput{ChannelID: in.ChannelID, Draft: templates.Draft{
		Name: in.Name, Language: in.Language, Category: in.Category, Components: json.RawMessage(in.Components),
	}}
	if in.ParameterFormat != nil {
		ci.ParameterFormat = *in.ParameterFormat
	}
	return r.Templates.Create(ctx, r.client(ctx), ci)
}

func (r *Resolver) syncTemplates(ctx context.Context, channelID pulid.ID) ([]*ent.Template, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	return r.Templates.Sync(ctx, r.client(ctx), channelID)
}

func (r *Resolver) deleteTemplate(ctx context.Context, id pulid.ID) (bool, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return false, err
	}
	if err := r.Templates.Delete(ctx, r.client(ctx), id); err != nil {
		return false, err
	}
	return true, nil
}

func (r *Resolver) templates(ctx context.Context, after *entgql.Cursor[pulid.ID], first *int, before *entgql.Cursor[pulid.ID], last *int, filter *model.TemplateFilter) (*ent.TemplateConnection, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	var f templates.Filter
	if filter != nil {
		f.Search = orEmpty(filter.Search)
		if filter.Status != nil {
			f.Status = *filter.Status
		}
		if filter.Category != nil {
			f.Category = *filter.Category
		}
		if filter.ChannelID != nil {
			f.ChannelID = *filter.ChannelID
		}
	}
	return templates.List(ctx, r.client(ctx), after, first, before, last, f)
}
