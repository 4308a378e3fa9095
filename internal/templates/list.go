package templates

import (
	"context"
	"strings"

	"entgo.io/contrib/entgql"

	"switchboard/ent"
	"switchboard/ent/template"
	"switchboard/internal/apperr"
	"switchboard/internal/pulid"
)

// Filter narrows the templates list; zero fields do not filter.
type Filter struct {
	Status    template.Status
	Category  template.Category
	Search    string // a case-insensitive substring of the name
	ChannelID pulid.ID
}

// maxSearchLen bounds the search string; template names have at most 512.
const maxSearchLen = 512

// newestFirst orders by primary key, descending: ids are ULIDs minted when
// the template is stored, so id order is creation order, and paging on the
// id alone is exact on both databases (see contacts.List).
var newestFirst = &ent.TemplateOrder{Direction: entgql.OrderDirectionDesc, Field: ent.DefaultTemplateOrder.Field}

// List returns one Relay page of the tenant's templates, newest first,
// with totalCount.
func List(ctx context.Context, c *ent.Client, after *entgql.Cursor[pulid.ID], first *int,
	before *entgql.Cursor[pulid.ID], last *int, f Filter) (*ent.TemplateConnection, error) {
	q := c.Template.Query()
	if f.Status != "" {
		q.Where(template.StatusEQ(f.Status))
	}
	if f.Category != "" {
		q.Where(template.CategoryEQ(f.Category))
	}
	if f.ChannelID != "" {
		q.Where(template.ChannelID(f.ChannelID))
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		if len(s) > maxSearchLen {
			return nil, apperr.Input("filter.search", "search is too long (at most %d bytes)", maxSearchLen)
		}
		q.Where(template.NameContainsFold(s))
	}
	return q.Paginate(ctx, after, first, before, last, ent.WithTemplateOrder(newestFirst))
}
