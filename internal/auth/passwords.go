package auth

import (
	_ "embed"
	"strings"
	"sync"

	"switchboard/internal/apperr"
)

// commonPasswords is the list of passwords too common to accept, one a
// line, lower case (see gen_common_passwords.go for how it is composed).
//
//go:embed common_passwords.txt
var commonPasswords string

// commonSet is commonPasswords as a set, built on first use.
var commonSet = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 40000)
	for line := range strings.Lines(commonPasswords) {
		line = strings.TrimRight(line, "\r\n")
		if line != "" && !strings.HasPrefix(line, "#") {
			set[line] = struct{}{}
		}
	}
	return set
})

// validPassword applies API.md's rules to a new member's password: at
// least MinPasswordLength characters, not only spaces, not a common
// password, and not the member's own email address or its local part
// (compared case-insensitively). email is the normalized address. Each
// refusal says why, on the password field.
func validPassword(pw, email string) error {
	if len([]rune(pw)) < MinPasswordLength {
		return apperr.Input("password", "password must be at least %d characters", MinPasswordLength)
	}
	if strings.TrimSpace(pw) == "" {
		return apperr.Input("password", "password must not be only spaces")
	}
	lower := strings.ToLower(strings.TrimSpace(pw))
	local, _, _ := strings.Cut(email, "@")
	if lower == email || lower == local {
		return apperr.Input("password", "password must not be your email address")
	}
	if _, ok := commonSet()[lower]; ok {
		return apperr.Input("password", "password is one of the most common passwords; choose one that is harder to guess")
	}
	return nil
}
