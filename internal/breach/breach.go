// Package breach answers the first question of a breach response: if the
// rows of these tables written in this time window were exposed, which
// tenants and how many of their contacts (the people whose data it is)
// are affected. `switchboard breach-report` prints the answer; the operator
// then notifies those tenants with a SECURITY notice.
//
// The report holds counts and tenant names only: it never reads a
// contact's phone, name or messages, so the report itself can be shared
// with the people handling the incident.
package breach

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"switchboard/ent"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/consentevent"
	"switchboard/ent/contact"
	"switchboard/ent/conversation"
	"switchboard/ent/message"
	"switchboard/ent/predicate"
	"switchboard/ent/tenant"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// A table the report knows, and how a row of it leads to a contact.
type table struct {
	name string
	// rows are what the table's rows written in w name: a contact of a
	// tenant, once or more.
	rows func(ctx context.Context, c *ent.Client, w Window) ([]row, error)
	// what says which rows count, for the help and the README.
	what string
}

// row is one contact a table's row leads to.
type row struct {
	TenantID  pulid.ID `json:"tenant_id"`
	ContactID pulid.ID `json:"contact_id"`
}

// tables are the tables that hold personal data of contacts, in the order
// the report prints them.
var tables = []table{
	{"contacts", contactRows, "contacts created or updated in the window"},
	{"conversations", conversationRows, "conversations created or updated in the window → their contact"},
	{"messages", messageRows, "messages sent or received (timestamp) or stored in the window → their conversation's contact"},
	{"consent_events", consentRows, "consent changes made in the window → their contact"},
	{"campaign_recipients", recipientRows, "campaign recipients created or updated in the window → their contact"},
}

// Tables names the tables the report knows, with what counts in each.
func Tables() [][2]string {
	out := make([][2]string, len(tables))
	for i, t := range tables {
		out[i] = [2]string{t.name, t.what}
	}
	return out
}

// Window is the time of the breach: [From, To).
type Window struct{ From, To time.Time }

// ParseTables reads a comma-separated list of table names, refusing an
// empty list and naming any table the report does not know.
func ParseTables(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			continue
		}
		if find(name) == nil {
			return nil, fmt.Errorf("unknown table %q (known: %s)", name, known())
		}
		seen[name] = true
		out = append(out, name)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no tables given (known: %s)", known())
	}
	return out, nil
}

func find(name string) *table {
	for i := range tables {
		if tables[i].name == name {
			return &tables[i]
		}
	}
	return nil
}

func known() string {
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.name
	}
	return strings.Join(names, ", ")
}

// Impact is what a breach of the tables in the window means for one tenant.
type Impact struct {
	TenantID   pulid.ID       `json:"tenantId"`
	TenantName string         `json:"tenantName"`
	Contacts   int            `json:"contacts"` // distinct, over all the tables
	ByTable    map[string]int `json:"byTable"`  // distinct contacts per table
}

// Report is the impact of a breach of the named tables (ParseTables) in w
// on each affected tenant, most contacts first. Tenants with no affected
// contact are left out.
func Report(ctx context.Context, c *ent.Client, w Window, names []string) ([]Impact, error) {
	if !w.From.Before(w.To) {
		return nil, fmt.Errorf("the window's start %s is not before its end %s", w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	}
	ctx = viewer.System(ctx)
	all := map[pulid.ID]map[pulid.ID]bool{} // tenant → contacts
	per := map[pulid.ID]map[string]int{}    // tenant → table → contacts
	for _, name := range names {
		t := find(name)
		if t == nil {
			return nil, fmt.Errorf("unknown table %q (known: %s)", name, known())
		}
		rows, err := t.rows(ctx, c, w)
		if err != nil {
			return nil, fmt.Errorf("breach report: %s: %w", name, err)
		}
		for tenantID, contacts := range byTenant(rows) {
			if all[tenantID] == nil {
				all[tenantID], per[tenantID] = map[pulid.ID]bool{}, map[string]int{}
			}
			per[tenantID][name] = len(contacts)
			for id := range contacts {
				all[tenantID][id] = true
			}
		}
	}
	return impacts(ctx, c, names, all, per)
}

// byTenant groups rows into each tenant's distinct contacts.
func byTenant(rows []row) map[pulid.ID]map[pulid.ID]bool {
	out := map[pulid.ID]map[pulid.ID]bool{}
	for _, r := range rows {
		if out[r.TenantID] == nil {
			out[r.TenantID] = map[pulid.ID]bool{}
		}
		out[r.TenantID][r.ContactID] = true
	}
	return out
}

// impacts names the tenants and orders them, most contacts first.
// Every table named gets a count, 0 included, so a reader never has to
// tell "none" from "not asked".
func impacts(ctx context.Context, c *ent.Client, names []string, all map[pulid.ID]map[pulid.ID]bool, per map[pulid.ID]map[string]int) ([]Impact, error) {
	ids := make([]pulid.ID, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	ts, err := c.Tenant.Query().Where(tenant.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("breach report: tenants: %w", err)
	}
	tenantNames := map[pulid.ID]string{}
	for _, t := range ts {
		tenantNames[t.ID] = t.Name
	}
	out := make([]Impact, 0, len(ids))
	for _, id := range ids {
		for _, name := range names {
			per[id][name] += 0 // 0 when the table named none of the tenant's contacts
		}
		out = append(out, Impact{TenantID: id, TenantName: tenantNames[id], Contacts: len(all[id]), ByTable: per[id]})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Contacts != out[j].Contacts {
			return out[i].Contacts > out[j].Contacts
		}
		return out[i].TenantID < out[j].TenantID
	})
	return out, nil
}

// within is "column in [from, to)".
func within(column string, w Window) func(*sql.Selector) {
	return sql.AndPredicates(sql.FieldGTE(column, w.From), sql.FieldLT(column, w.To))
}

// writtenIn is a row created or updated in the window.
func writtenIn(w Window) func(*sql.Selector) {
	return sql.OrPredicates(within("created_at", w), within("updated_at", w))
}

func contactRows(ctx context.Context, c *ent.Client, w Window) ([]row, error) {
	var contacts []struct {
		TenantID pulid.ID `json:"tenant_id"`
		ID       pulid.ID `json:"id"`
	}
	err := c.Contact.Query().Where(predicate.Contact(writtenIn(w))).
		Select(contact.FieldTenantID, contact.FieldID).Scan(ctx, &contacts)
	rows := make([]row, len(contacts))
	for i, ct := range contacts {
		rows[i] = row{TenantID: ct.TenantID, ContactID: ct.ID}
	}
	return rows, err
}

func conversationRows(ctx context.Context, c *ent.Client, w Window) ([]row, error) {
	var rows []row
	err := c.Conversation.Query().Where(predicate.Conversation(writtenIn(w))).
		Select(conversation.FieldTenantID, conversation.FieldContactID).Scan(ctx, &rows)
	return rows, err
}

// messageRows reads the contacts of conversations with a message in the
// window, as one query (a semi-join), never the messages themselves.
func messageRows(ctx context.Context, c *ent.Client, w Window) ([]row, error) {
	inWindow := predicate.Message(sql.OrPredicates(within(message.FieldTimestamp, w), within(message.FieldCreatedAt, w)))
	var rows []row
	err := c.Conversation.Query().Where(conversation.HasMessagesWith(inWindow)).
		Select(conversation.FieldTenantID, conversation.FieldContactID).Scan(ctx, &rows)
	return rows, err
}

func consentRows(ctx context.Context, c *ent.Client, w Window) ([]row, error) {
	var rows []row
	err := c.ConsentEvent.Query().Where(predicate.ConsentEvent(within(consentevent.FieldAt, w))).
		Select(consentevent.FieldTenantID, consentevent.FieldContactID).Scan(ctx, &rows)
	return rows, err
}

func recipientRows(ctx context.Context, c *ent.Client, w Window) ([]row, error) {
	var rows []row
	err := c.CampaignRecipient.Query().Where(predicate.CampaignRecipient(writtenIn(w))).
		Select(campaignrecipient.FieldTenantID, campaignrecipient.FieldContactID).Scan(ctx, &rows)
	return rows, err
}
