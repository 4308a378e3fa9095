package account

import (
	"context"
	"fmt"
	"time"

	"switchboard/ent"
	"switchboard/ent/apikey"
	"switchboard/ent/auditlog"
	"switchboard/ent/campaign"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/channel"
	"switchboard/ent/consentevent"
	"switchboard/ent/contact"
	"switchboard/ent/conversation"
	"switchboard/ent/event"
	"switchboard/ent/job"
	"switchboard/ent/message"
	"switchboard/ent/messagedaily"
	"switchboard/ent/pendingstatus"
	"switchboard/ent/privacyrequest"
	"switchboard/ent/session"
	"switchboard/ent/template"
	"switchboard/ent/tenant"
	"switchboard/ent/user"
	"switchboard/ent/webhookevent"
	"switchboard/internal/events"
	"switchboard/internal/media"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// step bounds the rows of one table one erase transaction deletes, so a
// large account is erased in many short transactions rather than one that
// holds locks for minutes.
const step = 1000

// ErasedName replaces an erased account's name.
const ErasedName = "Erased account"

// Erase is EraseJob's handler. It does nothing for an account whose
// deletion was cancelled (ACTIVE again) or is already erased; otherwise it
// deletes up to step rows of each table in an order the foreign keys
// allow, and queues itself again while any table had more. The last run
// deletes the stored files, leaves the tenant row nameless with erased_at,
// and completes the deletion's privacy request.
func (s *Service) Erase(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
	id, err := EraseJob.Payload(j)
	if err != nil {
		return err
	}
	ctx = viewer.System(ctx)
	t, err := tx.Tenant.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if t.Status != tenant.StatusDELETING || t.ErasedAt != nil {
		return nil
	}
	c := tx.Client()
	more := false
	for _, erase := range s.steps(c, id) {
		n, err := erase(ctx)
		if err != nil {
			return err
		}
		if n >= step {
			more = true
		}
	}
	if more {
		_, err := EraseJob.Enqueue(ctx, c, id, id)
		return err
	}
	if s.Checkpoint != nil {
		events.AfterCommit(tx, func() {
			if err := s.Checkpoint(context.WithoutCancel(ctx)); err != nil {
				s.Log.WarnContext(ctx, "account: checkpoint after erasure", "tenant", id, "err", err)
			}
		})
	}
	return s.finish(ctx, c, t)
}

// steps are the deletions of one round, children before parents.
func (s *Service) steps(c *ent.Client, t pulid.ID) []func(context.Context) (int, error) {
	return []func(context.Context) (int, error){
		func(ctx context.Context) (int, error) {
			ids, err := c.CampaignRecipient.Query().Where(campaignrecipient.TenantID(t)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.CampaignRecipient.Delete().Where(campaignrecipient.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) { return s.messages(ctx, c, t) },
		func(ctx context.Context) (int, error) {
			ids, err := c.Conversation.Query().Where(conversation.TenantID(t)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			// A conversation whose messages are not all gone yet waits
			// for the next round (its messages are deleted first).
			return c.Conversation.Delete().Where(conversation.IDIn(ids...), conversation.Not(conversation.HasMessages())).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.ConsentEvent.Query().Where(consentevent.TenantID(t)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.ConsentEvent.Delete().Where(consentevent.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.Contact.Query().Where(contact.TenantID(t), contact.Not(contact.HasConversations())).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.Contact.Delete().Where(contact.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.Campaign.Query().Where(campaign.TenantID(t), campaign.Not(campaign.HasRecipients())).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.Campaign.Delete().Where(campaign.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.Template.Query().Where(template.TenantID(t), template.Not(template.HasCampaigns())).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.Template.Delete().Where(template.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.Event.Query().Where(event.TenantID(t)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.Event.Delete().Where(event.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.PendingStatus.Query().Where(pendingstatus.TenantID(t)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.PendingStatus.Delete().Where(pendingstatus.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.WebhookEvent.Query().Where(webhookevent.TenantID(t), webhookevent.StatusNEQ(webhookevent.StatusPENDING)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.WebhookEvent.Delete().Where(webhookevent.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.Job.Query().Where(job.TenantID(t), job.StatusNEQ(job.StatusRUNNING), job.KindNEQ(EraseJob.Name)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.Job.Delete().Where(job.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.MessageDaily.Query().Where(messagedaily.TenantID(t)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.MessageDaily.Delete().Where(messagedaily.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.PrivacyRequest.Query().Where(privacyrequest.TenantID(t),
				privacyrequest.KindNEQ(privacyrequest.KindACCOUNT_DELETION)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.PrivacyRequest.Delete().Where(privacyrequest.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.APIKey.Query().Where(apikey.TenantID(t)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.APIKey.Delete().Where(apikey.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.Session.Query().Where(session.TenantID(t)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.Session.Delete().Where(session.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.AuditLog.Query().Where(auditlog.TenantID(t)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.AuditLog.Delete().Where(auditlog.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.User.Query().Where(user.TenantID(t)).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.User.Delete().Where(user.IDIn(ids...)).Exec(ctx)
		},
		func(ctx context.Context) (int, error) {
			ids, err := c.Channel.Query().Where(channel.TenantID(t), channel.Not(channel.HasConversations()),
				channel.Not(channel.HasCampaigns()), channel.Not(channel.HasTemplates())).Limit(step).IDs(ctx)
			if err != nil || len(ids) == 0 {
				return 0, err
			}
			return c.Channel.Delete().Where(channel.IDIn(ids...)).Exec(ctx)
		},
	}
}

// messages deletes up to step of the tenant's messages with their files.
func (s *Service) messages(ctx context.Context, c *ent.Client, t pulid.ID) (int, error) {
	ms, err := c.Message.Query().Where(message.TenantID(t)).Limit(step).
		Select(message.FieldID, message.FieldMedia).Modify(media.LockForErasure).All(ctx)
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	ids := make([]pulid.ID, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
		if m.Media != nil && s.Media != nil {
			if err := s.Media.DeleteMessageFile(ctx, t, m.ID, m.Media); err != nil {
				return 0, err
			}
		}
	}
	// The recipients and conversations that point at these messages let
	// go of them first (their foreign keys are SET NULL on PostgreSQL and
	// SQLite alike, but stating it keeps this step independent of that).
	if err := c.Conversation.Update().Where(conversation.LastMessageIDIn(ids...)).ClearLastMessageID().Exec(ctx); err != nil {
		return 0, err
	}
	return c.Message.Delete().Where(message.IDIn(ids...)).Exec(ctx)
}

// finish deletes the files no message names (uploads), leaves the tenant
// row nameless and erased, and completes the deletion's request.
func (s *Service) finish(ctx context.Context, c *ent.Client, t *ent.Tenant) error {
	files := 0
	if s.Media != nil {
		n, err := s.Media.DeletePrefix(ctx, string(t.ID)+"/")
		if err != nil {
			return err
		}
		files = n
	}
	now := s.now()
	if err := c.Tenant.UpdateOne(t).SetName(ErasedName).SetErasedAt(now).Exec(ctx); err != nil {
		return err
	}
	s.Log.InfoContext(ctx, "account erased", "tenant", t.ID, "leftover_files", files)
	return c.PrivacyRequest.Update().Where(privacyrequest.TenantID(t.ID), privacyrequest.KindEQ(privacyrequest.KindACCOUNT_DELETION),
		privacyrequest.StatusEQ(privacyrequest.StatusRECEIVED)).
		SetStatus(privacyrequest.StatusCOMPLETED).SetCompletedAt(now).
		SetOutcome(fmt.Sprintf("All of the account's data was erased on %s. Kept: billing usage counts (no personal data, 7 years) and this record.",
			now.UTC().Format(time.RFC3339))).Exec(ctx)
}
