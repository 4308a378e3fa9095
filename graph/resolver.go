// Package graph holds the GraphQL resolvers. They are kept thin: one ent
// chain or one call into an internal/<domain> package.
package graph

import (
	"context"
	"log/slog"

	"switchboard/ent"
	"switchboard/internal/account"
	"switchboard/internal/apperr"
	"switchboard/internal/auth"
	"switchboard/internal/campaigns"
	"switchboard/internal/channels"
	"switchboard/internal/contacts"
	"switchboard/internal/events"
	"switchboard/internal/inbox"
	"switchboard/internal/media"
	"switchboard/internal/outbox"
	"switchboard/internal/privacy"
	"switchboard/internal/retention"
	"switchboard/internal/templates"
	"switchboard/internal/viewer"
)

// Resolver is the root resolver; cmd/switchboard builds it with every
// dependency the resolvers need.
type Resolver struct {
	Client   *ent.Client
	Auth     *auth.Service
	Channels *channels.Service
	Contacts *contacts.Service
	Inbox    *inbox.Service
	// Outbox sends queued messages; Notify wakes it.
	Outbox *outbox.Outbox
	// Campaigns creates and steers broadcast campaigns.
	Campaigns *campaigns.Service
	// Uploads keeps outbound files; nil refuses uploads.
	Uploads Uploads
	Events  *events.Hub
	Log     *slog.Logger
	// MediaLinks signs Message.media.url (GET /media/{messageId}).
	MediaLinks *media.Links
	// Templates submits, syncs and deletes templates at Meta.
	Templates *templates.Service
	// Account deletes accounts (and cancels deletions).
	Account *account.Service
	// Privacy records data subjects' requests; its job carries them out.
	Privacy *privacy.Service
	// WakeJobs tells the job runner new work is queued (nil: it polls).
	WakeJobs func()
	// Retention is the configured retention periods retentionStatus shows.
	Retention retention.Policy
}

// client returns the request's transaction client inside a mutation
// (entgql.Transactioner) and the plain client otherwise.
func (r *Resolver) client(ctx context.Context) *ent.Client {
	if c := ent.FromContext(ctx); c != nil {
		return c
	}
	return r.Client
}

// member returns the caller, or UNAUTHENTICATED.
func member(ctx context.Context) (viewer.Viewer, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return viewer.Viewer{}, apperr.New(apperr.Unauthenticated, "sign in first: send Authorization: Bearer <token>")
	}
	return v, nil
}

// role returns the caller if they hold at least min, else FORBIDDEN.
func role(ctx context.Context, min viewer.Role) (viewer.Viewer, error) {
	v, err := member(ctx)
	if err != nil {
		return v, err
	}
	if !v.Role.AtLeast(min) {
		return v, apperr.New(apperr.Forbidden, "this needs the %s role or higher", min)
	}
	return v, nil
}
