package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"entgo.io/ent/dialect"

	"switchboard/internal/channels"
	"switchboard/internal/config"
	"switchboard/internal/crypto"
	"switchboard/internal/store"
)

// rotateKey is `switchboard rotate-key`: it re-seals every stored secret
// (the channels' Meta access tokens) that is not sealed with ENCRYPTION_KEY,
// opening it with the key of ENCRYPTION_KEYS_OLD that sealed it. It opens
// the database as serve does and runs beside serving replicas.
func rotateKey(log *slog.Logger, out io.Writer) error {
	cfg, db, err := load(log)
	if err != nil {
		return err
	}
	defer db.Close()
	return runRotateKey(context.Background(), cfg, db, out)
}

// runRotateKey rotates the tokens of db and reports the counts on out. A
// token no configured key opens is named by its channel id, and makes the
// command fail once every other token is rotated.
func runRotateKey(ctx context.Context, cfg *config.Config, db *store.DB, out io.Writer) error {
	sealer, err := crypto.NewSealer(cfg.EncryptionKeys()...)
	if err != nil {
		return err
	}
	r, err := channels.New(sealer).RotateKey(ctx, db.Client, channels.RotateOptions{LockRows: db.Dialect == dialect.Postgres})
	if err != nil {
		return fmt.Errorf("rotate-key: %w (%d access tokens were rotated before it; run rotate-key again to go on)", err, r.Rotated)
	}
	if r.Rotated == 0 {
		fmt.Fprintf(out, "nothing to rotate: %d access token%s already sealed with the current key %s\n",
			r.AlreadyCurrent, plural(r.AlreadyCurrent), r.KeyID)
	} else {
		fmt.Fprintf(out, "rotated %d access token%s to the current key %s; %d already sealed with it\n",
			r.Rotated, plural(r.Rotated), r.KeyID, r.AlreadyCurrent)
	}
	if len(r.Unreadable) == 0 {
		if len(cfg.EncryptionKeysOld) > 0 {
			fmt.Fprintln(out, "no stored token needs ENCRYPTION_KEYS_OLD any more: remove it once every server seals with the current key and their media links have expired (15 minutes)")
		}
		return nil
	}
	ids := make([]string, len(r.Unreadable))
	for i, u := range r.Unreadable {
		ids[i] = string(u.Channel)
		fmt.Fprintf(out, "cannot rotate the access token of channel %s (key id %q): %s\n", u.Channel, u.KeyID, u.Reason)
	}
	return fmt.Errorf("rotate-key: no configured key opens the access token%s of %d channel%s, left as stored: %s "+
		"(add the key that sealed them to ENCRYPTION_KEYS_OLD and run rotate-key again, or give those channels a new token with updateChannel)",
		plural(len(ids)), len(ids), plural(len(ids)), strings.Join(ids, " "))
}
