package contacts

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"switchboard/ent/contact"
	"switchboard/internal/apperr"
)

// CSV format limits. MaxImportRows bounds one import's transaction and
// memory; MaxReportedErrors bounds the answer when a whole file is bad
// (Failed still counts every bad row).
const (
	MaxImportRows     = 100_000
	MaxReportedErrors = 1_000
)

// Header is the first line of every contacts CSV, import and export.
var Header = []string{"phone", "name", "tags", "opt_in"}

// RowError is one skipped row of an import.
type RowError struct {
	Line    int // line number in the file; the header is line 1
	Message string
}

// importRow is one valid data row, normalized.
type importRow struct {
	line  int
	phone string
	name  string   // "" = leave as is (new contacts: no name)
	tags  []string // empty = leave as is (new contacts: no tags)
	optIn contact.OptInStatus
}

// parsed is a CSV file split into valid rows and reported bad ones.
type parsed struct {
	rows   []importRow
	errors []RowError
	failed int
}

func (p *parsed) reject(line int, format string, args ...any) {
	p.failed++
	if len(p.errors) < MaxReportedErrors {
		p.errors = append(p.errors, RowError{Line: line, Message: fmt.Sprintf(format, args...)})
	}
}

// parseCSV reads a whole import file before anything is written. Problems
// of the file itself (not UTF-8 text, no header, broken quoting, too many
// rows) are one BAD_USER_INPUT on "csv"; problems of single rows are
// reported by line. A phone that appears again later in the file is
// reported on the later line and skipped: the first occurrence wins, so
// a file never updates one contact twice in ways that depend on order.
func parseCSV(data string) (*parsed, error) {
	data = strings.TrimPrefix(data, "\uFEFF")
	// JSON carries only valid UTF-8, so bytes that were not UTF-8 in the
	// client's file arrive as U+FFFD; either way the text is not what the
	// user saved, and importing it would store mangled names.
	if !utf8.ValidString(data) || strings.ContainsRune(data, utf8.RuneError) {
		return nil, errCSV("the file is not UTF-8 text; save it as CSV (UTF-8)")
	}
	if i := strings.IndexFunc(data, func(r rune) bool { return r < ' ' && r != '\n' && r != '\r' && r != '\t' }); i >= 0 {
		return nil, errCSV("the file contains binary data (control character at line %d); expected CSV text", strings.Count(data[:i], "\n")+1)
	}
	r := csv.NewReader(strings.NewReader(data))
	r.FieldsPerRecord = -1 // a wrong column count is a row error, not a file error
	r.ReuseRecord = true
	head, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errCSV("the file is empty; its first line must be the header %s", strings.Join(Header, ","))
	}
	if err != nil {
		return nil, malformed(err)
	}
	if !isHeader(head) {
		return nil, errCSV("the first line must be the header %s, found %q", strings.Join(Header, ","), clip(strings.Join(head, ","), 60))
	}
	p := &parsed{}
	firstLine := make(map[string]int)
	for n := 0; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, malformed(err)
		}
		if n == MaxImportRows {
			return nil, errCSV("the file has more than %d rows; split it into smaller files", MaxImportRows)
		}
		line, _ := r.FieldPos(0)
		row, err := parseRow(rec)
		if err != nil {
			p.reject(line, "%s", err.Error())
			continue
		}
		if first, dup := firstLine[row.phone]; dup {
			p.reject(line, "phone %s already appears on line %d", row.phone, first)
			continue
		}
		firstLine[row.phone] = line
		row.line = line
		p.rows = append(p.rows, row)
	}
	return p, nil
}

func isHeader(rec []string) bool {
	if len(rec) != len(Header) {
		return false
	}
	for i, h := range Header {
		if !strings.EqualFold(strings.TrimSpace(rec[i]), h) {
			return false
		}
	}
	return true
}

// malformed turns a csv parse error into the one file-level error.
func malformed(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return errCSV("the file could not be read as CSV: %v", err)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		return errCSV("line %d: a quoted field is not closed; check for a missing or extra \"", pe.StartLine)
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return errCSV("line %d: a \" inside a field must be doubled and the field quoted", pe.Line)
	}
	return errCSV("line %d: %v", pe.Line, pe.Err)
}

// parseRow validates one data row; the error message is shown to the user.
func parseRow(rec []string) (importRow, error) {
	if len(rec) != len(Header) {
		return importRow{}, fmt.Errorf("expected %d columns (%s), found %d", len(Header), strings.Join(Header, ","), len(rec))
	}
	if strings.TrimSpace(rec[0]) == "" {
		// Export writes such rows for contacts known only by their
		// WhatsApp user id (BSUID): a CSV row has no user id to match or
		// create them by, so importing an export leaves them as they are.
		return importRow{}, fmt.Errorf("no phone number: a contact known only by its WhatsApp user id is not imported (it is left as it is)")
	}
	phone, err := NormalizePhone(rec[0])
	if err != nil {
		return importRow{}, rowErr(err)
	}
	// Names and tags lose the prefix that export adds against formula
	// injection (csvescape.go); the cell is trimmed first, and each tag
	// too, as they would be anyway.
	name, err := cleanText("name", unescapeCell(strings.TrimSpace(rec[1])), MaxNameLen)
	if err != nil {
		return importRow{}, rowErr(err)
	}
	tagCells := strings.Split(rec[2], TagSeparator)
	for i, t := range tagCells {
		tagCells[i] = unescapePart(strings.TrimSpace(t))
	}
	tags, err := cleanTags(tagCells, true)
	if err != nil {
		return importRow{}, rowErr(err)
	}
	row := importRow{phone: phone, name: name, tags: tags}
	switch strings.ToLower(strings.TrimSpace(rec[3])) {
	case "yes":
		row.optIn = contact.OptInStatusOPTED_IN
	case "no":
		row.optIn = contact.OptInStatusOPTED_OUT
	case "":
	default:
		return importRow{}, fmt.Errorf("opt_in must be yes, no or empty, found %q", clip(rec[3], 20))
	}
	return row, nil
}

// rowErr prefixes a field error with its column, since a row has no
// GraphQL field of its own.
func rowErr(err error) error {
	if ae, ok := apperr.As(err); ok && ae.Field != "" && !strings.HasPrefix(ae.Message, ae.Field) {
		return fmt.Errorf("%s: %s", ae.Field, ae.Message)
	}
	return err
}
