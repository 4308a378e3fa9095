package templates

import (
	"context"
	"strings"
	"time"

	"switchboard/ent"
	"switchboard/ent/campaign"
	"switchboard/ent/channel"
	"switchboard/ent/template"
	"switchboard/internal/pulid"
	"switchboard/internal/whatsapp"
)

// Meta's webhooks name a template by its id within a WABA (entry.id), not
// by phone number: every channel of that WABA, in whichever tenant, has
// its own row for it. Each function below applies one change to all of
// them, in the caller's transaction (c is its client, with a system
// viewer), and returns how many rows it found. Applying a change twice
// gives the same rows: redeliveries change nothing.

// byExternalID finds the rows of Meta's template id in the WABA's channels.
func byExternalID(ctx context.Context, c *ent.Client, wabaID string, id whatsapp.TemplateID) ([]*ent.Template, error) {
	if id == 0 || wabaID == "" {
		return nil, nil
	}
	chans, err := c.Channel.Query().Where(channel.WabaID(wabaID)).IDs(ctx)
	if err != nil || len(chans) == 0 {
		return nil, err
	}
	return c.Template.Query().Where(template.ChannelIDIn(chans...), template.ExternalID(id.String())).All(ctx)
}

// ApplyStatus applies a message_template_status_update: the new status
// with Meta's reason, last_event always. A template that can no longer be
// sent (anything but APPROVED) pauses the campaigns running or scheduled
// with it, with the reason on each.
func ApplyStatus(ctx context.Context, c *ent.Client, wabaID string, u *whatsapp.TemplateStatusUpdate) (int, error) {
	rows, err := byExternalID(ctx, c, wabaID, u.MessageTemplateID)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	event := strings.ToUpper(strings.TrimSpace(u.Event))
	for _, t := range rows {
		upd := c.Template.UpdateOne(t).SetLastEvent(cut(event, 64))
		status, reason, clearReason := transition(t.Status, event, u)
		upd.SetStatus(status)
		switch {
		case reason != "":
			upd.SetStatusReason(reason)
		case clearReason:
			upd.ClearStatusReason()
		}
		switch status {
		case template.StatusREJECTED:
			if r := rejectedReason(u); r != "" {
				upd.SetRejectedReason(r)
			}
		case template.StatusAPPROVED:
			upd.ClearRejectedReason()
		}
		if cat, ok := categoryOf(u.MessageTemplateCategory); ok {
			upd.SetCategory(cat)
		}
		if err := upd.Exec(ctx); err != nil {
			return 0, err
		}
		if status != template.StatusAPPROVED {
			if err := PauseCampaigns(ctx, c, []pulid.ID{t.ID}, pauseReason(t.Name, t.Language, event, reason)); err != nil {
				return 0, err
			}
		}
	}
	return len(rows), nil
}

// transition is a template's status after Meta's event, the reason to
// show with it, and whether an old reason no longer applies. Events that
// are not statuses of their own (FLAGGED, IN_APPEAL, LIMIT_EXCEEDED,
// LOCKED, and any Meta adds) keep the status and say what happened.
func transition(cur template.Status, event string, u *whatsapp.TemplateStatusUpdate) (template.Status, string, bool) {
	other := otherInfo(u)
	switch event {
	case "APPROVED", "REINSTATED", "UNARCHIVED", "UNPAUSED":
		return template.StatusAPPROVED, other, true
	case "PENDING":
		return template.StatusPENDING, "", true
	case "REJECTED":
		reason := ""
		if u.RejectionInfo != nil {
			reason = u.RejectionInfo.Recommendation
		}
		return template.StatusREJECTED, reason, true
	case "PAUSED":
		if u.OtherInfo != nil && strings.EqualFold(u.OtherInfo.Title, "UNPAUSE") {
			return template.StatusAPPROVED, other, true
		}
		return template.StatusPAUSED, orText(other, "paused by Meta"), true
	case "DISABLED":
		return template.StatusDISABLED, joinText(orText(other, "disabled by Meta"), disabledOn(u), u.Reason), true
	case "ARCHIVED":
		return template.StatusARCHIVED, other, true
	case "PENDING_DELETION", "DELETED":
		return template.StatusDELETED, other, true
	case "FLAGGED":
		return cur, joinText("flagged for low quality", disabledOn(u), other), false
	case "IN_APPEAL":
		return cur, joinText("in appeal", other), false
	case "LIMIT_EXCEEDED":
		return cur, joinText("the account reached its template limit", other), false
	case "LOCKED":
		return cur, joinText("locked: it cannot be edited", other), false
	}
	return cur, "", false
}

func rejectedReason(u *whatsapp.TemplateStatusUpdate) string {
	r := u.Reason
	if u.RejectionInfo != nil && u.RejectionInfo.Reason != "" && (r == "" || r == "NONE") {
		r = u.RejectionInfo.Reason
	}
	return r
}

// otherInfo is other_info as one line: "FIRST_PAUSE: description".
func otherInfo(u *whatsapp.TemplateStatusUpdate) string {
	if u.OtherInfo == nil {
		return ""
	}
	return joinColon(u.OtherInfo.Title, u.OtherInfo.Description)
}

func disabledOn(u *whatsapp.TemplateStatusUpdate) string {
	if u.DisableInfo == nil || u.DisableInfo.DisableDate == "" {
		return ""
	}
	if t, err := u.DisableInfo.DisableDate.Time(); err == nil {
		return "disable date " + t.Format(time.RFC3339)
	}
	return "disable date " + string(u.DisableInfo.DisableDate)
}

// ApplyQuality applies a message_template_quality_update.
func ApplyQuality(ctx context.Context, c *ent.Client, wabaID string, u *whatsapp.TemplateQualityUpdate) (int, error) {
	rows, err := byExternalID(ctx, c, wabaID, u.MessageTemplateID)
	if err != nil || len(rows) == 0 || u.NewQualityScore == "" {
		return len(rows), err
	}
	ids := make([]pulid.ID, len(rows))
	for i, t := range rows {
		ids[i] = t.ID
	}
	return len(rows), c.Template.Update().Where(template.IDIn(ids...)).
		SetQualityScore(cut(strings.ToUpper(u.NewQualityScore), 16)).Exec(ctx)
}

// ApplyCategory applies a template_category_update: the advance notice
// records the category to come and when; the completed change sets it
// and clears the notice.
func ApplyCategory(ctx context.Context, c *ent.Client, wabaID string, u *whatsapp.TemplateCategoryUpdate) (int, error) {
	rows, err := byExternalID(ctx, c, wabaID, u.MessageTemplateID)
	if err != nil || len(rows) == 0 {
		return len(rows), err
	}
	ids := make([]pulid.ID, len(rows))
	for i, t := range rows {
		ids[i] = t.ID
	}
	upd := c.Template.Update().Where(template.IDIn(ids...))
	if u.Notice() {
		upd.SetPendingCategory(cut(strings.ToUpper(u.CorrectCategory), 32))
		if at, err := u.CategoryUpdateTimestamp.Time(); err == nil {
			upd.SetPendingCategoryAt(at)
		} else {
			upd.ClearPendingCategoryAt()
		}
		return len(rows), upd.Exec(ctx)
	}
	cat, ok := categoryOf(u.NewCategory)
	if !ok {
		return len(rows), nil
	}
	return len(rows), upd.SetCategory(cat).ClearPendingCategory().ClearPendingCategoryAt().Exec(ctx)
}

// PauseCampaigns pauses the campaigns running or scheduled with the
// templates, saying why. Campaigns already paused, finished or drafted are
// left alone, so a redelivered event changes nothing; a campaign paused
// here is resumed by a member (resumeCampaign) once the template is sendable
// again.
func PauseCampaigns(ctx context.Context, c *ent.Client, templateIDs []pulid.ID, reason string) error {
	if len(templateIDs) == 0 {
		return nil
	}
	return c.Campaign.Update().
		Where(campaign.TemplateIDIn(templateIDs...), campaign.StatusIn(campaign.StatusRUNNING, campaign.StatusSCHEDULED)).
		SetStatus(campaign.StatusPAUSED).SetPausedReason(cut(reason, 1000)).SetPauseKind(campaign.PauseKindTEMPLATE).Exec(ctx)
}

// pauseReason is a paused campaign's reason: which template, what Meta
// did, and Meta's words.
func pauseReason(name, language, event, detail string) string {
	s := "template " + name + " (" + language + ") is " + event
	if detail != "" {
		s += ": " + detail
	}
	return s
}

func joinText(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

func joinColon(a, b string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// cut bounds s to n bytes without splitting a character.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
