package channels_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"switchboard/internal/channels"
	"switchboard/internal/crypto"
	"switchboard/internal/pulid"
	"switchboard/internal/testdb"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
)

// A token replaced (updateChannel on a server with the new key) while
// rotate-key is about to re-seal it keeps its new value: the rotation
// waits for the replacement to commit and then leaves the row alone,
// instead of writing the old token back sealed with the new key. On
// PostgreSQL the test holds the replacement open until the rotation is seen
// waiting for it; SQLite's write transactions are serialized, so there the
// rotation simply starts after it.
func TestRotationKeepsATokenReplacedDuringIt(t *testing.T) {
	ctx := viewer.System(context.Background())
	db := testdb.Open(t)
	keyA, keyB := bytes.Repeat([]byte{0xA}, 32), bytes.Repeat([]byte{0xB}, 32)
	sealerA, _ := crypto.NewSealer(keyA)
	sealerBA, _ := crypto.NewSealer(keyB, keyA)

	tenant := db.Client.Tenant.Create().SetName("Rotation Ltd").SaveX(ctx)
	id := pulid.New("CH")
	old, oldKey, _ := sealerA.Seal([]byte("EAAG-old-token"), []byte(id))
	db.Client.Channel.Create().SetID(id).SetTenantID(tenant.ID).SetName("Line").SetWabaID("1").
		SetPhoneNumberID("106540352242922").SetDisplayPhoneNumber("+1 555 0100").
		SetAccessTokenCiphertext(old).SetAccessTokenKeyID(oldKey).ExecX(ctx)

	replace, err := db.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fresh, freshKey, _ := sealerBA.Seal([]byte("EAAG-new-token"), []byte(id))
	replace.Channel.UpdateOneID(id).SetAccessTokenCiphertext(fresh).SetAccessTokenKeyID(freshKey).ExecX(ctx)

	pg := db.Dialect == dialect.Postgres
	done := make(chan error, 1)
	go func() {
		_, err := channels.New(sealerBA).RotateKey(ctx, db.Client, channels.RotateOptions{LockRows: pg})
		done <- err
	}()
	if pg {
		testwait.For(t, 10*time.Second, "the rotation to wait for the replaced row", func() bool {
			var n int
			err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE wait_event_type = 'Lock' AND query ILIKE '%channels%' AND pid <> pg_backend_pid()`).Scan(&n)
			return err == nil && n > 0
		})
	}
	if err := replace.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("RotateKey: %v", err)
	}

	row := db.Client.Channel.GetX(ctx, id)
	got, err := sealerBA.Open(row.AccessTokenCiphertext, row.AccessTokenKeyID, []byte(id))
	if err != nil || string(got) != "EAAG-new-token" {
		t.Fatalf("after the rotation the channel's token is %q (%v), want the replacement", got, err)
	}
}
