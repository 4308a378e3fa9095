// Package templates manages WhatsApp message templates: local validation
// in Meta's format before anything is submitted, submission, sync and
// deletion at the channel's WhatsApp Business Account, Meta's review and
// lifecycle webhooks (applied by internal/inbound, webhook.go), and the
// checks and parameters of a template send (send.go).
//
// Calls to Meta happen outside any database transaction: the caller opens
// none around Create, Sync and Delete (on SQLite a transaction holds the
// only write lock), and each writes its result in a transaction of its own
// once Meta has answered.
package templates

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/ent/schema/schematype"
	"switchboard/ent/template"
	"switchboard/internal/apperr"
	"switchboard/internal/audit"
	"switchboard/internal/metaapi"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Tokens opens a channel's access token (channels.Service); an interface
// because internal/channels depends on internal/inbound, which uses this
// package.
type Tokens interface {
	AccessToken(ch *ent.Channel) (string, error)
}

// Service talks to Meta for the templates of the tenant's channels.
type Service struct {
	Meta   *metaapi.Client
	Tokens Tokens
}

// New returns a Service.
func New(meta *metaapi.Client, tokens Tokens) *Service { return &Service{Meta: meta, Tokens: tokens} }

// CreateInput is what createTemplate takes.
type CreateInput struct {
	ChannelID pulid.ID
	Draft
}

// syncPageSize is the page size asked of Meta's list endpoint.
const syncPageSize = 100

// Create validates in, submits it to the channel's WABA and stores it
// PENDING with Meta's id. Nothing is submitted when in is invalid, and
// nothing is stored when Meta refuses it.
func (s *Service) Create(ctx context.Context, c *ent.Client, in CreateInput) (*ent.Template, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return nil, apperr.ErrUnauthenticated
	}
	if in.ParameterFormat == "" {
		in.ParameterFormat = template.ParameterFormatPOSITIONAL
	}
	// A client may send the array as a JSON string; Meta gets the array.
	var inner string
	if json.Unmarshal(in.Components, &inner) == nil {
		in.Components = json.RawMessage(inner)
	}
	parsed, err := Validate(in.Draft)
	if err != nil {
		return nil, err
	}
	ch, err := c.Channel.Get(ctx, in.ChannelID)
	if ent.IsNotFound(err) {
		return nil, ErrNoChannel
	}
	if err != nil {
		return nil, err
	}
	existing, err := c.Template.Query().Where(template.ChannelID(ch.ID), template.Name(in.Name),
		template.Language(in.Language)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return nil, err
	}
	if existing != nil && existing.Status != template.StatusDELETED {
		return nil, &apperr.Error{Code: apperr.Conflict, Field: "input.name",
			Message: fmt.Sprintf("the channel has a template %s in %s already (%s)", in.Name, in.Language, existing.Status)}
	}
	token, err := s.token(ch)
	if err != nil {
		return nil, err
	}
	created, err := s.Meta.CreateTemplate(ctx, token, ch.WabaID, metaapi.TemplateDraft{
		Name: in.Name, Language: in.Language, Category: string(in.Category),
		Components: in.Components, ParameterFormat: string(in.ParameterFormat),
	})
	if err != nil {
		return nil, upstream("Meta refused the template", err)
	}
	category := in.Category
	if cat, ok := categoryOf(created.Category); ok {
		category = cat // Meta may file it under another category
	}
	var id pulid.ID
	err = inTx(ctx, c, func(tx *ent.Tx) error {
		if existing != nil {
			id = existing.ID
			err := tx.Template.UpdateOne(existing).SetStatus(template.StatusPENDING).SetExternalID(created.ID).
				SetCategory(category).SetParameterFormat(in.ParameterFormat).SetComponents(schematype.JSON(in.Components)).
				SetBody(parsed.Body).ClearRejectedReason().ClearStatusReason().ClearLastEvent().ClearQualityScore().
				ClearPendingCategory().ClearPendingCategoryAt().Exec(ctx)
			if err != nil {
				return err
			}
		} else {
			id = pulid.New("TP")
			err := tx.Template.Create().SetID(id).SetTenantID(v.TenantID).SetChannelID(ch.ID).
				SetName(in.Name).SetLanguage(in.Language).SetCategory(category).SetStatus(template.StatusPENDING).
				SetParameterFormat(in.ParameterFormat).SetExternalID(created.ID).
				SetComponents(schematype.JSON(in.Components)).SetBody(parsed.Body).Exec(ctx)
			if err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx.Client(), audit.Entry{Action: audit.TemplateCreate, TargetType: audit.TargetTemplate,
			TargetID: id, Metadata: map[string]any{"name": in.Name, "language": in.Language, "externalId": created.ID}})
	})
	if err != nil {
		return nil, err
	}
	return c.Template.Get(ctx, id)
}

// Sync pulls every template of the channel's WABA from Meta and stores
// each by (channel, name, language) with Meta's id, status, category and
// components. Templates Meta no longer lists become DELETED. It returns the
// templates Meta listed.
func (s *Service) Sync(ctx context.Context, c *ent.Client, channelID pulid.ID) ([]*ent.Template, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return nil, apperr.ErrUnauthenticated
	}
	ch, err := c.Channel.Get(ctx, channelID)
	if ent.IsNotFound(err) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "channelId", Message: "no channel with that id"}
	}
	if err != nil {
		return nil, err
	}
	token, err := s.token(ch)
	if err != nil {
		return nil, err
	}
	all, err := s.Meta.AllTemplates(ctx, token, ch.WabaID, syncPageSize)
	if err != nil {
		return nil, upstream("Meta did not list the templates", err)
	}
	ids := make([]pulid.ID, 0, len(all))
	err = inTx(ctx, c, func(tx *ent.Tx) error {
		ids = ids[:0]
		existing, err := tx.Template.Query().Where(template.ChannelID(ch.ID)).All(ctx)
		if err != nil {
			return err
		}
		byKey := map[[2]string]*ent.Template{}
		for _, t := range existing {
			byKey[[2]string{t.Name, t.Language}] = t
		}
		listed := map[pulid.ID]bool{}
		for _, info := range all {
			if info.Name == "" || info.Language == "" {
				continue
			}
			id, err := upsertListed(ctx, tx, v.TenantID, ch.ID, byKey[[2]string{info.Name, info.Language}], info)
			if err != nil {
				return err
			}
			if !listed[id] {
				listed[id] = true
				ids = append(ids, id)
			}
		}
		for _, t := range existing {
			if !listed[t.ID] && t.ExternalID != nil && t.Status != template.StatusDELETED {
				if err := tx.Template.UpdateOne(t).SetStatus(template.StatusDELETED).SetLastEvent("DELETED").
					SetStatusReason("no longer listed by Meta").Exec(ctx); err != nil {
					return err
				}
				if err := PauseCampaigns(ctx, tx.Client(), []pulid.ID{t.ID}, pauseReason(t.Name, t.Language, "DELETED", "")); err != nil {
					return err
				}
			}
		}
		return audit.Record(ctx, tx.Client(), audit.Entry{Action: audit.TemplateSync, TargetType: audit.TargetChannel,
			TargetID: ch.ID, Metadata: map[string]any{"templates": len(ids)}})
	})
	if err != nil {
		return nil, err
	}
	rows, err := c.Template.Query().Where(template.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[pulid.ID]*ent.Template, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]*ent.Template, 0, len(ids))
	for _, id := range ids {
		if t := byID[id]; t != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

// upsertListed stores one template of Meta's list.
func upsertListed(ctx context.Context, tx *ent.Tx, tenant, ch pulid.ID, t *ent.Template, info metaapi.TemplateInfo) (pulid.ID, error) {
	status, reason := statusOfListed(info.Status)
	format := template.ParameterFormatPOSITIONAL
	if strings.EqualFold(info.ParameterFormat, "NAMED") {
		format = template.ParameterFormatNAMED
	}
	body := bodyText(info.Components)
	rejected := ""
	if info.RejectedReason != "" && info.RejectedReason != "NONE" {
		rejected = info.RejectedReason
	}
	if t == nil {
		category, ok := categoryOf(info.Category)
		if !ok {
			category = template.CategoryMARKETING
		}
		id := pulid.New("TP")
		create := tx.Template.Create().SetID(id).SetTenantID(tenant).SetChannelID(ch).SetName(info.Name).
			SetLanguage(info.Language).SetCategory(category).SetStatus(status).SetParameterFormat(format).
			SetExternalID(info.ID).SetBody(body).SetLastEvent(info.Status)
		if len(info.Components) > 0 {
			create.SetComponents(schematype.JSON(info.Components))
		}
		if rejected != "" {
			create.SetRejectedReason(rejected)
		}
		if reason != "" {
			create.SetStatusReason(reason)
		}
		if info.QualityScore != "" {
			create.SetQualityScore(info.QualityScore)
		}
		return id, create.Exec(ctx)
	}
	upd := tx.Template.UpdateOne(t).SetStatus(status).SetParameterFormat(format).SetExternalID(info.ID).
		SetBody(body).SetLastEvent(info.Status)
	if category, ok := categoryOf(info.Category); ok {
		upd.SetCategory(category)
	}
	if len(info.Components) > 0 {
		upd.SetComponents(schematype.JSON(info.Components))
	}
	if rejected != "" {
		upd.SetRejectedReason(rejected)
	} else if status != template.StatusREJECTED {
		upd.ClearRejectedReason()
	}
	if reason != "" {
		upd.SetStatusReason(reason)
	}
	if info.QualityScore != "" {
		upd.SetQualityScore(info.QualityScore)
	}
	if err := upd.Exec(ctx); err != nil {
		return "", err
	}
	if status != template.StatusAPPROVED && status != template.StatusPENDING && t.Status == template.StatusAPPROVED {
		if err := PauseCampaigns(ctx, tx.Client(), []pulid.ID{t.ID}, pauseReason(t.Name, t.Language, info.Status, "")); err != nil {
			return "", err
		}
	}
	return t.ID, nil
}

// statusOfListed maps a status of Meta's list to ours, with a reason for
// those that have no status of their own.
func statusOfListed(s string) (template.Status, string) {
	switch strings.ToUpper(s) {
	case "IN_APPEAL":
		return template.StatusREJECTED, "in appeal"
	case "LIMIT_EXCEEDED":
		return template.StatusREJECTED, "the account reached its template limit"
	case "PENDING_DELETION":
		return template.StatusDELETED, "pending deletion"
	}
	st := template.Status(strings.ToUpper(s))
	if template.StatusValidator(st) == nil {
		return st, ""
	}
	return template.StatusPENDING, ""
}

// Delete deletes the template at Meta (by name, and Meta's id so that only
// this language goes) and marks it DELETED here. The row is kept, not
// removed: campaigns name their template, and their history must still
// say which one they sent. Campaigns still running or scheduled with it
// are paused. Deleting a DELETED template changes nothing.
func (s *Service) Delete(ctx context.Context, c *ent.Client, id pulid.ID) error {
	t, err := c.Template.Get(ctx, id)
	if ent.IsNotFound(err) {
		return ErrNoTemplate
	}
	if err != nil {
		return err
	}
	if t.Status == template.StatusDELETED {
		return nil
	}
	ch, err := c.Channel.Query().Where(channel.ID(t.ChannelID)).Only(ctx)
	if err != nil {
		return err
	}
	if t.ExternalID != nil {
		token, err := s.token(ch)
		if err != nil {
			return err
		}
		if err := s.Meta.DeleteTemplate(ctx, token, ch.WabaID, t.Name, *t.ExternalID); err != nil {
			return upstream("Meta did not delete the template", err)
		}
	}
	return inTx(ctx, c, func(tx *ent.Tx) error {
		if err := tx.Template.UpdateOne(t).SetStatus(template.StatusDELETED).SetLastEvent("DELETED").
			ClearStatusReason().Exec(ctx); err != nil {
			return err
		}
		if err := PauseCampaigns(ctx, tx.Client(), []pulid.ID{t.ID}, pauseReason(t.Name, t.Language, "DELETED", "deleted by a member")); err != nil {
			return err
		}
		return audit.Record(ctx, tx.Client(), audit.Entry{Action: audit.TemplateDelete, TargetType: audit.TargetTemplate,
			TargetID: t.ID, Metadata: map[string]any{"name": t.Name, "language": t.Language}})
	})
}

func (s *Service) token(ch *ent.Channel) (string, error) {
	token, err := s.Tokens.AccessToken(ch)
	if err != nil {
		if e, ok := apperr.As(err); ok {
			return "", e
		}
		return "", err
	}
	return token, nil
}

// upstream turns Meta's refusal or silence into UPSTREAM_ERROR with Meta's
// code and words; a client-side validation error stays BAD_USER_INPUT.
func upstream(what string, err error) error {
	var ae *metaapi.APIError
	var ve *metaapi.ValidationError
	switch {
	case errors.As(err, &ae):
		msg := ae.Message
		if ae.Details != "" {
			msg += ": " + ae.Details
		}
		return &apperr.Error{Code: apperr.UpstreamError, MetaCode: ae.Code, Message: what + ": " + msg}
	case errors.As(err, &ve):
		return apperr.Input("input."+ve.Field, "%s", ve.Problem)
	}
	var te *metaapi.TransportError
	if errors.As(err, &te) {
		return &apperr.Error{Code: apperr.UpstreamError, Message: what + ": Meta did not answer; try again"}
	}
	return err
}

func categoryOf(s string) (template.Category, bool) {
	c := template.Category(strings.ToUpper(s))
	return c, s != "" && template.CategoryValidator(c) == nil
}

// bodyText is the text of the BODY component of Meta's component array.
func bodyText(components json.RawMessage) string {
	var comps []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(components, &comps) != nil {
		return ""
	}
	for _, c := range comps {
		if strings.EqualFold(c.Type, "BODY") {
			return c.Text
		}
	}
	return ""
}

// inTx runs fn in the request's transaction when there is one (its owner
// commits), else in a new one of c.
func inTx(ctx context.Context, c *ent.Client, fn func(*ent.Tx) error) error {
	if tx := ent.TxFromContext(ctx); tx != nil {
		return fn(tx)
	}
	tx, err := c.Tx(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
