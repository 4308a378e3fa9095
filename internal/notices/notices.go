// Package notices is what the operator of an installation tells its
// tenants' members: policy changes, maintenance and security notices (a
// breach notification reaches the affected tenants this way). The operator
// publishes and withdraws them with `switchboard notices`; members read the
// live ones with the notices query.
package notices

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/ent"
	"switchboard/ent/notice"
	"switchboard/ent/tenant"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Bounds of a notice. A notice is shown DefaultDays unless published for
// another number of days, at most MaxDays: a notice is news, not a page of
// the product.
const (
	MaxTitle    = 200
	MaxBody     = 10000
	DefaultDays = 30
	MaxDays     = 365
)

// Kinds are the kinds of notice, as the API names them.
var Kinds = []notice.Kind{notice.KindPOLICY_CHANGE, notice.KindSECURITY, notice.KindMAINTENANCE}

// Draft is a notice to publish: to every tenant when Tenants is empty,
// else one notice to each of them.
type Draft struct {
	Kind    notice.Kind
	Title   string
	Body    string
	Tenants []pulid.ID
	Days    int
}

// Validate checks a draft without the database, so a command can refuse a
// bad one before it opens anything.
func (d Draft) Validate() error {
	if notice.KindValidator(d.Kind) != nil {
		return fmt.Errorf("kind %q is not one of %s", d.Kind, kindList())
	}
	if strings.TrimSpace(d.Title) == "" {
		return fmt.Errorf("the title is empty")
	}
	if n := utf8.RuneCountInString(d.Title); n > MaxTitle {
		return fmt.Errorf("the title has %d characters, at most %d allowed", n, MaxTitle)
	}
	if strings.TrimSpace(d.Body) == "" {
		return fmt.Errorf("the body is empty")
	}
	if n := utf8.RuneCountInString(d.Body); n > MaxBody {
		return fmt.Errorf("the body has %d characters, at most %d allowed", n, MaxBody)
	}
	if !utf8.ValidString(d.Title) || !utf8.ValidString(d.Body) || strings.ContainsRune(d.Title+d.Body, 0) {
		return fmt.Errorf("the title and body must be UTF-8 text without NUL")
	}
	if d.Days < 1 || d.Days > MaxDays {
		return fmt.Errorf("days must be between 1 and %d, got %d", MaxDays, d.Days)
	}
	return nil
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// Publish stores the draft as published at now, in one transaction: one
// notice for every tenant, or one per named tenant. A tenant that does not
// exist fails the whole publication, so a typo cannot leave some affected
// tenants unnotified while the operator believes all were.
func Publish(ctx context.Context, client *ent.Client, d Draft, now time.Time) ([]*ent.Notice, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	ctx = viewer.System(ctx)
	if err := tenantsExist(ctx, client, d.Tenants); err != nil {
		return nil, err
	}
	now = stored(now)
	targets := []*pulid.ID{nil}
	if len(d.Tenants) > 0 {
		targets = make([]*pulid.ID, len(d.Tenants))
		for i := range d.Tenants {
			targets[i] = &d.Tenants[i]
		}
	}
	creates := make([]*ent.NoticeCreate, len(targets))
	for i, t := range targets {
		creates[i] = client.Notice.Create().SetNillableTenantID(t).SetKind(d.Kind).
			SetTitle(d.Title).SetBody(d.Body).SetPublishedAt(now).
			SetExpiresAt(now.AddDate(0, 0, d.Days))
	}
	return client.Notice.CreateBulk(creates...).Save(ctx)
}

// tenantsExist fails naming every id that is not a tenant, or is named twice.
func tenantsExist(ctx context.Context, client *ent.Client, ids []pulid.ID) error {
	if len(ids) == 0 {
		return nil
	}
	seen := map[pulid.ID]bool{}
	for _, id := range ids {
		if seen[id] {
			return fmt.Errorf("tenant %s is named twice", id)
		}
		seen[id] = true
	}
	found, err := client.Tenant.Query().Where(tenant.IDIn(ids...)).IDs(ctx)
	if err != nil {
		return fmt.Errorf("notices: look up tenants: %w", err)
	}
	for _, id := range found {
		delete(seen, id)
	}
	if len(seen) == 0 {
		return nil
	}
	var missing []string
	for _, id := range ids {
		if seen[id] {
			missing = append(missing, string(id))
		}
	}
	return fmt.Errorf("no such tenant: %s (nothing was published)", strings.Join(missing, " "))
}

// Withdraw ends the display of the notices now: their expires_at becomes
// now (one already expired keeps its earlier end). It returns the ids that
// are not notices.
func Withdraw(ctx context.Context, client *ent.Client, ids []pulid.ID, now time.Time) (unknown []pulid.ID, err error) {
	ctx = viewer.System(ctx)
	now = stored(now)
	found, err := client.Notice.Query().Where(notice.IDIn(ids...)).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("notices: look up: %w", err)
	}
	if err := client.Notice.Update().Where(notice.IDIn(found...), notice.ExpiresAtGT(now)).
		SetExpiresAt(now).Exec(ctx); err != nil {
		return nil, fmt.Errorf("notices: withdraw: %w", err)
	}
	known := map[pulid.ID]bool{}
	for _, id := range found {
		known[id] = true
	}
	for _, id := range ids {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	return unknown, nil
}

// stored is t as both databases keep it (PostgreSQL keeps microseconds),
// so the notices Publish returns are the ones members read back.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// All is every notice, live or not, newest first: the operator's list.
func All(ctx context.Context, client *ent.Client) ([]*ent.Notice, error) {
	return client.Notice.Query().Order(ent.Desc(notice.FieldPublishedAt), ent.Desc(notice.FieldID)).
		All(viewer.System(ctx))
}

// Live is what the caller of ctx is shown at now: the published, unexpired
// notices of their tenant and the global ones, newest first. The Notice
// type's interceptor confines the rows to the caller's tenant and global
// ones, so this reads with the caller's context, never a system one.
func Live(ctx context.Context, client *ent.Client, now time.Time) ([]*ent.Notice, error) {
	return client.Notice.Query().
		Where(notice.PublishedAtLTE(now), notice.ExpiresAtGT(now)).
		Order(ent.Desc(notice.FieldPublishedAt), ent.Desc(notice.FieldID)).
		All(ctx)
}
