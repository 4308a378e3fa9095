package graph

import (
	"context"
	"errors"
	"strconv"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/vikstrous/dataloadgen"

	"switchboard/ent"
	"switchboard/ent/campaign"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/schema/schematype"
	"switchboard/graph/model"
	"switchboard/internal/campaigns"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// progressEvery is how often campaignProgress looks at a campaign's stats.
const progressEvery = 500 * time.Millisecond

func (r *Resolver) createCampaign(ctx context.Context, in model.CreateCampaignInput) (*ent.Campaign, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	ci := campaigns.CreateInput{Name: in.Name, ChannelID: in.ChannelID, TemplateID: in.TemplateID,
		Parameters: in.Parameters, ScheduledAt: in.ScheduledAt}
	if in.Audience != nil {
		ci.Tags, ci.ContactIDs = in.Audience.Tags, in.Audience.ContactIds
	}
	return r.Campaigns.Create(ctx, r.client(ctx), ci)
}

func (r *Resolver) startCampaign(ctx context.Context, id pulid.ID) (*ent.Campaign, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	return r.Campaigns.Start(ctx, r.client(ctx), id)
}

func (r *Resolver) pauseCampaign(ctx context.Context, id pulid.ID) (*ent.Campaign, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	return r.Campaigns.Pause(ctx, r.client(ctx), id)
}

func (r *Resolver) resumeCampaign(ctx context.Context, id pulid.ID) (*ent.Campaign, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	return r.Campaigns.Resume(ctx, r.client(ctx), id)
}

func (r *Resolver) cancelCampaign(ctx context.Context, id pulid.ID) (*ent.Campaign, error) {
	if _, err := role(ctx, viewer.RoleAdmin); err != nil {
		return nil, err
	}
	return r.Campaigns.Cancel(ctx, r.client(ctx), id)
}

func (r *Resolver) campaigns(ctx context.Context, after *entgql.Cursor[pulid.ID], first *int, before *entgql.Cursor[pulid.ID], last *int) (*ent.CampaignConnection, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	return r.client(ctx).Campaign.Query().Paginate(ctx, after, first, before, last,
		ent.WithCampaignOrder(&ent.CampaignOrder{Direction: entgql.OrderDirectionDesc, Field: ent.CampaignOrderFieldCreatedAt}))
}

func (r *Resolver) exportCampaignRecipients(ctx context.Context, id pulid.ID) (string, error) {
	if _, err := member(ctx); err != nil {
		return "", err
	}
	c := r.client(ctx)
	if _, err := c.Campaign.Get(ctx, id); err != nil {
		return "", err
	}
	return campaigns.ExportCSV(ctx, c, id)
}

// campaignProgress emits the campaign now and whenever its status or stats
// change, until it is COMPLETED or CANCELLED (that value included) or the
// client leaves.
func (r *Resolver) campaignProgress(ctx context.Context, id pulid.ID) (<-chan *ent.Campaign, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	if _, err := r.Client.Campaign.Get(ctx, id); err != nil {
		return nil, err
	}
	out := make(chan *ent.Campaign, 1)
	go func() {
		defer close(out)
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		var last string
		for {
			cp, err := r.Client.Campaign.Get(ctx, id)
			if err != nil {
				if ctx.Err() == nil {
					r.Log.WarnContext(ctx, "campaign progress ended", "err", err)
				}
				return
			}
			st, err := campaigns.StatsOf(ctx, r.Client, id)
			if err != nil {
				if ctx.Err() == nil {
					r.Log.WarnContext(ctx, "campaign progress ended", "err", err)
				}
				return
			}
			if now := progressKey(cp, st); now != last {
				last = now
				select {
				case out <- cp:
				case <-ctx.Done():
					return
				}
			}
			if cp.Status == campaign.StatusCOMPLETED || cp.Status == campaign.StatusCANCELLED {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return out, nil
}

// progressKey changes whenever what a progress client shows changes.
func progressKey(cp *ent.Campaign, st campaigns.Stats) string {
	return string(cp.Status) + cp.PausedReason + "|" + itoa(st.Total, st.Pending, st.Queued, st.Sent, st.Delivered, st.Read, st.Failed, st.Skipped)
}

func (r *Resolver) campaignStats(ctx context.Context, c *ent.Campaign) (*model.CampaignStats, error) {
	st, err := campaigns.StatsOf(ctx, r.client(ctx), c.ID)
	if err != nil {
		return nil, err
	}
	return &model.CampaignStats{Total: st.Total, Pending: st.Pending, Queued: st.Queued, Sent: st.Sent,
		Delivered: st.Delivered, Read: st.Read, Failed: st.Failed, Skipped: st.Skipped}, nil
}

func (r *Resolver) campaignFunnel(ctx context.Context, c *ent.Campaign) (*model.CampaignFunnel, error) {
	f, err := campaigns.FunnelOf(ctx, r.client(ctx), c.ID)
	if err != nil {
		return nil, err
	}
	return &model.CampaignFunnel{Sent: f.Sent, Delivered: f.Delivered, Read: f.Read, Replied: f.Replied}, nil
}

// recipientStatus is a recipient's outcome: its message's status once it
// has one.
func (r *Resolver) recipientStatus(ctx context.Context, cr *ent.CampaignRecipient) (campaignrecipient.Status, error) {
	m, err := r.recipientMessage(ctx, cr)
	if err != nil {
		return "", err
	}
	return campaigns.RecipientStatus(&ent.CampaignRecipient{Status: cr.Status, Edges: ent.CampaignRecipientEdges{Message: m}}), nil
}

// recipientError is Meta's error of the recipient's failed message.
func (r *Resolver) recipientError(ctx context.Context, cr *ent.CampaignRecipient) (*schematype.Error, error) {
	m, err := r.recipientMessage(ctx, cr)
	if err != nil || m == nil {
		return cr.Error, err
	}
	return m.Error, nil
}

func (r *Resolver) recipientReason(_ context.Context, cr *ent.CampaignRecipient) (*string, error) {
	if cr.SkipReason == "" {
		return nil, nil
	}
	return &cr.SkipReason, nil
}

// recipientMessage reads the status and error of the recipient's message
// (an eager-loaded message edge holds only the fields the query selected),
// batched with the page's other recipients by the operation's loader.
func (r *Resolver) recipientMessage(ctx context.Context, cr *ent.CampaignRecipient) (*ent.Message, error) {
	if cr.MessageID == nil {
		return nil, nil
	}
	l := loadersOf(ctx)
	if l == nil { // outside an operation (no AroundOperations hook ran)
		m, err := r.fetchMessageOutcomes(ctx, []pulid.ID{*cr.MessageID})
		if err != nil {
			return nil, err
		}
		return m[*cr.MessageID], nil
	}
	m, err := l.messageOutcome.Load(ctx, *cr.MessageID)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return nil, nil
	}
	return m, err
}

func itoa(ns ...int) string {
	b := make([]byte, 0, 8*len(ns))
	for _, n := range ns {
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, ',')
	}
	return string(b)
}
