package graphapi

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
)

// apiError is one of Meta's error answers; the HTTP status is chosen by the caller.
type apiError struct {
	code    int
	typ     string
	message string
	details string
}

var (
	errTokenRevoked = apiError{190, "OAuthException", "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.", "Access token revoked"}
	errTokenInvalid = apiError{190, "OAuthException", "Invalid OAuth access token - Cannot parse access token", "Invalid access token"}
	errThroughput   = apiError{130429, "OAuthException", "(#130429) Rate limit hit", "Cloud API message throughput has been reached."}
	errPairRate     = apiError{131056, "OAuthException", "(#131056) (Business Account, Consumer Account) pair rate limit hit", "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time."}
	errNoWindow     = apiError{131047, "OAuthException", "(#131047) Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}
	errUnavailable  = apiError{131000, "OAuthException", "(#131000) Something went wrong", "Something went wrong"}
	errBadParam     = apiError{100, "OAuthException", "(#100) Invalid parameter", ""}
	errNotFound     = apiError{100, "GraphMethodException", "Unsupported get request. Object does not exist, cannot be loaded due to missing permissions, or does not support this operation.", ""}
)

func (e apiError) with(details string) apiError { e.details = details; return e }

// writeError answers in Meta's error format:
// {"error":{"message","type","code","error_data":{"details"},"fbtrace_id"}}.
func writeError(w http.ResponseWriter, status int, e apiError) {
	body := map[string]any{"message": e.message, "type": e.typ, "code": e.code, "fbtrace_id": traceID()}
	if e.details != "" {
		body["error_data"] = map[string]any{"messaging_product": "whatsapp", "details": e.details}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "invalid_token"`)
	}
	writeJSON(w, status, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// traceID looks like Meta's fbtrace_id: 11 random base64url characters.
func traceID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "A" + base64.RawURLEncoding.EncodeToString(b)[:10]
}
