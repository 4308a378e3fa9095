package contacts

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"switchboard/internal/apperr"
)

// Limits on contact fields. Tags are labels for filtering and campaign
// audiences, not notes; the bounds keep rows and CSV files reasonable.
const (
	MaxTags      = 50
	MaxTagLen    = 64  // characters
	MaxNameLen   = 200 // bytes, the column's limit
	MaxSourceLen = 200 // bytes, the column's limit
	// TagSeparator separates tags inside the CSV tags column, so no tag
	// may contain it.
	TagSeparator = ";"
)

// cleanTags trims, checks and de-duplicates tags (first spelling wins,
// order kept). dropBlank skips empty entries, which a CSV cell like
// "vip;" produces; through the API a blank tag is a mistake to report.
func cleanTags(tags []string, dropBlank bool) ([]string, error) {
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		t = strings.TrimSpace(t)
		switch {
		case t == "" && dropBlank:
			continue
		case t == "":
			return nil, apperr.Input("tags", "tags must not be blank")
		case utf8.RuneCountInString(t) > MaxTagLen:
			return nil, apperr.Input("tags", "tag %q is longer than %d characters", clip(t, 20), MaxTagLen)
		case strings.Contains(t, TagSeparator):
			return nil, apperr.Input("tags", "tag %q contains %q, which separates tags in CSV files", clip(t, 20), TagSeparator)
		case hasControl(t):
			return nil, apperr.Input("tags", "tags must not contain control characters")
		case seen[t]:
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, apperr.Input("tags", "a contact has at most %d tags, got %d", MaxTags, len(out))
	}
	return out, nil
}

// cleanText trims a free-text field and checks it against the column's
// byte limit; control characters (newlines included) are refused because
// they would not survive a CSV export and re-import unchanged.
func cleanText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > max {
		return "", apperr.Input(field, "%s is too long (at most %d bytes)", field, max)
	}
	if hasControl(s) {
		return "", apperr.Input(field, "%s must not contain control characters or line breaks", field)
	}
	return s, nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
