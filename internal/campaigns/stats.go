package campaigns

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"time"

	"switchboard/ent"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/message"
	"switchboard/ent/predicate"
	"switchboard/internal/contacts"
	"switchboard/internal/pulid"
)

// Stats are a campaign's recipients by outcome; Total is the sum of the
// others. A recipient with a message has its message's status.
type Stats struct {
	Total, Pending, Queued, Sent, Delivered, Read, Failed, Skipped int
}

// StatsOf counts with two grouped queries and a count: recipients by
// their own status (PENDING, SKIPPED, or QUEUED once they have a message),
// the campaign's messages by theirs (index campaign_id, status), and its
// messages not tried yet, which count as pending.
func StatsOf(ctx context.Context, c *ent.Client, id pulid.ID) (Stats, error) {
	var st Stats
	var recips []struct {
		Status campaignrecipient.Status `json:"status"`
		Count  int                      `json:"count"`
	}
	err := c.CampaignRecipient.Query().Where(campaignrecipient.CampaignID(id)).
		GroupBy(campaignrecipient.FieldStatus).Aggregate(ent.Count()).Scan(ctx, &recips)
	if err != nil {
		return st, err
	}
	for _, r := range recips {
		st.Total += r.Count
		switch r.Status {
		case campaignrecipient.StatusPENDING:
			st.Pending += r.Count
		case campaignrecipient.StatusSKIPPED:
			st.Skipped += r.Count
		}
	}
	var msgs []struct {
		Status message.Status `json:"status"`
		Count  int            `json:"count"`
	}
	err = c.Message.Query().Where(message.CampaignID(id)).
		GroupBy(message.FieldStatus).Aggregate(ent.Count()).Scan(ctx, &msgs)
	if err != nil {
		return st, err
	}
	// A message the outbox made ahead and has not tried yet is still
	// pending for the recipient: nothing is on its way.
	waiting, err := c.Message.Query().Where(message.CampaignID(id), notTried()).Count(ctx)
	if err != nil {
		return st, err
	}
	st.Pending += waiting
	for _, m := range msgs {
		switch m.Status {
		case message.StatusQUEUED:
			st.Queued += m.Count - waiting
		case message.StatusSENT:
			st.Sent += m.Count
		case message.StatusDELIVERED:
			st.Delivered += m.Count
		case message.StatusREAD:
			st.Read += m.Count
		case message.StatusFAILED:
			st.Failed += m.Count
		}
	}
	return st, nil
}

// Funnel is how far a campaign's messages got; each step counts the
// messages that reached it or went further.
type Funnel struct {
	Sent, Delivered, Read, Replied int
}

// FunnelOf counts the steps from the messages' timestamps, and the replies
// from the conversations: a recipient replied if the contact wrote within
// 24 hours after the message was sent.
func FunnelOf(ctx context.Context, c *ent.Client, id pulid.ID) (Funnel, error) {
	var f Funnel
	sentAt := map[pulid.ID]time.Time{} // conversation → when the campaign's message was sent
	var after pulid.ID
	for {
		q := c.Message.Query().Where(message.CampaignID(id)).Order(ent.Asc(message.FieldID)).Limit(exportPage)
		if after != "" {
			q.Where(message.IDGT(after))
		}
		page, err := q.Select(message.FieldID, message.FieldConversationID, message.FieldStatus,
			message.FieldSentAt, message.FieldDeliveredAt, message.FieldReadAt).All(ctx)
		if err != nil {
			return f, err
		}
		for _, m := range page {
			read := m.ReadAt != nil || m.Status == message.StatusREAD
			delivered := read || m.DeliveredAt != nil || m.Status == message.StatusDELIVERED
			sent := delivered || m.SentAt != nil || m.Status == message.StatusSENT
			if sent {
				f.Sent++
				if m.SentAt != nil {
					sentAt[m.ConversationID] = *m.SentAt
				}
			}
			if delivered {
				f.Delivered++
			}
			if read {
				f.Read++
			}
		}
		if len(page) < exportPage {
			break
		}
		after = page[len(page)-1].ID
	}
	if len(sentAt) == 0 {
		return f, nil
	}
	convs := make([]pulid.ID, 0, len(sentAt))
	earliest := time.Time{}
	for conv, at := range sentAt {
		convs = append(convs, conv)
		if earliest.IsZero() || at.Before(earliest) {
			earliest = at
		}
	}
	replied := map[pulid.ID]bool{}
	for start := 0; start < len(convs); start += exportPage {
		part := convs[start:min(start+exportPage, len(convs))]
		inbound, err := c.Message.Query().
			Where(message.ConversationIDIn(part...), message.DirectionEQ(message.DirectionINBOUND),
				message.TimestampGTE(earliest.Truncate(time.Second))).
			Select(message.FieldConversationID, message.FieldTimestamp).All(ctx)
		if err != nil {
			return f, err
		}
		for _, m := range inbound {
			at := sentAt[m.ConversationID]
			// Meta's timestamps are whole seconds: a reply in the second
			// the message was sent counts.
			if !m.Timestamp.Before(at.Truncate(time.Second)) && !m.Timestamp.After(at.Add(24*time.Hour)) {
				replied[m.ConversationID] = true
			}
		}
	}
	f.Replied = len(replied)
	return f, nil
}

// exportPage is how many rows one query of an export or count reads.
const exportPage = 1000

// ExportCSV writes every recipient of a campaign, SKIPPED ones included,
// with its status and outcome. Cells a spreadsheet would run are escaped
// as contacts' export does.
func ExportCSV(ctx context.Context, c *ent.Client, id pulid.ID) (string, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"contact_id", "phone", "name", "status", "reason", "error_code", "error_title",
		"message_id", "external_id", "sent_at", "delivered_at", "read_at"})
	var after pulid.ID
	for {
		q := c.CampaignRecipient.Query().Where(campaignrecipient.CampaignID(id)).
			Order(ent.Asc(campaignrecipient.FieldID)).Limit(exportPage).WithContact().WithMessage()
		if after != "" {
			q.Where(campaignrecipient.IDGT(after))
		}
		page, err := q.All(ctx)
		if err != nil {
			return "", err
		}
		for _, r := range page {
			ct, m := r.Edges.Contact, r.Edges.Message
			row := []string{string(r.ContactID), "", "", string(RecipientStatus(r)), contacts.EscapeCell(r.SkipReason),
				"", "", "", "", "", "", ""}
			if ct != nil {
				if ct.Phone != nil {
					row[1] = *ct.Phone
				}
				row[2] = contacts.EscapeCell(ct.Name)
			}
			if m != nil {
				if m.Error != nil {
					row[5], row[6] = strconv.Itoa(m.Error.Code), contacts.EscapeCell(m.Error.Title)
				}
				row[7] = string(m.ID)
				if m.ExternalID != nil {
					row[8] = *m.ExternalID
				}
				row[9], row[10], row[11] = stamp(m.SentAt), stamp(m.DeliveredAt), stamp(m.ReadAt)
			}
			_ = w.Write(row)
		}
		if len(page) < exportPage {
			break
		}
		after = page[len(page)-1].ID
	}
	w.Flush()
	return buf.String(), w.Error()
}

// RecipientStatus is a recipient's outcome: its message's status once it
// has one (loaded in r.Edges.Message), else its own.
func RecipientStatus(r *ent.CampaignRecipient) campaignrecipient.Status {
	m := r.Edges.Message
	if m == nil {
		return r.Status
	}
	switch m.Status {
	case message.StatusQUEUED:
		if m.SendState != nil && *m.SendState == message.SendStateREADY && m.Attempts == 0 {
			return campaignrecipient.StatusPENDING // made ahead, not tried yet (notTried)
		}
	case message.StatusSENT:
		return campaignrecipient.StatusSENT
	case message.StatusDELIVERED:
		return campaignrecipient.StatusDELIVERED
	case message.StatusREAD:
		return campaignrecipient.StatusREAD
	case message.StatusFAILED:
		return campaignrecipient.StatusFAILED
	}
	return campaignrecipient.StatusQUEUED
}

// notTried matches campaign messages the outbox made ahead of sending
// (internal/outbox's feed) and has not tried yet.
func notTried() predicate.Message {
	return message.And(message.StatusEQ(message.StatusQUEUED), message.SendStateEQ(message.SendStateREADY), message.Attempts(0))
}

func stamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
