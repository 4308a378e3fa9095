package campaigns

import (
	"context"
	"log/slog"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/campaign"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/channel"
	"switchboard/ent/message"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// tick is how often Run looks at campaigns' clocks.
const tick = time.Second

// Run starts scheduled campaigns when their time comes, completes running
// ones that have nothing left to send, and resumes those the messaging
// limit paused once the rolling 24 hours allow, until ctx ends. Every
// replica runs it; each change is a conditional update, so one replica
// makes it.
func (s *Service) Run(ctx context.Context, log *slog.Logger) {
	ctx = viewer.System(ctx)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if err := s.Step(ctx); err != nil && ctx.Err() == nil {
			log.Error("campaigns: step", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Step does one round of Run's work.
func (s *Service) Step(ctx context.Context) error {
	ctx = viewer.System(ctx)
	woke := false
	due, err := s.client.Campaign.Query().
		Where(campaign.StatusEQ(campaign.StatusSCHEDULED), campaign.ScheduledAtLTE(s.now())).All(ctx)
	if err != nil {
		return err
	}
	for _, cp := range due {
		started, err := s.startScheduled(ctx, cp)
		if err != nil {
			return err
		}
		woke = woke || started
	}
	if err := s.complete(ctx); err != nil {
		return err
	}
	resumed, err := s.resumeLimited(ctx)
	if err != nil {
		return err
	}
	if (woke || resumed) && s.wake != nil {
		s.wake()
	}
	return nil
}

// startScheduled starts a campaign whose time has come; one whose template
// is not APPROVED then pauses with the reason.
func (s *Service) startScheduled(ctx context.Context, cp *ent.Campaign) (bool, error) {
	tx, err := s.client.Tx(ctx)
	if err != nil {
		return false, err
	}
	_, err = s.start(ctx, tx.Client(), cp)
	if err != nil {
		_ = tx.Rollback()
		tp, terr := s.client.Template.Get(ctx, cp.TemplateID)
		if terr != nil {
			return false, terr
		}
		return false, Pause(ctx, s.client, cp.ID, campaign.PauseKindTEMPLATE,
			"its time came while its template was "+string(tp.Status)+": resume it once Meta approves the template")
	}
	return true, tx.Commit()
}

// complete marks RUNNING campaigns with no recipient left to claim and no
// message still QUEUED as COMPLETED.
func (s *Service) complete(ctx context.Context) error {
	running, err := s.client.Campaign.Query().Where(campaign.StatusEQ(campaign.StatusRUNNING),
		campaign.Not(campaign.HasRecipientsWith(campaignrecipient.StatusEQ(campaignrecipient.StatusPENDING)))).
		IDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range running {
		busy, err := s.client.Message.Query().
			Where(message.CampaignID(id), message.StatusEQ(message.StatusQUEUED)).Exist(ctx)
		if err != nil {
			return err
		}
		if busy {
			continue
		}
		if err := s.client.Campaign.Update().Where(campaign.ID(id), campaign.StatusEQ(campaign.StatusRUNNING)).
			SetStatus(campaign.StatusCOMPLETED).SetCompletedAt(s.now()).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// resumeLimited resumes campaigns the messaging limit paused, on channels
// whose last 24 hours leave room again (or that no longer have a limit).
func (s *Service) resumeLimited(ctx context.Context) (bool, error) {
	paused, err := s.client.Campaign.Query().
		Where(campaign.StatusEQ(campaign.StatusPAUSED), campaign.PauseKindEQ(campaign.PauseKindLIMIT)).
		WithChannel().All(ctx)
	if err != nil {
		return false, err
	}
	resumed := false
	for _, cp := range paused {
		ch := cp.Edges.Channel
		if ch.Status != channel.StatusCONNECTED {
			continue
		}
		if ch.MessagingLimit != nil {
			used, err := UsedLimit(ctx, s.client, ch.ID, s.now())
			if err != nil {
				return false, err
			}
			if used >= *ch.MessagingLimit {
				continue
			}
		}
		n, err := s.client.Campaign.Update().
			Where(campaign.ID(cp.ID), campaign.StatusEQ(campaign.StatusPAUSED), campaign.PauseKindEQ(campaign.PauseKindLIMIT)).
			SetStatus(campaign.StatusRUNNING).ClearPauseKind().ClearPausedReason().Save(ctx)
		if err != nil {
			return false, err
		}
		resumed = resumed || n > 0
	}
	return resumed, nil
}

// UsedLimit is how much of a channel's messaging limit the last 24 hours
// used: the customers it reached outside their service window.
func UsedLimit(ctx context.Context, c *ent.Client, channelID pulid.ID, now time.Time) (int, error) {
	return c.Message.Query().
		Where(message.ChannelID(channelID), message.OutsideWindow(true), message.TimestampGT(now.Add(-24*time.Hour))).
		Modify(func(s *sql.Selector) { s.Select(sql.Count(sql.Distinct(s.C(message.FieldConversationID)))) }).
		Int(ctx)
}
