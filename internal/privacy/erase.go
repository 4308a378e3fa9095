package privacy

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/conversation"
	"switchboard/ent/job"
	"switchboard/ent/message"
	"switchboard/ent/pendingstatus"
	"switchboard/ent/privacyrequest"
	"switchboard/ent/webhookevent"
	"switchboard/internal/audit"
	"switchboard/internal/contacts"
	"switchboard/internal/events"
	"switchboard/internal/media"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// erasePage bounds the rows one erasure query reads.
const erasePage = 500

// erase carries out a DELETION: the subject's personal data and message
// contents go from everywhere they live, in this order, so that a failed
// attempt (the job retries it) never leaves a row pointing to nothing the
// next attempt could not find again:
//
//  1. raw webhook payloads and kept early statuses: items about the
//     subject are pruned (redact), others' items stay;
//  2. job payloads that name the subject's messages or identifiers;
//  3. stored media files of the subject's messages;
//  4. the rows: campaign recipients, messages, conversations, consent
//     history and the contact (contacts.Service.Delete);
//  5. exports already produced for the subject by earlier requests, and
//     the phone and free-text details those requests were recorded with.
//
// What stays: the request itself with its confirmation code (no phone),
// audit entries (ids and actions, no personal data), the tenant's event
// log entries (ids only), and the anonymous aggregates: billing usage and
// the daily message counts already rolled up. After the commit, embedded
// mode checkpoints the WAL (s.Checkpoint).
func (s *Service) erase(ctx context.Context, tx *ent.Tx, req *ent.PrivacyRequest, ct *ent.Contact) (string, error) {
	c := tx.Client()
	ids := identifiers(ct)
	convs, err := c.Conversation.Query().Where(conversation.ContactID(ct.ID)).IDs(ctx)
	if err != nil {
		return "", err
	}
	payloads, err := s.redactPayloads(ctx, c, req.TenantID, ids)
	if err != nil {
		return "", err
	}
	messages, files, err := s.eraseMessageTraces(ctx, c, req.TenantID, convs)
	if err != nil {
		return "", err
	}
	// Jobs and raw webhooks are system rows (no member reads them): they
	// are confined to the tenant by explicit predicates.
	jobsGone, err := c.Job.Delete().Where(job.TenantID(req.TenantID), job.StatusNEQ(job.StatusRUNNING),
		payloadMentions(job.FieldPayload, ids)).Exec(viewer.System(ctx))
	if err != nil {
		return "", err
	}
	if _, err := c.CampaignRecipient.Delete().Where(campaignrecipient.ContactID(ct.ID)).Exec(ctx); err != nil {
		return "", err
	}
	if err := contacts.New().Delete(ctx, c, ct.ID); err != nil {
		return "", err
	}
	err = c.PrivacyRequest.Update().Where(privacyrequest.ContactID(ct.ID), privacyrequest.IDNEQ(req.ID)).
		ClearExport().ClearPhone().ClearCorrection().ClearDetails().Exec(ctx)
	if err != nil {
		return "", err
	}
	err = audit.Record(ctx, c, audit.Entry{Action: audit.PrivacyErase, TargetType: audit.TargetPrivacyRequest, TargetID: req.ID,
		Metadata: map[string]any{"conversations": len(convs), "messages": messages, "files": files,
			"rawPayloads": payloads, "jobs": jobsGone}})
	if err != nil {
		return "", err
	}
	if s.Checkpoint != nil {
		events.AfterCommit(tx, func() {
			if err := s.Checkpoint(context.WithoutCancel(ctx)); err != nil {
				s.Log.WarnContext(ctx, "privacy: checkpoint after erasure", "request", req.ID, "err", err)
			}
		})
	}
	return fmt.Sprintf("Erased the contact, %d conversations, %d messages and %d files; %d raw webhook payloads were redacted. "+
		"Kept: this request and its confirmation code, audit entries without personal data, and anonymous counts.",
		len(convs), messages, files, payloads), nil
}

// identifiers are the strings by which Meta's payloads name the subject:
// the phone's digits (Meta's wa_id, from, recipient_id), the WhatsApp id
// and the business-scoped user id.
func identifiers(ct *ent.Contact) []string {
	var out []string
	add := func(s string) {
		// Short strings would match unrelated numbers and ids.
		if len(s) >= 6 && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if ct.Phone != nil {
		add(strings.TrimPrefix(*ct.Phone, "+"))
	}
	add(ct.WaID)
	if ct.UserID != nil {
		add(*ct.UserID)
	}
	return out
}

// redactPayloads prunes the subject from the tenant's raw webhook events
// (processed or not: a pending one then creates nothing of theirs) and
// deletes the early statuses kept for their messages. It returns how
// many payloads changed.
func (s *Service) redactPayloads(ctx context.Context, c *ent.Client, tenant pulid.ID, ids []string) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	sys := viewer.System(ctx)
	changed := 0
	var after pulid.ID
	for {
		q := c.WebhookEvent.Query().Where(webhookevent.TenantID(tenant), payloadMentions(webhookevent.FieldPayload, ids)).
			Order(ent.Asc(webhookevent.FieldID)).Limit(erasePage)
		if after != "" {
			q.Where(webhookevent.IDGT(after))
		}
		page, err := q.All(sys)
		if err != nil {
			return 0, err
		}
		for _, ev := range page {
			if out, ok := redact(ev.Payload, ids); ok {
				if err := c.WebhookEvent.UpdateOne(ev).SetPayload(out).Exec(sys); err != nil {
					return 0, err
				}
				changed++
			}
		}
		if len(page) < erasePage {
			break
		}
		after = page[len(page)-1].ID
	}
	_, err := c.PendingStatus.Delete().Where(pendingstatus.TenantID(tenant), payloadMentions(pendingstatus.FieldRaw, ids)).Exec(ctx)
	return changed, err
}

// eraseMessageTraces deletes the stored files of the conversations'
// messages, and the jobs that name those messages (downloads, read
// receipts); the rows themselves go with the contact. It returns how many
// messages and files there were.
func (s *Service) eraseMessageTraces(ctx context.Context, c *ent.Client, tenant pulid.ID, convs []pulid.ID) (messages, files int, err error) {
	if len(convs) == 0 {
		return 0, 0, nil
	}
	var after pulid.ID
	for {
		q := c.Message.Query().Where(message.ConversationIDIn(convs...)).Order(ent.Asc(message.FieldID)).Limit(erasePage)
		if after != "" {
			q.Where(message.IDGT(after))
		}
		page, err := q.Select(message.FieldID, message.FieldMedia, message.FieldExternalID).
			Modify(media.LockForErasure).All(ctx)
		if err != nil {
			return 0, 0, err
		}
		named := make([]string, 0, 2*len(page))
		for _, m := range page {
			if m.Media != nil && s.Media != nil {
				if err := s.Media.DeleteMessageFile(ctx, tenant, m.ID, m.Media); err != nil {
					return 0, 0, err
				}
				files++
			}
			named = append(named, string(m.ID))
			if m.ExternalID != nil {
				named = append(named, *m.ExternalID)
			}
		}
		if _, err := c.Job.Delete().Where(job.TenantID(tenant), job.StatusNEQ(job.StatusRUNNING),
			payloadMentions(job.FieldPayload, named)).Exec(viewer.System(ctx)); err != nil {
			return 0, 0, err
		}
		messages += len(page)
		if len(page) < erasePage {
			return messages, files, nil
		}
		after = page[len(page)-1].ID
	}
}

// payloadMentions matches rows whose bytes column holds one of ids. Raw
// payloads are opaque bytes to the database, so this is a substring search
// (PostgreSQL's position on bytea, SQLite's instr), confined by the
// caller to one tenant's rows; redact then decides item by item.
func payloadMentions(column string, ids []string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		if len(ids) == 0 {
			s.Where(sql.False())
			return
		}
		ps := make([]*sql.Predicate, len(ids))
		for i, id := range ids {
			ps[i] = sql.P(func(b *sql.Builder) {
				if s.Dialect() == dialect.Postgres {
					b.WriteString("position(").Arg([]byte(id)).WriteString(" in ").WriteString(s.C(column)).WriteString(") > 0")
				} else {
					b.WriteString("instr(").WriteString(s.C(column)).WriteString(", ").Arg([]byte(id)).WriteString(") > 0")
				}
			})
		}
		s.Where(sql.Or(ps...))
	}
}
