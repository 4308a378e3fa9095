package outbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/campaign"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/channel"
	"switchboard/ent/contact"
	"switchboard/ent/conversation"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/internal/campaigns"
	"switchboard/internal/contacts"
	"switchboard/internal/events"
	"switchboard/internal/pulid"
	"switchboard/internal/sqlexpr"
	"switchboard/internal/templates"
)

// campaignPriority puts broadcast messages behind agents' replies (0) in
// a channel's queue.
const campaignPriority = 1

// feedPoll is how often the feeder looks whether the sender's queue of
// campaign messages needs refilling.
const feedPoll = 50 * time.Millisecond

// maxRefill bounds the recipients one refill turns into messages (one
// transaction).
const maxRefill = 1000

// feed turns the channel's campaign recipients into messages ahead of the
// sender, until ctx ends: it keeps between one and two seconds' worth of
// them READY (refill), so that the sender's claim stays a few cheap
// statements and a reply, queued in front of them (campaignPriority),
// never waits behind a recipient's templating, conversation and event log
// writes. The messages wait READY, not claimed: a replica that dies leaves
// them to be sent by the next, and a pause holds them (runningOrNoCampaign).
func (s *sender) feed(ctx context.Context) {
	for ctx.Err() == nil && !s.isStopped() {
		n, err := s.refill(ctx)
		if err != nil && ctx.Err() == nil && !errors.Is(err, errLeaseLost) {
			s.o.log.Error("outbox: refill campaign messages", "channel", s.ch.ID, "err", err)
		}
		if n > 0 {
			s.poke()
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(feedPoll):
		}
	}
}

// refill tops up the channel's sendable campaign messages (READY, due, of
// a campaign that may send) to two seconds' worth when fewer than one
// second's are left, and returns how many it made. The count is read
// outside a transaction, so that an idle look takes no write lock (SQLite);
// the messages are made in one transaction, by the holder of the sender
// lease only.
func (s *sender) refill(ctx context.Context) (int, error) {
	second := max(1, int(s.configuredRate()))
	now := s.o.now()
	ready, err := s.o.client.Message.Query().Where(message.ChannelID(s.ch.ID), message.SendStateEQ(message.SendStateREADY),
		message.SendPriority(campaignPriority), message.SendAfterLTE(now), runningOrNoCampaign()).Count(ctx)
	if err != nil || ready >= second {
		return 0, err
	}
	tx, err := s.o.client.Tx(ctx)
	if err != nil {
		return 0, err
	}
	ch, err := tx.Channel.Query().Where(channel.ID(s.ch.ID), channel.SenderLease(s.token),
		channel.SenderOwner(s.o.opt.Owner), channel.StatusEQ(channel.StatusCONNECTED)).Only(ctx)
	if ent.IsNotFound(err) {
		err = errLeaseLost
	}
	if err != nil {
		return 0, rollback(tx, err)
	}
	made, err := s.queueRecipients(ctx, tx, ch, now, min(2*second-ready, maxRefill))
	if err != nil {
		return 0, rollback(tx, err)
	}
	return made, tx.Commit()
}

// queueRecipients turns up to n PENDING recipients of the channel's
// RUNNING campaigns into READY messages in tx, and returns how many: the
// recipient row is QUEUED with its message in the same transaction, so it
// never gets a second one. Within the channel's messaging limit (unique
// customers reached outside a service window in the last 24 hours) only;
// at the limit, the campaigns pause with the reason and campaigns.Run
// resumes them when the 24 hours allow.
func (s *sender) queueRecipients(ctx context.Context, tx *ent.Tx, ch *ent.Channel, now time.Time, n int) (int, error) {
	// The running campaigns' rows are held FOR SHARE (PostgreSQL) until
	// the claim commits: a pause or cancel that came first is seen, one
	// that comes later waits, so a cancel never skips a recipient this
	// refill gives a message. SQLite serializes writers anyway.
	q := tx.Campaign.Query().Where(campaign.ChannelID(ch.ID), campaign.StatusEQ(campaign.StatusRUNNING)).
		Order(ent.Asc(campaign.FieldID))
	if s.o.opt.RowLocks {
		q.ForShare()
	}
	running, err := q.IDs(ctx)
	if err != nil || len(running) == 0 {
		return 0, err
	}
	recips, err := tx.CampaignRecipient.Query().
		Where(campaignrecipient.StatusEQ(campaignrecipient.StatusPENDING), campaignrecipient.CampaignIDIn(running...)).
		Order(ent.Asc(campaignrecipient.FieldID)).Limit(n).WithContact().All(ctx)
	if err != nil || len(recips) == 0 {
		return 0, err
	}
	cps, err := s.campaignsOf(ctx, tx, recips)
	if err != nil {
		return 0, err
	}
	convs, err := s.conversationsOf(ctx, tx, ch, recips)
	if err != nil {
		return 0, err
	}
	if recips, err = s.withinLimit(ctx, tx, ch, now, recips, convs); err != nil || len(recips) == 0 {
		return 0, err
	}
	var (
		creates []*ent.MessageCreate
		out     []*ent.Message
		specs   []events.Spec
	)
	var sendable []*ent.CampaignRecipient
	for _, r := range recips {
		cp, ct, conv := cps[r.CampaignID], r.Edges.Contact, convs[r.ContactID]
		spec, text, err := render(cp, cp.Edges.Template, ct)
		if err != nil {
			// This contact's values do not fit the template (too long, a
			// new line): it is skipped with the reason, the rest go.
			if err := tx.CampaignRecipient.UpdateOne(r).SetStatus(campaignrecipient.StatusSKIPPED).
				SetSkipReason(truncateReason(err.Error())).Exec(ctx); err != nil {
				return 0, err
			}
			continue
		}
		sendable = append(sendable, r)
		raw, err := jsonOf(spec)
		if err != nil {
			return 0, err
		}
		id := pulid.New("MS")
		outside := conv.ServiceWindowExpiresAt == nil || !now.Before(*conv.ServiceWindowExpiresAt)
		creates = append(creates, tx.Message.Create().SetID(id).SetTenantID(ch.TenantID).SetConversationID(conv.ID).
			SetChannelID(ch.ID).SetDirection(message.DirectionOUTBOUND).SetType(message.TypeTEMPLATE).
			SetStatus(message.StatusQUEUED).SetTimestamp(now).SetText(text).SetRaw(raw).
			SetSendState(message.SendStateREADY).SetSendAfter(now).
			SetSendPriority(campaignPriority).SetCampaignID(cp.ID).SetOutsideWindow(outside))
		out = append(out, &ent.Message{ID: id, ConversationID: conv.ID})
		specs = append(specs, events.Spec{Kind: event.KindMESSAGE_CREATED, ConversationID: conv.ID, MessageID: id},
			events.Spec{Kind: event.KindCONVERSATION_UPDATED, ConversationID: conv.ID})
	}
	if len(creates) == 0 {
		return 0, nil
	}
	for part := range slices.Chunk(creates, maxBulkRows) {
		if err := tx.Message.CreateBulk(part...).Exec(ctx); err != nil {
			return 0, err
		}
	}
	if err := markQueued(ctx, tx, sendable, out); err != nil {
		return 0, err
	}
	if err := setLastMessages(ctx, tx, out, now); err != nil {
		return 0, err
	}
	return len(out), events.Append(ctx, tx, s.o.notifier, ch.TenantID, specs...)
}

// maxBulkRows bounds the rows of one multi-row INSERT of messages (about
// twenty parameters each), below SQLite's 32,766 bound parameters.
const maxBulkRows = 500

// markQueued marks the recipients QUEUED with their messages (out[i]
// is sendable[i]'s) in one statement. They were PENDING when read, so each
// must change: a row that did not would be a recipient
// with a message it does not know of, and the claim is rolled back.
func markQueued(ctx context.Context, tx *ent.Tx, sendable []*ent.CampaignRecipient, out []*ent.Message) error {
	ids := make([]pulid.ID, len(sendable))
	msgs := make([]pulid.ID, len(sendable))
	for i, r := range sendable {
		ids[i], msgs[i] = r.ID, out[i].ID
	}
	n, err := tx.CampaignRecipient.Update().
		Where(campaignrecipient.IDIn(ids...), campaignrecipient.StatusEQ(campaignrecipient.StatusPENDING)).
		SetStatus(campaignrecipient.StatusQUEUED).
		Modify(func(u *sql.UpdateBuilder) {
			u.Set(campaignrecipient.FieldMessageID,
				sqlexpr.CaseOf(campaignrecipient.FieldID, ids, msgs, campaignrecipient.FieldMessageID))
		}).Save(ctx)
	if err != nil {
		return err
	}
	if n != len(ids) {
		return fmt.Errorf("outbox: %d of %d recipients changed meanwhile", len(ids)-n, len(ids))
	}
	return nil
}

// setLastMessages makes each message its conversation's last, unless the
// conversation has a newer one, in one statement. A conversation twice in
// the batch (a contact in two running campaigns) gets its last message.
func setLastMessages(ctx context.Context, tx *ent.Tx, out []*ent.Message, now time.Time) error {
	last := map[pulid.ID]pulid.ID{}
	for _, m := range out {
		last[m.ConversationID] = m.ID // ids grow: the later one wins
	}
	convs := make([]pulid.ID, 0, len(last))
	msgs := make([]pulid.ID, 0, len(last))
	for conv, m := range last {
		convs, msgs = append(convs, conv), append(msgs, m)
	}
	return tx.Conversation.Update().
		Where(conversation.IDIn(convs...), conversation.Or(conversation.LastMessageAtIsNil(), conversation.LastMessageAtLTE(now))).
		SetLastMessageAt(now).
		Modify(func(u *sql.UpdateBuilder) {
			u.Set(conversation.FieldLastMessageID,
				sqlexpr.CaseOf(conversation.FieldID, convs, msgs, conversation.FieldLastMessageID))
		}).Exec(ctx)
}

// campaignsOf loads the recipients' campaigns with their templates.
func (s *sender) campaignsOf(ctx context.Context, tx *ent.Tx, recips []*ent.CampaignRecipient) (map[pulid.ID]*ent.Campaign, error) {
	var ids []pulid.ID
	for _, r := range recips {
		ids = append(ids, r.CampaignID)
	}
	cps, err := tx.Campaign.Query().Where(campaign.IDIn(uniqIDs(ids)...)).WithTemplate().All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[pulid.ID]*ent.Campaign, len(cps))
	for _, cp := range cps {
		out[cp.ID] = cp
	}
	return out, nil
}

// conversationsOf finds or opens the conversation of each recipient's
// contact on the channel: one insert that skips existing ones, one read.
func (s *sender) conversationsOf(ctx context.Context, tx *ent.Tx, ch *ent.Channel, recips []*ent.CampaignRecipient) (map[pulid.ID]*ent.Conversation, error) {
	var ids []pulid.ID
	for _, r := range recips {
		ids = append(ids, r.ContactID)
	}
	ids = uniqIDs(ids)
	creates := make([]*ent.ConversationCreate, len(ids))
	for i, id := range ids {
		creates[i] = tx.Conversation.Create().SetTenantID(ch.TenantID).SetChannelID(ch.ID).SetContactID(id)
	}
	err := tx.Conversation.CreateBulk(creates...).
		OnConflictColumns(conversation.FieldTenantID, conversation.FieldChannelID, conversation.FieldContactID).
		DoNothing().Exec(ctx)
	if err != nil && !isNoRows(err) {
		return nil, err
	}
	convs, err := tx.Conversation.Query().
		Where(conversation.ChannelID(ch.ID), conversation.ContactIDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[pulid.ID]*ent.Conversation, len(convs))
	for _, c := range convs {
		out[c.ContactID] = c
	}
	return out, nil
}

// withinLimit keeps the recipients the channel's messaging limit allows:
// those whose service window is open cost nothing; each other customer
// costs one of the limit, counted over the last 24 hours. When the limit
// holds some back, their campaigns pause (LIMIT) with the reason.
func (s *sender) withinLimit(ctx context.Context, tx *ent.Tx, ch *ent.Channel, now time.Time,
	recips []*ent.CampaignRecipient, convs map[pulid.ID]*ent.Conversation) ([]*ent.CampaignRecipient, error) {
	if ch.MessagingLimit == nil {
		return recips, nil
	}
	used, err := campaigns.UsedLimit(ctx, tx.Client(), ch.ID, now)
	if err != nil {
		return nil, err
	}
	budget := *ch.MessagingLimit - used
	var keep []*ent.CampaignRecipient
	held := map[pulid.ID]bool{}
	for _, r := range recips {
		conv := convs[r.ContactID]
		if conv.ServiceWindowExpiresAt != nil && now.Before(*conv.ServiceWindowExpiresAt) {
			keep = append(keep, r)
			continue
		}
		if budget > 0 {
			budget--
			keep = append(keep, r)
			continue
		}
		held[r.CampaignID] = true
	}
	for id := range held {
		reason := fmt.Sprintf("the number's messaging limit is reached (%d customers outside a service window in 24 hours); "+
			"the campaign resumes by itself when the 24 hours allow", *ch.MessagingLimit)
		if err := campaigns.Pause(ctx, tx.Client(), id, campaign.PauseKindLIMIT, reason); err != nil {
			return nil, err
		}
	}
	return keep, nil
}

// render fills the campaign's template for one contact: the body
// parameters, with {{contact.name}} and {{contact.phone}} replaced, as
// templates.Build checks and builds them; and the text the inbox shows.
func render(cp *ent.Campaign, tp *ent.Template, ct *ent.Contact) (Spec, string, error) {
	name := ct.Name
	if name == "" {
		name = ct.ProfileName
	}
	phone := ""
	if ct.Phone != nil {
		phone = *ct.Phone
	}
	fill := strings.NewReplacer("{{contact.name}}", name, "{{contact.phone}}", phone)
	params := make([]string, len(cp.Parameters))
	for i, p := range cp.Parameters {
		if params[i] = strings.TrimSpace(fill.Replace(p)); params[i] == "" {
			params[i] = "-" // a contact without a name: Meta refuses an empty parameter
		}
	}
	send, err := templates.Build(tp, params)
	if err != nil {
		return Spec{}, "", err
	}
	return Spec{Template: send.Template}, send.Text, nil
}

// campaignOutcome acts on a campaign message's failure as META.md says:
// 131048 (spam limit) and 368 (policy) pause the campaign; 132015 and
// 132016 (template paused or disabled) pause it until the template is
// fixed.
func campaignOutcome(ctx context.Context, tx *ent.Tx, m *ent.Message, code int, title string) error {
	if m.CampaignID == nil {
		return nil
	}
	var kind campaign.PauseKind
	switch code {
	case 131048, 368:
		kind = campaign.PauseKindQUALITY
	case 132015, 132016:
		kind = campaign.PauseKindTEMPLATE
	default:
		return nil
	}
	return campaigns.Pause(ctx, tx.Client(), *m.CampaignID, kind,
		fmt.Sprintf("Meta refused a message with code %d (%s)", code, title))
}

// optOut records a customer's stop of marketing messages (131050).
func optOut(ctx context.Context, tx *ent.Tx, m *ent.Message, now time.Time) error {
	conv := m.Edges.Conversation
	if conv == nil {
		c, err := tx.Conversation.Get(ctx, m.ConversationID)
		if err != nil {
			return err
		}
		conv = c
	}
	n, err := tx.Contact.Update().Where(contact.ID(conv.ContactID), contact.OptInStatusNEQ(contact.OptInStatusOPTED_OUT)).
		SetOptInStatus(contact.OptInStatusOPTED_OUT).SetOptInSource(contacts.SourceMetaOptOut).SetOptInAt(now).Save(ctx)
	if err != nil || n == 0 {
		return err
	}
	return contacts.RecordConsent(ctx, tx.Client(), conv.TenantID, conv.ContactID, contact.OptInStatusOPTED_OUT, contacts.SourceMetaOptOut, now)
}

func uniqIDs(ids []pulid.ID) []pulid.ID {
	seen := make(map[pulid.ID]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func truncateReason(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}
