package inbound

import (
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/contact"
	"switchboard/ent/conversation"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/ent/privacyrequest"
	"switchboard/internal/events"
	"switchboard/internal/pulid"
)

// fold makes gone part of keep, two contacts found to be one customer (the
// merge rule in bsuid.go), and deletes gone, freeing its phone and user id
// for keep. Both rows are locked by the caller's lookup (PostgreSQL).
//
//   - A conversation of gone on a channel where keep has none moves to
//     keep. Where keep has one, gone's messages move into it; it takes the
//     newer last message and service window of the two, the sum of their
//     unread counts, an assignee if it had none, and is open if either
//     was; gone's conversation is deleted.
//   - Campaign recipients and privacy requests of gone name keep (a
//     campaign that had both keeps keep's row).
//   - keep keeps its own name, profile name and username where it has
//     them, takes gone's otherwise, takes the union of the tags, the
//     later last inbound message, restricted if either was, and the
//     later opt-in decision (by opt_in_at; a decision with a time beats
//     one without, any decision beats UNKNOWN).
func (b *batch) fold(keep, gone *ent.Contact) error {
	convs, err := b.tx.Conversation.Query().Where(conversation.ContactID(gone.ID)).All(b.ctx)
	if err != nil {
		return err
	}
	for _, cg := range convs {
		if err := b.foldConversation(keep, cg); err != nil {
			return err
		}
	}
	campaigns, err := b.tx.CampaignRecipient.Query().Where(campaignrecipient.ContactID(keep.ID)).
		Select(campaignrecipient.FieldCampaignID).Strings(b.ctx)
	if err != nil {
		return err
	}
	if len(campaigns) > 0 {
		if _, err := b.tx.CampaignRecipient.Delete().Where(campaignrecipient.ContactID(gone.ID),
			campaignrecipient.CampaignIDIn(toIDs(campaigns)...)).Exec(b.ctx); err != nil {
			return err
		}
	}
	if err := b.tx.CampaignRecipient.Update().Where(campaignrecipient.ContactID(gone.ID)).
		Modify(setColumn(campaignrecipient.FieldContactID, keep.ID)).Exec(b.ctx); err != nil {
		return err
	}
	if err := b.tx.PrivacyRequest.Update().Where(privacyrequest.ContactID(gone.ID)).
		Modify(setColumn(privacyrequest.FieldContactID, keep.ID)).Exec(b.ctx); err != nil {
		return err
	}
	if err := b.tx.Contact.DeleteOneID(gone.ID).Exec(b.ctx); err != nil {
		return err
	}

	u := b.tx.Contact.UpdateOneID(keep.ID)
	if keep.Name == "" && gone.Name != "" {
		u.SetName(gone.Name)
	}
	if keep.ProfileName == "" && gone.ProfileName != "" {
		u.SetProfileName(gone.ProfileName)
	}
	if keep.Username == "" && gone.Username != "" {
		u.SetUsername(gone.Username)
	}
	if tags := union(keep.Tags, gone.Tags); len(tags) != len(keep.Tags) {
		u.SetTags(tags)
	}
	if after(gone.LastInboundAt, keep.LastInboundAt) {
		u.SetLastInboundAt(*gone.LastInboundAt)
	}
	if gone.Restricted {
		u.SetRestricted(true)
	}
	if decidedLater(gone, keep) {
		u.SetOptInStatus(gone.OptInStatus).SetOptInSource(gone.OptInSource).SetNillableOptInAt(gone.OptInAt)
		if gone.OptInAt == nil {
			u.ClearOptInAt()
		}
	}
	if err := u.Exec(b.ctx); err != nil {
		return err
	}
	// The keeper's fields changed under the caller's copy: later steps
	// only set identifiers and profile on it, by id.
	return nil
}

// foldConversation moves gone's conversation cg to keep, or into keep's
// conversation on the same channel.
func (b *batch) foldConversation(keep *ent.Contact, cg *ent.Conversation) error {
	ck, err := b.tx.Conversation.Query().Where(conversation.ContactID(keep.ID), conversation.ChannelID(cg.ChannelID)).Only(b.ctx)
	if ent.IsNotFound(err) {
		err = b.tx.Conversation.Update().Where(conversation.ID(cg.ID)).
			Modify(setColumn(conversation.FieldContactID, keep.ID)).Exec(b.ctx)
		b.emit(cg.TenantID, events.Spec{Kind: event.KindCONVERSATION_UPDATED, ConversationID: cg.ID})
		return err
	}
	if err != nil {
		return err
	}
	if err := b.tx.Message.Update().Where(message.ConversationID(cg.ID)).
		Modify(setColumn(message.FieldConversationID, ck.ID)).Exec(b.ctx); err != nil {
		return err
	}
	u := b.tx.Conversation.UpdateOneID(ck.ID).AddUnreadCount(cg.UnreadCount)
	if after(cg.LastMessageAt, ck.LastMessageAt) {
		u.SetNillableLastMessageID(cg.LastMessageID).SetNillableLastMessageAt(cg.LastMessageAt)
	}
	if after(cg.LastInboundAt, ck.LastInboundAt) {
		u.SetNillableLastInboundAt(cg.LastInboundAt).SetNillableServiceWindowExpiresAt(cg.ServiceWindowExpiresAt)
	}
	if ck.AssigneeID == nil && cg.AssigneeID != nil {
		u.SetAssigneeID(*cg.AssigneeID)
	}
	if ck.Status == conversation.StatusRESOLVED && cg.Status != conversation.StatusRESOLVED {
		u.SetStatus(cg.Status)
	}
	if err := u.Exec(b.ctx); err != nil {
		return err
	}
	if err := b.tx.Conversation.DeleteOneID(cg.ID).Exec(b.ctx); err != nil {
		return err
	}
	b.emit(ck.TenantID, events.Spec{Kind: event.KindCONVERSATION_UPDATED, ConversationID: ck.ID})
	return nil
}

// setColumn sets a column ent's generated API treats as immutable (a row's
// owner), which only a fold changes.
func setColumn(column string, v any) func(*sql.UpdateBuilder) {
	return func(u *sql.UpdateBuilder) { u.Set(column, v) }
}

// decidedLater reports whether a's opt-in decision is later than b's.
func decidedLater(a, b *ent.Contact) bool {
	switch {
	case a.OptInStatus == contact.OptInStatusUNKNOWN:
		return false
	case b.OptInStatus == contact.OptInStatusUNKNOWN:
		return true
	}
	return after(a.OptInAt, b.OptInAt)
}

// after reports whether a is after b; nil is before every time.
func after(a, b *time.Time) bool { return a != nil && (b == nil || a.After(*b)) }

// union is a's values followed by those of b not in a.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, v := range b {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func toIDs(s []string) []pulid.ID {
	out := make([]pulid.ID, len(s))
	for i, v := range s {
		out[i] = pulid.ID(v)
	}
	return out
}
