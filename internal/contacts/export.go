package contacts

import (
	"context"
	"encoding/csv"
	"strings"

	"switchboard/ent"
	"switchboard/ent/contact"
	"switchboard/internal/audit"
	"switchboard/internal/pulid"
)

// exportPage is how many contacts one export query reads, so a large
// tenant is read in bounded chunks rather than one huge result set.
const exportPage = 5000

// Export writes every contact of the tenant as CSV with the import header,
// in creation order (ids are time-ordered ULIDs, so the order is stable
// and keyset paging by id never skips or repeats a row). opt_in is yes,
// no or empty for OPTED_IN, OPTED_OUT and UNKNOWN, so Import reads the
// file back to the same contacts. Names and tags a spreadsheet would run
// as formulas are escaped (csvescape.go). The export is audited: it hands
// out every customer's phone number.
func (s *Service) Export(ctx context.Context, c *ent.Client) (string, error) {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(Header)
	var after pulid.ID
	total := 0
	for {
		q := c.Contact.Query().Order(ent.Asc(contact.FieldID)).Limit(exportPage).
			Select(contact.FieldPhone, contact.FieldName, contact.FieldTags, contact.FieldOptInStatus)
		if after != "" {
			q.Where(contact.IDGT(after))
		}
		page, err := q.All(ctx)
		if err != nil {
			return "", err
		}
		for _, ct := range page {
			// A contact known only by its BSUID has no phone: its
			// cell is empty (the row names it by name and tags).
			_ = w.Write([]string{deref(ct.Phone), escapeCell(ct.Name), escapeCell(strings.Join(ct.Tags, TagSeparator)), optInCell(ct.OptInStatus)})
		}
		total += len(page)
		if len(page) < exportPage {
			break
		}
		after = page[len(page)-1].ID
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return "", err
	}
	err := audit.Record(ctx, c, audit.Entry{Action: audit.ContactsExport, TargetType: audit.TargetContact,
		Metadata: map[string]any{"count": total}})
	if err != nil {
		return "", err
	}
	return b.String(), nil
}

func optInCell(s contact.OptInStatus) string {
	switch s {
	case contact.OptInStatusOPTED_IN:
		return "yes"
	case contact.OptInStatusOPTED_OUT:
		return "no"
	}
	return ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ExportOne is one contact as CSV in Export's format: the header and its
// row (a privacy export's exportCsv).
func ExportOne(phone *string, name string, tags []string, status contact.OptInStatus) (string, error) {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(Header)
	_ = w.Write([]string{deref(phone), escapeCell(name), escapeCell(strings.Join(tags, TagSeparator)), optInCell(status)})
	w.Flush()
	return b.String(), w.Error()
}
