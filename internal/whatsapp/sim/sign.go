package sim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// signatureHeader is where Meta signs webhook bodies.
const signatureHeader = "X-Hub-Signature-256"

// sign returns the X-Hub-Signature-256 value Meta sends for body: "sha256=" and the hex
// HMAC-SHA256 of the raw bytes keyed by the app secret. It duplicates whatsapp.Sign on
// purpose: the simulator must not share code with the verifier it tests, or a bug in one
// would be hidden by the same bug in the other.
func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
