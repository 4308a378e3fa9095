package contacts

import (
	"context"
	"maps"
	"slices"
	"time"

	"switchboard/ent"
	"switchboard/ent/contact"
	"switchboard/internal/audit"
	"switchboard/internal/pulid"
)

// ImportResult is what an import did: contacts created and updated, and
// the rows skipped with why.
type ImportResult struct {
	Created, Updated, Failed int
	Errors                   []RowError
}

// ImportSource is the optInSource recorded when an import changes a
// contact's opt-in status, so consent can be traced to where it came from.
const ImportSource = "csv import"

// importBatch is the number of rows per INSERT … ON CONFLICT statement and
// per lookup of existing phones. A contact row binds at most
// len(contact.Columns) = 14 parameters, far under SQLite's limit of 32,766
// and PostgreSQL's 65,535 per statement. It is small because the SQLite
// driver (modernc) matches bound parameters to arguments in quadratic time:
// 1,000-row batches spent half the import binding; 100-row batches are the
// fastest measured on both databases (docs/BENCHMARKS.md).
const importBatch = 100

// Import creates or updates contacts from a CSV file with the header
// phone,name,tags,opt_in (see parseCSV for the file's rules). It reads
// the whole file first: a malformed file is one BAD_USER_INPUT on "csv"
// and changes nothing. Valid rows are written with batched upserts keyed
// by the unique index (tenant_id, phone), never one statement per row.
//
// An empty name, tags or opt_in cell leaves an existing contact's value as
// it is (a new contact gets none, none and UNKNOWN); a non-empty tags cell
// replaces the tags. So importing a tenant's own export changes nothing,
// and importing it elsewhere reproduces it.
func (s *Service) Import(ctx context.Context, c *ent.Client, data string) (*ImportResult, error) {
	p, err := parseCSV(data)
	if err != nil {
		return nil, err
	}
	found, err := existing(ctx, c, p.rows)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{Failed: p.failed, Errors: p.errors}
	now := s.now()
	batch := make([]*ent.ContactCreate, 0, importBatch)
	consent := map[string]contact.OptInStatus{} // the batch's phones whose opt-in the file changes
	for i, row := range p.rows {
		cur := found[row.phone]
		if cur == nil {
			res.Created++
			cur = &ent.Contact{OptInStatus: contact.DefaultOptInStatus, Tags: []string{}}
		} else {
			res.Updated++
		}
		if row.optIn != "" && row.optIn != cur.OptInStatus {
			consent[row.phone] = row.optIn
		}
		batch = append(batch, merge(c.Contact.Create(), cur, row, now))
		if len(batch) == importBatch || i == len(p.rows)-1 {
			if err := upsert(ctx, c, batch); err != nil {
				return nil, err
			}
			if err := recordImported(ctx, c, consent, now); err != nil {
				return nil, err
			}
			batch = batch[:0]
			clear(consent)
		}
	}
	err = audit.Record(ctx, c, audit.Entry{Action: audit.ContactsImport, TargetType: audit.TargetContact,
		Metadata: map[string]any{"rows": len(p.rows) + p.failed, "created": res.Created, "updated": res.Updated, "failed": res.Failed}})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// merge fills b with the contact cur becomes after row: the full row, so
// the upsert can overwrite every imported column from excluded values.
func merge(b *ent.ContactCreate, cur *ent.Contact, row importRow, now time.Time) *ent.ContactCreate {
	name, tags := cur.Name, cur.Tags
	if row.name != "" {
		name = row.name
	}
	if len(row.tags) > 0 {
		tags = row.tags
	}
	if tags == nil {
		tags = []string{}
	}
	status, source, at := cur.OptInStatus, cur.OptInSource, cur.OptInAt
	if row.optIn != "" && row.optIn != status {
		status, source = row.optIn, ImportSource
		at = optInAt(cur.OptInStatus, cur.OptInAt, row.optIn, now)
	}
	b.SetPhone(row.phone).SetTags(tags).SetOptInStatus(status).SetNillableOptInAt(at)
	if name != "" {
		b.SetName(name)
	}
	if source != "" {
		b.SetOptInSource(source)
	}
	return b
}

// recordImported appends to the consent history of the contacts whose
// opt-in an import batch changed (phone → new status), in one statement.
func recordImported(ctx context.Context, c *ent.Client, changed map[string]contact.OptInStatus, now time.Time) error {
	if len(changed) == 0 {
		return nil
	}
	ids, err := c.Contact.Query().Where(contact.PhoneIn(slices.Collect(maps.Keys(changed))...)).
		Select(contact.FieldID, contact.FieldTenantID, contact.FieldPhone).All(ctx)
	if err != nil {
		return err
	}
	events := make([]*ent.ConsentEventCreate, 0, len(ids))
	for _, ct := range ids {
		events = append(events, c.ConsentEvent.Create().SetTenantID(ct.TenantID).SetContactID(ct.ID).
			SetStatus(string(changed[*ct.Phone])).SetSource(ImportSource).SetAt(now))
	}
	return c.ConsentEvent.CreateBulk(events...).Exec(ctx)
}

// upsert writes one batch in one statement. Columns a row leaves unset
// are NULL in the batch, and excluded.col is the new value in both
// dialects, so clearing and keeping both work.
func upsert(ctx context.Context, c *ent.Client, batch []*ent.ContactCreate) error {
	return c.Contact.CreateBulk(batch...).
		OnConflictColumns(contact.FieldTenantID, contact.FieldPhone).
		Update(func(u *ent.ContactUpsert) {
			u.UpdateName()
			u.UpdateTags()
			u.UpdateOptInStatus()
			u.UpdateOptInSource()
			u.UpdateOptInAt()
			u.UpdateUpdatedAt()
		}).
		Exec(ctx)
}

// existing returns the tenant's contacts among the rows' phones. When the
// file is large next to the tenant, it reads the tenant's contacts once
// (paged by id) instead of looking phones up batch by batch: right after
// a bulk load PostgreSQL has no statistics yet and plans each "phone IN
// (…)" batch as a full scan, which made a 100,000-row re-import spend 18 s
// in lookups. A tenant with no contacts needs no lookup at all.
func existing(ctx context.Context, c *ent.Client, rows []importRow) (map[string]*ent.Contact, error) {
	out := make(map[string]*ent.Contact)
	total, err := c.Contact.Query().Count(ctx)
	if err != nil || total == 0 {
		return out, err
	}
	if total <= 4*len(rows) {
		return out, scanTenant(ctx, c, rows, out)
	}
	phones := make([]string, 0, importBatch)
	for i := 0; i < len(rows); i += importBatch {
		phones = phones[:0]
		for _, r := range rows[i:min(i+importBatch, len(rows))] {
			phones = append(phones, r.phone)
		}
		found, err := c.Contact.Query().Where(contact.PhoneIn(phones...)).Select(importColumns...).All(ctx)
		if err != nil {
			return nil, err
		}
		for _, ct := range found {
			if ct.Phone != nil {
				out[*ct.Phone] = ct
			}
		}
	}
	return out, nil
}

// importColumns are the columns an import reads to merge a row into an
// existing contact.
var importColumns = []string{contact.FieldPhone, contact.FieldName, contact.FieldTags,
	contact.FieldOptInStatus, contact.FieldOptInSource, contact.FieldOptInAt}

// scanTenant reads all the tenant's contacts in id order, keeping those
// whose phone is in rows.
func scanTenant(ctx context.Context, c *ent.Client, rows []importRow, out map[string]*ent.Contact) error {
	wanted := make(map[string]bool, len(rows))
	for _, r := range rows {
		wanted[r.phone] = true
	}
	var after pulid.ID
	for {
		q := c.Contact.Query().Order(ent.Asc(contact.FieldID)).Limit(exportPage).Select(importColumns...)
		if after != "" {
			q.Where(contact.IDGT(after))
		}
		page, err := q.All(ctx)
		if err != nil {
			return err
		}
		for _, ct := range page {
			if ct.Phone != nil && wanted[*ct.Phone] {
				out[*ct.Phone] = ct
			}
		}
		if len(page) < exportPage {
			return nil
		}
		after = page[len(page)-1].ID
	}
}
