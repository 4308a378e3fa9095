package contacts

import (
	"context"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqljson"

	"switchboard/ent"
	"switchboard/ent/contact"
	"switchboard/ent/predicate"
	"switchboard/internal/apperr"
	"switchboard/internal/pulid"
)

// Filter narrows a contact list; zero fields do not filter.
type Filter struct {
	// Search is a case-insensitive substring of phone, name, profile
	// name or WhatsApp username, or a substring of the WhatsApp user id
	// (BSUID). A phone-looking search ("650 555-12") also matches the
	// phone's digits, so people can type numbers the way they read them.
	Search      string
	Tag         string
	OptInStatus contact.OptInStatus
}

// maxSearchLen bounds the search string; longer ones are mistakes.
const maxSearchLen = 200

// DefaultOrder lists the newest contacts first.
var DefaultOrder = &ent.ContactOrder{Direction: entgql.OrderDirectionDesc, Field: ent.ContactOrderFieldCreatedAt}

// byCreation orders by creation time through the primary key: ids are
// ULIDs minted (monotonically) when the contact is created, so id order is
// creation order. Paging on the id alone is exact on both databases,
// whereas a (created_at, id) cursor compares timestamps, and the SQLite
// driver stores those as time.Time.String() text (with a monotonic-clock
// suffix and trimmed zeros) that does not compare as time.
func byCreation(o *ent.ContactOrder) *ent.ContactOrder {
	if o.Field == nil || o.Field.String() != ent.ContactOrderFieldCreatedAt.String() {
		return o
	}
	return &ent.ContactOrder{Direction: o.Direction, Field: idOrder}
}

// idOrder is ent's generated order by primary key, captured before anyone
// could reassign ent.DefaultContactOrder.
var idOrder = ent.DefaultContactOrder.Field

// List returns one Relay page of the tenant's contacts with totalCount.
// Matching is done in SQL that works the same on SQLite and PostgreSQL:
// LIKE wildcards in the search are escaped, and ASCII case-folding is
// guaranteed on both (PostgreSQL also folds non-ASCII letters).
func (s *Service) List(ctx context.Context, c *ent.Client, after *entgql.Cursor[pulid.ID], first *int,
	before *entgql.Cursor[pulid.ID], last *int, order *ent.ContactOrder, f Filter) (*ent.ContactConnection, error) {
	q := c.Contact.Query()
	if search := strings.TrimSpace(f.Search); search != "" {
		if len(search) > maxSearchLen {
			return nil, apperr.Input("search", "search is too long (at most %d bytes)", maxSearchLen)
		}
		q.Where(searchPredicate(search))
	}
	if tag := strings.TrimSpace(f.Tag); tag != "" {
		q.Where(predicate.Contact(func(s *sql.Selector) {
			s.Where(sqljson.ValueContains(s.C(contact.FieldTags), tag))
		}))
	}
	if f.OptInStatus != "" {
		q.Where(contact.OptInStatusEQ(f.OptInStatus))
	}
	if order == nil {
		order = DefaultOrder
	}
	return q.Paginate(ctx, after, first, before, last, ent.WithContactOrder(byCreation(order)))
}

func searchPredicate(search string) predicate.Contact {
	or := []predicate.Contact{
		contact.PhoneContains(search),
		contact.NameContainsFold(search),
		contact.ProfileNameContainsFold(search),
		contact.UsernameContainsFold(search),
		contact.UserIDContains(search),
	}
	if d := phoneDigits(search); d != "" {
		or = append(or, contact.PhoneContains(d))
	}
	return contact.Or(or...)
}

// phoneDigits returns the digits of a search that looks like (part of) a
// phone number, or "".
func phoneDigits(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || (r == '+' && i == 0):
		default:
			return ""
		}
	}
	return b.String()
}
