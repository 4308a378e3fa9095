// Package audit records who did what, to what, from where. Entries are
// written in the caller's transaction, so an action and its audit entry
// commit or roll back together.
package audit

import (
	"context"

	"switchboard/ent"
	"switchboard/internal/pulid"
	"switchboard/internal/reqctx"
	"switchboard/internal/viewer"
)

// Actions, named domain.verb (API.md lists the minimum set).
const (
	SignIn              = "auth.sign_in"
	SignOut             = "auth.sign_out"
	SignUp              = "auth.sign_up"
	MemberAdd           = "member.add"
	APIKeyCreate        = "api_key.create"
	APIKeyRevoke        = "api_key.revoke"
	ChannelConnect      = "channel.connect"
	ChannelRevoke       = "channel.disconnect"
	ChannelUpdate       = "channel.update"
	MessageRetry        = "message.retry"
	CampaignCreate      = "campaign.create"
	CampaignStart       = "campaign.start"
	CampaignPause       = "campaign.pause"
	CampaignResume      = "campaign.resume"
	CampaignCancel      = "campaign.cancel"
	ContactsImport      = "contacts.import"
	ContactsExport      = "contacts.export"
	ContactCreate       = "contact.create"
	ContactUpdate       = "contact.update"
	ContactDelete       = "contact.delete"
	TenantUpdate        = "tenant.update"
	PrivacyRequest      = "privacy.request"
	PrivacyExport       = "privacy.export"
	PrivacyErase        = "privacy.erase"
	AccountDelete       = "account.delete"
	AccountDeleteCancel = "account.delete_cancel"
	MessagesViewed      = "messages.view"
	MediaDownload       = "media.download"
	ContactsViewed      = "contacts.view"
	TemplateCreate      = "template.create"
	TemplateDelete      = "template.delete"
	TemplateSync        = "template.sync"
)

// Target types: the GraphQL type name of the object acted on, so that an
// entry's targetType and targetId read together as a node of the API
// (entries about several objects, such as an import, name their type and
// leave targetId empty).
const (
	TargetTenant         = "Tenant"
	TargetUser           = "User"
	TargetAPIKey         = "APIKey"
	TargetChannel        = "Channel"
	TargetContact        = "Contact"
	TargetMessage        = "Message"
	TargetTemplate       = "Template"
	TargetCampaign       = "Campaign"
	TargetPrivacyRequest = "PrivacyRequest"
)

// Entry describes one audited action.
type Entry struct {
	Action     string
	TargetType string // one of the Target constants
	TargetID   pulid.ID
	// Metadata holds counts and names, never message bodies or secrets.
	Metadata map[string]any
	// Tenant and Actor override the context's viewer (sign-up, sign-in).
	Tenant pulid.ID
	Actor  pulid.ID
}

// Record writes e with c, which should be the caller's transaction client.
func Record(ctx context.Context, c *ent.Client, e Entry) error {
	v, _ := viewer.FromContext(ctx)
	tenant, actor := e.Tenant, e.Actor
	if tenant == "" {
		tenant = v.TenantID
	}
	if actor == "" {
		actor = v.UserID
	}
	q := c.AuditLog.Create().
		SetTenantID(tenant).
		SetAction(e.Action).
		SetTargetType(e.TargetType).
		SetTargetID(string(e.TargetID)).
		SetIP(reqctx.From(ctx).IP)
	if actor != "" {
		q.SetActorID(actor)
	}
	if v.APIKeyID != "" && e.Actor == "" {
		q.SetAPIKeyID(v.APIKeyID)
	}
	if e.Metadata != nil {
		q.SetMetadata(e.Metadata)
	}
	// Writing the log is a system act: an AGENT's action is audited too,
	// and the tenant is set explicitly above.
	return q.Exec(viewer.System(ctx))
}
