package contacts

import (
	"switchboard/ent"
	"switchboard/internal/apperr"
)

// The errors of this package, in one place. All are *apperr.Error so the
// GraphQL presenter shows them as they are.
var (
	// ErrNotFound answers both an unknown id and another tenant's id, so
	// nobody can probe which ids exist elsewhere.
	ErrNotFound = apperr.NotFoundf("contact not found")
	// ErrPhoneTaken is the unique index (tenant_id, phone) speaking: the
	// database decides, not a check-then-insert race.
	ErrPhoneTaken = apperr.New(apperr.Conflict, "a contact with this phone number already exists")
)

// errPhone is a BAD_USER_INPUT on the phone field.
func errPhone(format string, args ...any) error { return apperr.Input("phone", format, args...) }

// errCSV is the one error of a malformed import file; nothing is changed.
func errCSV(format string, args ...any) error { return apperr.Input("csv", format, args...) }

// writeErr maps a failed contact write to what the client may see.
func writeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case ent.IsConstraintError(err):
		return ErrPhoneTaken
	case ent.IsNotFound(err):
		return ErrNotFound
	}
	return err
}
