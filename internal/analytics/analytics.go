// Package analytics answers what a tenant's messaging amounted to: message
// counts and rates by UTC day (messageStats), and billable usage as Meta
// prices it (billableUsage), kept in usage_dailies as counts that outlive
// message retention. The counting happens in the database, grouped over
// the messages' (tenant_id, timestamp) index range, so a question about a
// month of millions of messages reads index entries, not messages into Go.
package analytics

import (
	"time"

	"switchboard/internal/apperr"
)

// MaxRange is the longest period one question may cover: a year, leap
// day included.
const MaxRange = 366 * 24 * time.Hour

// Day is a UTC calendar day as the API shows it.
const dayLayout = "2006-01-02"

// CheckRange refuses an empty, reversed or too long [from, to).
func CheckRange(from, to time.Time) error {
	if !to.After(from) {
		return apperr.Input("to", "to must be after from")
	}
	if to.Sub(from) > MaxRange {
		return apperr.Input("to", "the range may cover at most 366 days")
	}
	return nil
}

// DayOf is midnight UTC of t's UTC day: the key usage is counted under.
func DayOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
