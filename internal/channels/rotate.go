package channels

import (
	"context"
	"errors"
	"fmt"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/internal/crypto"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// DefaultRotateBatch is how many tokens RotateKey re-seals per transaction:
// few enough that the rows it locks are held for milliseconds, so servers
// updating or sending through those channels barely wait.
const DefaultRotateBatch = 100

// RotateOptions tune RotateKey.
type RotateOptions struct {
	// Batch is the number of tokens re-sealed per transaction
	// (DefaultRotateBatch when 0).
	Batch int
	// LockRows locks each batch's rows (SELECT … FOR UPDATE) so that a
	// token replaced by updateChannel during the batch is not overwritten
	// with the old one. PostgreSQL needs it; SQLite's write transactions
	// exclude each other already.
	LockRows bool
}

// Rotation is what RotateKey did.
type Rotation struct {
	// KeyID is the current key's id, the one every rotated token is now
	// sealed with.
	KeyID string
	// Rotated counts the tokens re-sealed with the current key;
	// AlreadyCurrent those that were sealed with it before.
	Rotated, AlreadyCurrent int
	// Unreadable are the tokens no configured key opens; they are left as
	// they are.
	Unreadable []UnreadableToken
}

// UnreadableToken names a channel whose token could not be re-sealed, and
// why, without anything of the token itself.
type UnreadableToken struct {
	Channel pulid.ID
	KeyID   string // the key id stored with the token
	Reason  string
}

// RotateKey re-seals every stored access token that is not sealed with the
// sealer's current key, in batches ordered by channel id, each in its own
// transaction. Servers keep working throughout as long as they know both
// keys: a token opens with whichever key sealed it. Stopped half way, it
// picks up where it stopped when run again, and a run that finds every
// token current changes nothing.
func (s *Service) RotateKey(ctx context.Context, client *ent.Client, o RotateOptions) (Rotation, error) {
	ctx = viewer.System(ctx) // tokens of every tenant
	if o.Batch <= 0 {
		o.Batch = DefaultRotateBatch
	}
	r := Rotation{KeyID: s.sealer.CurrentKeyID()}
	current, err := client.Channel.Query().
		Where(channel.AccessTokenCiphertextNotNil(), channel.AccessTokenKeyID(r.KeyID)).Count(ctx)
	if err != nil {
		return r, fmt.Errorf("channels: count current tokens: %w", err)
	}
	r.AlreadyCurrent = current
	var after pulid.ID
	for {
		last, err := s.rotateBatch(ctx, client, after, o, &r)
		if err != nil || last == "" {
			return r, err
		}
		after = last
	}
}

// rotateBatch re-seals up to o.Batch tokens of channels after the given id
// and returns the last channel id it looked at, or "" when none was left.
// Counts are added to r only once the batch is committed.
func (s *Service) rotateBatch(ctx context.Context, client *ent.Client, after pulid.ID, o RotateOptions, r *Rotation) (pulid.ID, error) {
	tx, err := client.Tx(ctx)
	if err != nil {
		return "", err
	}
	defer func() { _ = tx.Rollback() }() // undoes a failed batch; a no-op once committed
	q := tx.Channel.Query().
		Where(channel.IDGT(after), channel.AccessTokenCiphertextNotNil(),
			channel.Or(channel.AccessTokenKeyIDNEQ(r.KeyID), channel.AccessTokenKeyIDIsNil())).
		Order(ent.Asc(channel.FieldID)).Limit(o.Batch)
	if o.LockRows {
		q.ForUpdate()
	}
	rows, err := q.All(ctx)
	if err != nil || len(rows) == 0 {
		return "", err
	}
	var rotated int
	var unreadable []UnreadableToken
	for _, ch := range rows {
		sealed, keyID, err := s.reseal(ch)
		if err != nil {
			unreadable = append(unreadable, UnreadableToken{Channel: ch.ID, KeyID: ch.AccessTokenKeyID, Reason: err.Error()})
			continue
		}
		if err := tx.Channel.UpdateOneID(ch.ID).SetAccessTokenCiphertext(sealed).SetAccessTokenKeyID(keyID).Exec(ctx); err != nil {
			return "", fmt.Errorf("channels: store re-sealed token of %s: %w", ch.ID, err)
		}
		rotated++
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	r.Rotated += rotated
	r.Unreadable = append(r.Unreadable, unreadable...)
	return rows[len(rows)-1].ID, nil
}

// reseal opens a channel's token with the key that sealed it and seals it
// again with the current key, bound to the same channel id. Its errors say
// why a token cannot be opened and never include the token.
func (s *Service) reseal(ch *ent.Channel) ([]byte, string, error) {
	token, err := s.sealer.Open(ch.AccessTokenCiphertext, ch.AccessTokenKeyID, []byte(ch.ID))
	switch {
	case errors.Is(err, crypto.ErrUnknownKey):
		return nil, "", errors.New("sealed with a key that is neither ENCRYPTION_KEY nor in ENCRYPTION_KEYS_OLD")
	case err != nil:
		return nil, "", errors.New("does not open with the key its key id names (corrupt, or copied from another channel)")
	}
	return s.sealer.Seal(token, []byte(ch.ID))
}
