package contacts

import "strings"

// CSV injection. A spreadsheet that opens an exported file runs a cell
// that starts with =, +, - or @ as a formula (tab and CR are treated the
// same way by some), so a contact named =HYPERLINK("http://x","click")
// would become a live link, or worse, on an agent's machine. Export
// prefixes such values with ', which spreadsheets show as text and do not
// run; import removes exactly that prefix, so import(export(x)) gives x
// back. The phone column is left alone: it is always E.164 (+ and digits),
// which no spreadsheet can turn into anything but a number.
//
// The rule applies to each ;-separated part of the name and tags cells,
// not only to the cell's start. The tags cell holds tags joined with ;,
// and many spreadsheets (Excel in most European locales) split CSV lines
// on ; rather than on ,: then a tag =x in the middle of the cell, or a
// name "Ada;=x", begins a cell of its own and would run.
//
// The prefix must be unambiguous, since a value may itself start with '.
// So a part is prefixed when, after any ' it starts with, it begins with
// a formula character: =x → '=x, and '=x → ''=x, ''=x → '''=x. Import
// removes one ' from a part that starts with ' and, after its ', begins
// with a formula character, and leaves every other part as it is. Every
// part export leaves unchanged is one that import leaves unchanged (it
// does not start with ' followed by a formula character), and every
// part export prefixes gets exactly its one ' back: unescapeCell undoes
// escapeCell for every string. A value like 'hello (a ' not followed by a
// formula character) is written and read as it is.

// formulaStart holds the characters that make a spreadsheet cell a
// formula (OWASP's list for CSV injection).
const formulaStart = "=+-@\t\r"

// escapeCell returns a name or tags cell as export writes it.
func escapeCell(s string) string {
	if !strings.ContainsAny(s, formulaStart) {
		return s // the common case: nothing to escape
	}
	parts := strings.Split(s, TagSeparator)
	for i, p := range parts {
		if formulaAfterQuotes(p) {
			parts[i] = "'" + p
		}
	}
	return strings.Join(parts, TagSeparator)
}

// unescapeCell returns the value of a name or tags cell that escapeCell
// wrote: the inverse of escapeCell.
func unescapeCell(s string) string {
	if !strings.Contains(s, "'") {
		return s
	}
	parts := strings.Split(s, TagSeparator)
	for i, p := range parts {
		parts[i] = unescapePart(p)
	}
	return strings.Join(parts, TagSeparator)
}

// unescapePart removes the prefix escapeCell adds to one part.
func unescapePart(p string) string {
	if strings.HasPrefix(p, "'") && formulaAfterQuotes(p) {
		return p[1:]
	}
	return p
}

// formulaAfterQuotes reports whether p, after any leading ', starts with
// a formula character.
func formulaAfterQuotes(p string) bool {
	p = strings.TrimLeft(p, "'")
	return p != "" && strings.IndexByte(formulaStart, p[0]) >= 0
}

// EscapeCell escapes a free-text cell of any CSV export (a campaign's
// recipients, say) as contacts' export does, so that a spreadsheet never
// runs it as a formula.
func EscapeCell(s string) string { return escapeCell(s) }
