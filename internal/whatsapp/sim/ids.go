package sim

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Wamid makes a message id shaped like Meta's ("wamid." + base64). It is a pure function of
// its inputs so that a scenario replayed with the same seed produces the same ids, and the
// sequence number keeps ids unique within a run.
func Wamid(waID string, seq uint64, salt uint64) string {
	raw := fmt.Sprintf("\x15\x02\x00\x11\x18\x12%s%016X%010d", waID, salt, seq)
	return "wamid.HBgL" + base64.StdEncoding.EncodeToString([]byte(raw))
}

func mediaID(r *rand.Rand) string {
	return strconv.FormatUint(1_000_000_000_000_000+r.Uint64N(8_999_999_999_999_999), 10)
}

// MediaContent is the file behind a media id of the simulator's inbound webhooks: the bytes the
// simulated Graph API serves for it, whose SHA-256 the webhook carries.
func MediaContent(id string) []byte { return []byte("media:" + id) }

func mediaHash(id string) string {
	sum := sha256.Sum256(MediaContent(id))
	return base64.StdEncoding.EncodeToString(sum[:])
}

var (
	areaCodes = []string{"650", "415", "212", "312", "617", "206", "303", "512", "305", "404"}
	firsts    = []string{"Sheena", "Ana", "Kofi", "Mei", "Lars", "Priya", "Tomás", "Yuki", "Fatima", "Noah", "Olga", "Ravi"}
	lasts     = []string{"Nelson", "García", "Mensah", "Chen", "Berg", "Sharma", "López", "Tanaka", "Haddad", "Smith", "Ivanova", "Patel"}
)

// MaxCustomers bounds a scenario's customer count; CustomerN can name that many distinct,
// valid-looking US numbers.
const MaxCustomers = 100_000

// CustomerN returns the i-th simulated customer: a stable, valid E.164 US number (+1 NPA 555
// xxxx, a fictional exchange) and a name, so that runs are reproducible and phone validation in
// the server accepts them.
func CustomerN(i int) Customer {
	area := areaCodes[(i/10_000)%len(areaCodes)]
	return Customer{
		WAID: fmt.Sprintf("1%s555%04d", area, i%10_000),
		Name: firsts[i%len(firsts)] + " " + lasts[(i/len(firsts))%len(lasts)],
	}
}
