// Package campaigns is broadcast campaigns: an approved template sent to an
// audience of contacts, each recipient exactly once, at the number's rate,
// never past its messaging limit, with every recipient's outcome kept.
//
// A campaign is created DRAFT (or SCHEDULED), and started by startCampaign
// or, when its time comes, by Run. Starting resolves the audience into one
// recipient row per contact (unique per campaign): PENDING, or SKIPPED with
// the reason (a MARKETING campaign goes only to OPTED_IN, unrestricted
// contacts). The outbox (internal/outbox) then turns PENDING recipients of
// RUNNING campaigns into their messages a second or two ahead of sending
// them, each in the transaction that marks the recipient QUEUED, so that a
// recipient has at most one message whatever crashes; the messages wait
// in the channel's queue behind its replies, and pausing, resuming or
// cancelling takes effect at the next claim, on every replica. The
// messages go through the outbox's never-twice send path; a recipient's
// SENT, DELIVERED, READ or FAILED is its message's, and a recipient whose
// message has not been tried yet is still PENDING.
package campaigns

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqljson"

	"switchboard/ent"
	"switchboard/ent/campaign"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/channel"
	"switchboard/ent/contact"
	"switchboard/ent/event"
	"switchboard/ent/message"
	"switchboard/ent/predicate"
	"switchboard/ent/schema/schematype"
	"switchboard/ent/template"
	"switchboard/internal/apperr"
	"switchboard/internal/audit"
	"switchboard/internal/events"
	"switchboard/internal/pulid"
	"switchboard/internal/templates"
	"switchboard/internal/viewer"
)

// Limits of a campaign's input.
const (
	maxNameLen     = 200
	maxParameters  = 100
	maxParamLen    = 1024
	maxAudienceIDs = 10000
	maxAudienceTag = 50
	insertChunk    = 500 // recipients per INSERT when a campaign starts
)

// Service creates and steers campaigns. wake tells the outbox that
// recipients are due.
type Service struct {
	// Notifier (may be nil) is told when a cancel's failed messages are in
	// the event log.
	Notifier events.Notifier
	client   *ent.Client
	wake     func()
	now      func() time.Time
}

// New returns a Service; wake (may be nil) is called after a campaign
// starts or resumes.
func New(client *ent.Client, wake func()) *Service {
	return &Service{client: client, wake: wake, now: time.Now}
}

// CreateInput is what createCampaign takes.
type CreateInput struct {
	Name        string
	ChannelID   pulid.ID
	TemplateID  pulid.ID
	Tags        []string
	ContactIDs  []pulid.ID
	Parameters  []string
	ScheduledAt *time.Time
}

// Create stores a DRAFT campaign, or SCHEDULED with a start time. c is the
// request's transaction client.
func (s *Service) Create(ctx context.Context, c *ent.Client, in CreateInput) (*ent.Campaign, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > maxNameLen {
		return nil, apperr.Input("input.name", "name must be 1 to %d characters", maxNameLen)
	}
	ch, err := c.Channel.Get(ctx, in.ChannelID)
	if ent.IsNotFound(err) {
		return nil, apperr.Input("input.channelId", "no channel with that id")
	}
	if err != nil {
		return nil, err
	}
	if ch.Status == channel.StatusREVOKED {
		return nil, apperr.Input("input.channelId", "the channel is disconnected")
	}
	tp, err := c.Template.Get(ctx, in.TemplateID)
	if ent.IsNotFound(err) || (err == nil && tp.ChannelID != ch.ID) {
		return nil, apperr.Input("input.templateId", "no template with that id on this channel")
	}
	if err != nil {
		return nil, err
	}
	switch tp.Status {
	case template.StatusAPPROVED, template.StatusPENDING, template.StatusPAUSED:
	default:
		return nil, apperr.Input("input.templateId", "the template is %s: it can never be sent", tp.Status)
	}
	if err := checkParameters(tp, in.Parameters); err != nil {
		return nil, err
	}
	tags, err := cleanTags(in.Tags)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 && len(in.ContactIDs) == 0 {
		return nil, apperr.Input("input.audience", "the audience needs tags or contact ids")
	}
	if len(in.ContactIDs) > maxAudienceIDs {
		return nil, apperr.Input("input.audience.contactIds", "at most %d contact ids (use tags for more)", maxAudienceIDs)
	}
	ids := make([]string, 0, len(in.ContactIDs))
	for _, id := range uniq(in.ContactIDs) {
		ids = append(ids, string(id))
	}
	if len(ids) > 0 {
		found, err := c.Contact.Query().Where(contact.IDIn(uniq(in.ContactIDs)...)).Count(ctx)
		if err != nil {
			return nil, err
		}
		if found != len(ids) {
			return nil, apperr.Input("input.audience.contactIds", "%d of the contact ids name no contact", len(ids)-found)
		}
	}
	create := c.Campaign.Create().SetName(name).SetChannelID(ch.ID).SetTemplateID(tp.ID).
		SetAudienceTags(tags).SetAudienceContactIds(ids).SetParameters(in.Parameters).SetStatus(campaign.StatusDRAFT)
	if in.ScheduledAt != nil {
		if !in.ScheduledAt.After(s.now()) {
			return nil, apperr.Input("input.scheduledAt", "scheduledAt must be in the future")
		}
		create.SetScheduledAt(*in.ScheduledAt).SetStatus(campaign.StatusSCHEDULED)
	}
	cp, err := create.Save(ctx)
	if err != nil {
		return nil, err
	}
	err = audit.Record(ctx, c, audit.Entry{Action: audit.CampaignCreate, TargetType: audit.TargetCampaign, TargetID: cp.ID,
		Metadata: map[string]any{"tags": len(tags), "contacts": len(ids), "scheduled": in.ScheduledAt != nil}})
	return cp, err
}

// Start resolves the audience of a DRAFT or SCHEDULED campaign into its
// recipients and makes it RUNNING. c is the request's transaction client.
func (s *Service) Start(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.Campaign, error) {
	cp, err := s.get(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if cp.Status != campaign.StatusDRAFT && cp.Status != campaign.StatusSCHEDULED {
		return nil, apperr.Input("id", "a %s campaign cannot be started", cp.Status)
	}
	if cp, err = s.start(ctx, c, cp); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Entry{Action: audit.CampaignStart, TargetType: audit.TargetCampaign, TargetID: cp.ID}); err != nil {
		return nil, err
	}
	s.wakeOnCommit(ctx)
	return cp, nil
}

// start resolves the audience and marks the campaign RUNNING, in c's
// transaction. The campaign's template must be APPROVED.
func (s *Service) start(ctx context.Context, c *ent.Client, cp *ent.Campaign) (*ent.Campaign, error) {
	tp, err := c.Template.Get(ctx, cp.TemplateID)
	if err != nil {
		return nil, err
	}
	if tp.Status != template.StatusAPPROVED {
		return nil, apperr.Input("id", "the campaign's template is %s: it must be APPROVED by Meta first", tp.Status)
	}
	if _, err := templates.Build(tp, cp.Parameters); err != nil {
		return nil, apperr.Input("id", "the campaign cannot be sent with its template: %v", err)
	}
	n, err := c.Campaign.Update().Where(campaign.ID(cp.ID), campaign.StatusIn(campaign.StatusDRAFT, campaign.StatusSCHEDULED)).
		SetStatus(campaign.StatusRUNNING).SetStartedAt(s.now()).Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, apperr.Input("id", "the campaign was started or changed meanwhile")
	}
	if err := s.resolve(ctx, c, cp, tp); err != nil {
		return nil, err
	}
	return c.Campaign.Get(ctx, cp.ID)
}

// resolve writes one recipient per audience contact: PENDING if the
// template may go to them, else SKIPPED with the reason.
func (s *Service) resolve(ctx context.Context, c *ent.Client, cp *ent.Campaign, tp *ent.Template) error {
	var or []predicate.Contact
	for _, tag := range cp.AudienceTags {
		or = append(or, predicate.Contact(func(sel *sql.Selector) {
			sel.Where(sqljson.ValueContains(sel.C(contact.FieldTags), tag))
		}))
	}
	if len(cp.AudienceContactIds) > 0 {
		ids := make([]pulid.ID, len(cp.AudienceContactIds))
		for i, id := range cp.AudienceContactIds {
			ids[i] = pulid.ID(id)
		}
		or = append(or, contact.IDIn(ids...))
	}
	var after pulid.ID
	for {
		q := c.Contact.Query().Where(contact.Or(or...)).Order(ent.Asc(contact.FieldID)).Limit(insertChunk)
		if after != "" {
			q.Where(contact.IDGT(after))
		}
		page, err := q.All(ctx)
		if err != nil {
			return err
		}
		creates := make([]*ent.CampaignRecipientCreate, len(page))
		for i, ct := range page {
			cr := c.CampaignRecipient.Create().SetCampaignID(cp.ID).SetContactID(ct.ID).SetTenantID(cp.TenantID)
			if why := skipReason(tp, ct); why != "" {
				cr.SetStatus(campaignrecipient.StatusSKIPPED).SetSkipReason(why)
			}
			creates[i] = cr
		}
		if len(creates) > 0 {
			if err := c.CampaignRecipient.CreateBulk(creates...).Exec(ctx); err != nil {
				return err
			}
		}
		if len(page) < insertChunk {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// skipReason says why a contact gets no message of the template, or "".
func skipReason(tp *ent.Template, ct *ent.Contact) string {
	switch {
	case ct.Restricted:
		return "restricted: the contact is excluded from processing"
	case ct.OptInStatus == contact.OptInStatusOPTED_OUT:
		return "opted out"
	case tp.Category == template.CategoryMARKETING && ct.OptInStatus != contact.OptInStatusOPTED_IN:
		return "not opted in: marketing goes only to OPTED_IN contacts"
	case tp.Category == template.CategoryAUTHENTICATION && ct.Phone == nil:
		return "no phone number: authentication templates need one"
	case ct.Phone == nil && ct.UserID == nil:
		return "no WhatsApp address"
	}
	return ""
}

// Pause stops sending until Resume; messages already claimed (on their
// way to Meta) still go, the ones made ahead wait.
func (s *Service) Pause(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.Campaign, error) {
	cp, err := s.get(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if cp.Status != campaign.StatusRUNNING && cp.Status != campaign.StatusSCHEDULED {
		return nil, apperr.Input("id", "a %s campaign cannot be paused", cp.Status)
	}
	v, _ := viewer.FromContext(ctx)
	reason := "paused by a member"
	if v.UserID != "" {
		if u, err := c.User.Get(ctx, v.UserID); err == nil {
			reason = "paused by " + u.Email
		}
	}
	if err := Pause(ctx, c, id, campaign.PauseKindUSER, reason); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Entry{Action: audit.CampaignPause, TargetType: audit.TargetCampaign, TargetID: id}); err != nil {
		return nil, err
	}
	return c.Campaign.Get(ctx, id)
}

// Pause pauses a RUNNING or SCHEDULED campaign with a kind and reason (the
// outbox pauses for quality and limits, the template webhooks for a paused
// template). A campaign in another state is left as it is.
func Pause(ctx context.Context, c *ent.Client, id pulid.ID, kind campaign.PauseKind, reason string) error {
	return c.Campaign.Update().
		Where(campaign.ID(id), campaign.StatusIn(campaign.StatusRUNNING, campaign.StatusSCHEDULED)).
		SetStatus(campaign.StatusPAUSED).SetPauseKind(kind).SetPausedReason(truncate(reason, 1000)).Exec(ctx)
}

// Resume makes a PAUSED campaign RUNNING again; one paused before it ever
// started is started now. Its template must be APPROVED.
func (s *Service) Resume(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.Campaign, error) {
	cp, err := s.get(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if cp.Status != campaign.StatusPAUSED {
		return nil, apperr.Input("id", "a %s campaign cannot be resumed", cp.Status)
	}
	tp, err := c.Template.Get(ctx, cp.TemplateID)
	if err != nil {
		return nil, err
	}
	if tp.Status != template.StatusAPPROVED {
		return nil, apperr.Input("id", "the campaign's template is %s: it can be resumed once Meta approves it again", tp.Status)
	}
	if cp.StartedAt == nil {
		// Paused while SCHEDULED: resuming starts it.
		if err := c.Campaign.UpdateOne(cp).SetStatus(campaign.StatusSCHEDULED).ClearPauseKind().ClearPausedReason().Exec(ctx); err != nil {
			return nil, err
		}
		cp.Status = campaign.StatusSCHEDULED
		if _, err = s.start(ctx, c, cp); err != nil {
			return nil, err
		}
	} else if err := c.Campaign.UpdateOne(cp).SetStatus(campaign.StatusRUNNING).ClearPauseKind().ClearPausedReason().Exec(ctx); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Entry{Action: audit.CampaignResume, TargetType: audit.TargetCampaign, TargetID: id}); err != nil {
		return nil, err
	}
	s.wakeOnCommit(ctx)
	return c.Campaign.Get(ctx, id)
}

// Cancel ends a campaign for good: recipients without a message are
// SKIPPED, and its messages waiting in the queue (made ahead, or waiting
// for a retry) fail as cancelled. Messages already on their way are not
// recalled.
func (s *Service) Cancel(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.Campaign, error) {
	cp, err := s.get(ctx, c, id)
	if err != nil {
		return nil, err
	}
	switch cp.Status {
	case campaign.StatusCOMPLETED, campaign.StatusCANCELLED:
		return nil, apperr.Input("id", "a %s campaign cannot be cancelled", cp.Status)
	}
	now := s.now()
	if err := c.Campaign.UpdateOne(cp).SetStatus(campaign.StatusCANCELLED).SetCompletedAt(now).ClearPauseKind().Exec(ctx); err != nil {
		return nil, err
	}
	if err := c.CampaignRecipient.Update().
		Where(campaignrecipient.CampaignID(id), campaignrecipient.StatusEQ(campaignrecipient.StatusPENDING)).
		SetStatus(campaignrecipient.StatusSKIPPED).SetSkipReason("campaign cancelled").Exec(ctx); err != nil {
		return nil, err
	}
	if err := s.failWaiting(ctx, c, id, now); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, c, audit.Entry{Action: audit.CampaignCancel, TargetType: audit.TargetCampaign, TargetID: id}); err != nil {
		return nil, err
	}
	return c.Campaign.Get(ctx, id)
}

// failWaiting fails a cancelled campaign's messages still waiting in the
// queue, and tells the inbox (the request's transaction appends their
// MESSAGE_UPDATED events).
func (s *Service) failWaiting(ctx context.Context, c *ent.Client, id pulid.ID, now time.Time) error {
	sys := viewer.System(ctx)
	waiting := message.And(message.CampaignID(id), message.SendStateEQ(message.SendStateREADY), message.StatusEQ(message.StatusQUEUED))
	// Locked on PostgreSQL (SQLite serializes writers): a claim of one of
	// them waits for the cancel, then finds it no longer READY.
	ms, err := c.Message.Query().Where(waiting).Select(message.FieldID, message.FieldTenantID, message.FieldConversationID).
		Modify(func(sel *sql.Selector) {
			if sel.Dialect() == dialect.Postgres {
				sel.ForUpdate()
			}
		}).All(sys)
	if err != nil || len(ms) == 0 {
		return err
	}
	ids := make([]pulid.ID, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	n, err := c.Message.Update().Where(message.IDIn(ids...), waiting).
		SetStatus(message.StatusFAILED).SetFailedAt(now).ClearSendState().ClearSendAfter().
		SetError(&schematype.Error{Code: schematype.CodeCancelled, Title: "Campaign cancelled",
			Message: "the campaign was cancelled before this message was sent"}).Save(sys)
	if err != nil {
		return err
	}
	if n != len(ms) {
		return fmt.Errorf("campaigns: %d of the cancelled campaign's locked messages changed", len(ms)-n)
	}
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		return nil // not in a request's transaction: nothing to append with
	}
	specs := make([]events.Spec, len(ms))
	for i, m := range ms {
		specs[i] = events.Spec{Kind: event.KindMESSAGE_UPDATED, ConversationID: m.ConversationID, MessageID: m.ID}
	}
	return events.Append(sys, tx, s.Notifier, ms[0].TenantID, specs...)
}

func (s *Service) get(ctx context.Context, c *ent.Client, id pulid.ID) (*ent.Campaign, error) {
	cp, err := c.Campaign.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, apperr.NotFoundf("no campaign with that id")
	}
	return cp, err
}

// wakeOnCommit tells the outbox, once the request's transaction commits,
// that recipients are due (at once outside a transaction).
func (s *Service) wakeOnCommit(ctx context.Context) {
	if s.wake == nil {
		return
	}
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		s.wake()
		return
	}
	events.AfterCommit(tx, s.wake)
}

func checkParameters(tp *ent.Template, params []string) error {
	vars := templates.Variables(tp)
	if len(params) != len(vars) {
		return apperr.Input("input.parameters", "the template's body has %d variables; %d parameters given", len(vars), len(params))
	}
	if len(params) > maxParameters {
		return apperr.Input("input.parameters", "at most %d parameters", maxParameters)
	}
	for i, p := range params {
		if strings.TrimSpace(p) == "" || len(p) > maxParamLen {
			return apperr.Input(fmt.Sprintf("input.parameters[%d]", i), "a parameter is 1 to %d characters", maxParamLen)
		}
	}
	return nil
}

func cleanTags(tags []string) ([]string, error) {
	var out []string
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || len(t) > 100 {
			return nil, apperr.Input("input.audience.tags", "tags are 1 to 100 characters")
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(out) > maxAudienceTag {
		return nil, apperr.Input("input.audience.tags", "at most %d tags", maxAudienceTag)
	}
	return out, nil
}

func uniq(ids []pulid.ID) []pulid.ID {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
