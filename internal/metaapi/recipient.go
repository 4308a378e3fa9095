package metaapi

import "strings"

// Recipient is who a message goes to: a phone number (wa_id digits), a
// business-scoped user id (BSUID, e.g. "US.13491208655302741918"), or both.
// When both are known the phone number is used: it is the documented way
// and authentication templates need it (131062).
type Recipient struct {
	Phone  string // wa_id digits; a leading '+' is dropped
	UserID string // BSUID
}

// addressing is the recipient part of a message request.
type addressing struct {
	RecipientType string `json:"recipient_type"`
	To            string `json:"to,omitempty"`
	Recipient     string `json:"recipient,omitempty"`
}

// address is the one place that maps a Recipient to request fields. Meta
// has not settled (META.md: unverified) whether a BSUID goes in "to" or in
// a separate field; we send it in "to". If Meta documents a separate field,
// set addressing.Recipient here instead and nothing else changes.
func address(r Recipient) (addressing, error) {
	phone := strings.TrimPrefix(strings.TrimSpace(r.Phone), "+")
	switch {
	case phone != "":
		if len(phone) > 20 || strings.Trim(phone, "0123456789") != "" {
			return addressing{}, invalid("to.phone", "must be digits only (wa_id), got %q", r.Phone)
		}
		return addressing{RecipientType: "individual", To: phone}, nil
	case r.UserID != "":
		if len(r.UserID) > 256 || strings.ContainsAny(r.UserID, " \t\r\n") {
			return addressing{}, invalid("to.user_id", "is not a BSUID: %q", r.UserID)
		}
		return addressing{RecipientType: "individual", To: r.UserID}, nil
	}
	return addressing{}, invalid("to", "needs a phone number or a user id")
}
