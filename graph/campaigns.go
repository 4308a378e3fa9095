package graph

import (
	"context"

	"entgo.io/contrib/entgql"

	"switchboard/ent"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/schema/schematype"
	"switchboard/graph/model"
	"switchboard/internal/pulid"
)

func (r *Resolver) createCampaign(ctx context.Context, in model.CreateCampaignInput) (*ent.Campaign, error) {
	return nil, errNotYet
}

func (r *Resolver) startCampaign(ctx context.Context, id pulid.ID) (*ent.Campaign, error) {
	return nil, errNotYet
}

func (r *Resolver) pauseCampaign(ctx context.Context, id pulid.ID) (*ent.Campaign, error) {
	return nil, errNotYet
}

func (r *Resolver) resumeCampaign(ctx context.Context, id pulid.ID) (*ent.Campaign, error) {
	return nil, errNotYet
}

func (r *Resolver) cancelCampaign(ctx context.Context, id pulid.ID) (*ent.Campaign, error) {
	return nil, errNotYet
}

func (r *Resolver) campaigns(ctx context.Context, after *entgql.Cursor[pulid.ID], first *int, before *entgql.Cursor[pulid.ID], last *int) (*ent.CampaignConnection, error) {
	return nil, errNotYet
}

func (r *Resolver) exportCampaignRecipients(ctx context.Context, id pulid.ID) (string, error) {
	return "", errNotYet
}

func (r *Resolver) campaignProgress(ctx context.Context, id pulid.ID) (<-chan *ent.Campaign, error) {
	return nil, errNotYet
}

func (r *Resolver) campaignStats(ctx context.Context, c *ent.Campaign) (*model.CampaignStats, error) {
	return nil, errNotYet
}

func (r *Resolver) campaignFunnel(ctx context.Context, c *ent.Campaign) (*model.CampaignFunnel, error) {
	return nil, errNotYet
}

func (r *Resolver) recipientStatus(ctx context.Context, cr *ent.CampaignRecipient) (campaignrecipient.Status, error) {
	return cr.Status, nil
}

func (r *Resolver) recipientError(ctx context.Context, cr *ent.CampaignRecipient) (*schematype.Error, error) {
	return cr.Error, nil
}

func (r *Resolver) recipientReason(ctx context.Context, cr *ent.CampaignRecipient) (*string, error) {
	if cr.SkipReason == "" {
		return nil, nil
	}
	return &cr.SkipReason, nil
}
