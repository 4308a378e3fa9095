package retention

import (
	"context"
	"fmt"
	"time"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/pulid"
)

// purgeMessages clears the contents of the tenant's messages whose
// timestamp is older than its messageRetentionDays, a page at a time, in
// timestamp order through the (tenant_id, purged_at, timestamp) index:
// already purged messages are not read again. It returns how many
// messages it purged and how many stored files it deleted.
//
// Two kinds of message wait for a later run instead: a QUEUED outbound
// one (the outbox still needs its contents to send it) and one whose
// file is still being downloaded (the download would write the file
// after the purge deleted it). The keyset steps past them.
func (p *Purger) purgeMessages(ctx context.Context, t *ent.Tenant, now time.Time) (msgs, files int64, err error) {
	cutoff := now.AddDate(0, 0, -t.MessageRetentionDays)
	var after *ent.Message
	for {
		page, err := p.messagePage(ctx, t.ID, cutoff, after)
		if err != nil || len(page) == 0 {
			return msgs, files, err
		}
		m, f, err := p.purgePage(ctx, t, page, now)
		msgs, files = msgs+m, files+f
		if err != nil {
			return msgs, files, err
		}
		if err := p.renew(ctx); err != nil {
			return msgs, files, err
		}
		if len(page) < p.batch() {
			return msgs, files, nil
		}
		after = page[len(page)-1]
	}
}

// messagePage is the next page of the tenant's unpurged messages before
// cutoff, after the message after (nil: from the oldest).
func (p *Purger) messagePage(ctx context.Context, t pulid.ID, cutoff time.Time, after *ent.Message) ([]*ent.Message, error) {
	q := p.Client.Message.Query().Where(message.TenantID(t), message.PurgedAtIsNil(), message.TimestampLT(cutoff),
		message.StatusNEQ(message.StatusQUEUED))
	if after != nil {
		q.Where(message.TimestampGTE(after.Timestamp), message.Or(message.TimestampGT(after.Timestamp),
			message.IDGT(after.ID)))
	}
	return q.Order(ent.Asc(message.FieldTimestamp), ent.Asc(message.FieldID)).Limit(p.batch()).
		Select(message.FieldID, message.FieldTimestamp, message.FieldMedia, message.FieldError).All(ctx)
}

// purgePage purges one page: the stored files first, then the rows in one
// transaction. A failure between the two leaves rows whose files are gone
// but which are not yet marked; the next run finds them and finishes.
// Every update is conditioned on purged_at being unset, so a message is
// counted once however many runs (or replicas whose lease lapsed) reach it.
func (p *Purger) purgePage(ctx context.Context, t *ent.Tenant, page []*ent.Message, now time.Time) (msgs, files int64, err error) {
	var plain []pulid.ID
	var rich []*ent.Message
	for _, m := range page {
		switch {
		case m.Media != nil && m.Media.State == schematype.MediaPending:
			continue
		case m.Media == nil && m.Error == nil:
			plain = append(plain, m.ID)
		default:
			rich = append(rich, m)
		}
	}
	if p.Media != nil {
		for _, m := range rich {
			if m.Media == nil {
				continue
			}
			if err := p.Media.DeleteMessageFile(ctx, t.ID, m.ID, m.Media); err != nil {
				return 0, 0, err
			}
		}
	}
	tx, err := p.Client.Tx(ctx)
	if err != nil {
		return 0, 0, err
	}
	if len(plain) > 0 {
		n, err := tx.Message.Update().Where(message.IDIn(plain...), message.PurgedAtIsNil()).
			ClearText().ClearRaw().SetPurgedAt(now).Save(ctx)
		if err != nil {
			return 0, 0, rollback(tx, err)
		}
		msgs += int64(n)
	}
	for _, m := range rich {
		upd := tx.Message.Update().Where(message.ID(m.ID), message.PurgedAtIsNil()).
			ClearText().ClearRaw().SetPurgedAt(now)
		if m.Media != nil {
			upd.SetMedia(purgedMedia(m.Media, t.MessageRetentionDays))
		}
		if m.Error != nil {
			// Meta's code and title say why the message failed; the
			// details may quote the message or the customer.
			upd.SetError(&schematype.Error{Code: m.Error.Code, Title: m.Error.Title})
		}
		n, err := upd.Save(ctx)
		if err != nil {
			return 0, 0, rollback(tx, err)
		}
		msgs += int64(n)
		if n == 1 && m.Media != nil && m.Media.State == schematype.MediaStored {
			files++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	return msgs, files, nil
}

// purgedMedia is what stays of a purged message's media: its type, size
// and hash (no content), and state PURGED with the reason. Meta's media
// id, the store key, the link, the caption and the filename go.
func purgedMedia(md *schematype.Media, days int) *schematype.Media {
	return &schematype.Media{
		MimeType: md.MimeType,
		Size:     md.Size,
		SHA256:   md.SHA256,
		State:    schematype.MediaPurged,
		Reason:   fmt.Sprintf("deleted by the message retention policy (%d days)", days),
	}
}

func rollback(tx *ent.Tx, err error) error {
	_ = tx.Rollback()
	return err
}
