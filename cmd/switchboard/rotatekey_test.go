package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/internal/channels"
	"switchboard/internal/config"
	"switchboard/internal/crypto"
	"switchboard/internal/pulid"
	"switchboard/internal/store"
	"switchboard/internal/testdb"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

// The operator procedure, run through the real command: tokens sealed with
// key A (by a server that had only A) are re-sealed with B by
// `switchboard rotate-key` under ENCRYPTION_KEY=B and ENCRYPTION_KEYS_OLD=A,
// more of them than one batch holds; a server configured with B and A reads
// them before, during and after. A second run changes nothing and says so;
// a token sealed with a key the command does not have makes it fail naming
// the channel. No output shows a token. Runs on SQLite, and on PostgreSQL
// with TEST_DATABASE_URL.
func TestRotateKeyCommand(t *testing.T) {
	ctx := viewer.System(context.Background())
	keyA, keyB, keyC := bytes.Repeat([]byte{0xA}, 32), bytes.Repeat([]byte{0xB}, 32), bytes.Repeat([]byte{0xC}, 32)
	url, db := rotateDatabase(t)

	// Before: servers had key A alone, and one of them connected numbers.
	serverA := testenv.NewIdleOn(t, db, withKeys(keyA))
	owner := serverA.SignUp(t, "Rosa Rotation")
	tokens := map[pulid.ID]string{} // every stored token, by channel
	for i := range 2 {
		id, token := connectNumber(t, serverA, owner.Token, fmt.Sprintf("1065403522%05d", i))
		tokens[id] = token
	}
	revoked, _ := connectNumber(t, serverA, owner.Token, "106540352299999")
	serverA.MustQuery(t, owner.Token, `mutation($id: ID!) { disconnectChannel(id: $id) { id } }`, map[string]any{"id": revoked}, nil)
	delete(tokens, revoked)
	// More than a batch of them, so the command goes through several
	// transactions.
	sealerA, _ := crypto.NewSealer(keyA)
	for id, token := range seedChannels(t, db, sealerA, pulid.ID(owner.TenantID), channels.DefaultRotateBatch+29) {
		tokens[id] = token
	}

	// Step 1: servers run with B, and A to read with. A number connected
	// now is sealed with B already.
	serverBA := testenv.NewIdleOn(t, db, withKeys(keyB, keyA))
	current, token := connectNumber(t, serverBA, owner.Token, "106540352288888")
	tokens[current] = token
	staleRow := db.Client.Channel.GetX(ctx, current)
	firstRow := db.Client.Channel.Query().Where(channel.AccessTokenKeyID(crypto.KeyID(keyA))).
		Order(ent.Asc(channel.FieldID)).FirstX(ctx)
	readToken(t, serverBA, firstRow, tokens[firstRow.ID])

	t.Setenv("DATABASE_URL", url)
	t.Setenv("ENCRYPTION_KEY", base64.StdEncoding.EncodeToString(keyB))
	t.Setenv("ENCRYPTION_KEYS_OLD", base64.StdEncoding.EncodeToString(keyA))

	// Step 2: rotate-key, while serverBA reads tokens as its sender does.
	stop := make(chan struct{})
	var reads atomic.Int64
	readerDone := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				readerDone <- nil
				return
			default:
			}
			ch, err := db.Client.Channel.Get(ctx, firstRow.ID)
			if err == nil {
				_, err = serverBA.App.Channels.AccessToken(ch)
			}
			if err != nil {
				readerDone <- err
				return
			}
			reads.Add(1)
		}
	}()
	stdout, stderr, status := switchboard(t, "rotate-key")
	close(stop)
	if err := <-readerDone; err != nil {
		t.Errorf("serverBA could not read a token during the rotation (after %d reads): %v", reads.Load(), err)
	}
	t.Logf("serverBA read the token %d times while rotate-key ran", reads.Load())
	noTokens(t, tokens, stdout, stderr)
	if status != 0 {
		t.Fatalf("rotate-key: exit %d\nstdout %s\nstderr %s", status, stdout, stderr)
	}
	idB := crypto.KeyID(keyB)
	want := fmt.Sprintf("rotated %d access tokens to the current key %s; 1 already sealed with it", len(tokens)-1, idB)
	if !strings.Contains(stdout, want) {
		t.Fatalf("rotate-key printed\n%s\nwant a line %q", stdout, want)
	}
	rotated := sealedWith(t, db, tokens, keyB)
	if row := db.Client.Channel.GetX(ctx, revoked); row.AccessTokenCiphertext != nil || row.AccessTokenKeyID != "" {
		t.Errorf("the revoked channel got a token back: key id %q", row.AccessTokenKeyID)
	}
	// The server keeps sending after the rotation: with the row it loaded
	// before it (the sender's, sealed with A) and with the row as stored now.
	readToken(t, serverBA, firstRow, tokens[firstRow.ID])
	readToken(t, serverBA, staleRow, tokens[current])
	readToken(t, serverBA, db.Client.Channel.GetX(ctx, firstRow.ID), tokens[firstRow.ID])
	// A server never given B would no longer read them: step 1 comes first.
	if _, err := serverA.App.Channels.AccessToken(db.Client.Channel.GetX(ctx, firstRow.ID)); !errors.Is(err, crypto.ErrUnknownKey) {
		t.Errorf("a server with key A only read a rotated token: %v", err)
	}

	// A second run finds nothing to do and changes nothing.
	stdout, stderr, status = switchboard(t, "rotate-key")
	noTokens(t, tokens, stdout, stderr)
	want = fmt.Sprintf("nothing to rotate: %d access tokens already sealed with the current key %s", len(tokens), idB)
	if status != 0 || !strings.Contains(stdout, want) {
		t.Fatalf("second rotate-key: exit %d, printed\n%s\nwant exit 0 and a line %q; stderr %s", status, stdout, want, stderr)
	}
	for id, ct := range sealedWith(t, db, tokens, keyB) {
		if !bytes.Equal(ct, rotated[id]) {
			t.Errorf("the second run re-sealed channel %s", id)
		}
	}

	// A token sealed with a key the command is not given (C) is named,
	// left alone, and fails the command.
	sealerC, _ := crypto.NewSealer(keyC)
	lost := seedChannels(t, db, sealerC, pulid.ID(owner.TenantID), 1)
	var lostID pulid.ID
	for id, token := range lost {
		lostID, tokens[id] = id, token
	}
	before := db.Client.Channel.GetX(ctx, lostID)
	stdout, stderr, status = switchboard(t, "rotate-key")
	noTokens(t, tokens, stdout, stderr)
	if status != 1 || !strings.Contains(stderr, string(lostID)) || !strings.Contains(stdout, string(lostID)) ||
		!strings.Contains(stderr, "ENCRYPTION_KEYS_OLD") {
		t.Fatalf("rotate-key with a token of an unknown key: exit %d\nstdout %s\nstderr %s\nwant exit 1 naming channel %s", status, stdout, stderr, lostID)
	}
	if !strings.Contains(stdout, fmt.Sprintf("nothing to rotate: %d access tokens already sealed", len(tokens)-1)) {
		t.Errorf("the counts should still be printed:\n%s", stdout)
	}
	if after := db.Client.Channel.GetX(ctx, lostID); !bytes.Equal(after.AccessTokenCiphertext, before.AccessTokenCiphertext) ||
		after.AccessTokenKeyID != crypto.KeyID(keyC) {
		t.Errorf("the token of the unknown key was changed")
	}
}

// rotateDatabase is a fresh, migrated database and its DATABASE_URL.
func rotateDatabase(t *testing.T) (string, *store.DB) {
	t.Helper()
	t.Setenv("DATA_DIR", t.TempDir())
	ctx := context.Background()
	if base := testdb.URL(); base != "" {
		dsn, drop := testdb.NewSchema(t, base)
		db, err := store.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close(); drop() })
		return dsn, db
	}
	path := filepath.Join(t.TempDir(), "switchboard.db")
	db, err := store.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return "sqlite://" + path, db
}

// withKeys configures a test server with ENCRYPTION_KEY keys[0] and
// ENCRYPTION_KEYS_OLD the rest.
func withKeys(keys ...[]byte) testenv.Option {
	return func(c *config.Config) { c.EncryptionKey, c.EncryptionKeysOld = keys[0], keys[1:] }
}

// connectNumber connects a number through the API and returns the channel
// and its token.
func connectNumber(t *testing.T, env *testenv.Env, token, phoneNumberID string) (pulid.ID, string) {
	t.Helper()
	access := "EAAG-rotation-secret-" + phoneNumberID
	var out struct{ ConnectWhatsApp struct{ ID pulid.ID } }
	env.MustQuery(t, token, `mutation($in: ConnectWhatsAppInput!) { connectWhatsApp(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Line " + phoneNumberID, "wabaId": "102290129340398",
			"phoneNumberId": phoneNumberID, "displayPhoneNumber": "+1 555 0100", "accessToken": access}}, &out)
	return out.ConnectWhatsApp.ID, access
}

// seededNumbers numbers the seeded channels' phone numbers.
var seededNumbers atomic.Int64

// seedChannels stores n channels of the tenant with tokens sealed by
// sealer, as connectWhatsApp would, and returns their tokens.
func seedChannels(t *testing.T, db *store.DB, sealer *crypto.Sealer, tenant pulid.ID, n int) map[pulid.ID]string {
	t.Helper()
	tokens := map[pulid.ID]string{}
	creates := make([]*ent.ChannelCreate, n)
	for i := range creates {
		id := pulid.New("CH")
		tokens[id] = fmt.Sprintf("EAAG-rotation-secret-seeded-%s", id)
		ct, keyID, err := sealer.Seal([]byte(tokens[id]), []byte(id))
		if err != nil {
			t.Fatal(err)
		}
		creates[i] = db.Client.Channel.Create().SetID(id).SetTenantID(tenant).SetName("Seeded").
			SetWabaID("102290129340398").SetPhoneNumberID(fmt.Sprintf("2%014d", seededNumbers.Add(1))).
			SetDisplayPhoneNumber("+1 555 0199").SetAccessTokenCiphertext(ct).SetAccessTokenKeyID(keyID)
	}
	db.Client.Channel.CreateBulk(creates...).ExecX(viewer.System(context.Background()))
	return tokens
}

// sealedWith checks that every channel of tokens holds its token sealed
// with key, and returns the ciphertexts.
func sealedWith(t *testing.T, db *store.DB, tokens map[pulid.ID]string, key []byte) map[pulid.ID][]byte {
	t.Helper()
	sealer, _ := crypto.NewSealer(key)
	rows := db.Client.Channel.Query().Where(channel.AccessTokenCiphertextNotNil()).AllX(viewer.System(context.Background()))
	if len(rows) != len(tokens) {
		t.Fatalf("%d channels hold a token, want %d", len(rows), len(tokens))
	}
	out := map[pulid.ID][]byte{}
	for _, row := range rows {
		if row.AccessTokenKeyID != crypto.KeyID(key) {
			t.Errorf("channel %s is sealed with key %s, want %s", row.ID, row.AccessTokenKeyID, crypto.KeyID(key))
			continue
		}
		got, err := sealer.Open(row.AccessTokenCiphertext, row.AccessTokenKeyID, []byte(row.ID))
		if err != nil || string(got) != tokens[row.ID] {
			t.Errorf("channel %s: token opens to a different value (%v)", row.ID, err)
		}
		out[row.ID] = row.AccessTokenCiphertext
	}
	return out
}

// readToken reads a channel's token as the sender does.
func readToken(t *testing.T, env *testenv.Env, row *ent.Channel, want string) {
	t.Helper()
	got, err := env.App.Channels.AccessToken(row)
	if err != nil || got != want {
		t.Fatalf("AccessToken(%s) sealed with %s: %v; want the stored token", row.ID, row.AccessTokenKeyID, err)
	}
}

// switchboard runs the command as main does and returns its output and
// exit status.
func switchboard(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	var out, errw strings.Builder
	status = run(args, &out, &errw)
	t.Logf("switchboard %s: exit %d\n%s%s", strings.Join(args, " "), status, out.String(), errw.String())
	return out.String(), errw.String(), status
}

// noTokens fails when the output shows any token, whole or in part.
func noTokens(t *testing.T, tokens map[pulid.ID]string, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		if strings.Contains(o, "rotation-secret") {
			t.Errorf("the output shows a token:\n%s", o)
		}
		for _, token := range tokens {
			if strings.Contains(o, token) {
				t.Errorf("the output shows a token:\n%s", o)
			}
		}
	}
}
