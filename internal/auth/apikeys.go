package auth

import (
	"context"
	"fmt"

	"switchboard/ent"
	"switchboard/ent/apikey"
	"switchboard/internal/audit"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// maxKeyNameLen is the storage limit of API key names (bytes).
const maxKeyNameLen = 100

// NewAPIKey is a freshly created key with its secret, which exists only
// here: the database keeps its hash, so it cannot be shown again.
type NewAPIKey struct {
	Key    *ent.APIKey
	Secret string
}

// CreateAPIKey creates an API key (role ADMIN, the schema default) in the
// caller's tenant, with c (the request's transaction).
func (s *Service) CreateAPIKey(ctx context.Context, c *ent.Client, v viewer.Viewer, name string) (*NewAPIKey, error) {
	name, err := validName("name", name, maxKeyNameLen)
	if err != nil {
		return nil, err
	}
	secret, hash := newToken(apiKeyPrefix)
	create := c.APIKey.Create().SetTenantID(v.TenantID).SetName(name).SetSecretHash(hash)
	if v.UserID != "" {
		create.SetCreatedByID(v.UserID)
	}
	k, err := create.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: create api key: %w", err)
	}
	err = audit.Record(ctx, c, audit.Entry{Action: audit.APIKeyCreate, TargetType: audit.TargetAPIKey, TargetID: k.ID,
		Metadata: map[string]any{"name": k.Name}})
	if err != nil {
		return nil, err
	}
	return &NewAPIKey{Key: k, Secret: secret}, nil
}

// RevokeAPIKey stops a key of the caller's tenant, with c (the request's
// transaction). Authenticate checks revoked_at on every request, so the
// key fails from the next request after commit. Revoking a revoked key
// succeeds and changes nothing.
func (s *Service) RevokeAPIKey(ctx context.Context, c *ent.Client, id pulid.ID) error {
	k, err := c.APIKey.Get(ctx, id)
	if ent.IsNotFound(err) {
		return ErrKeyNotFound
	}
	if err != nil {
		return fmt.Errorf("auth: load api key: %w", err)
	}
	if k.RevokedAt != nil {
		return nil
	}
	n, err := c.APIKey.Update().Where(apikey.ID(k.ID), apikey.RevokedAtIsNil()).SetRevokedAt(s.now()).Save(ctx)
	if err != nil {
		return fmt.Errorf("auth: revoke api key: %w", err)
	}
	if n == 0 {
		return nil // revoked concurrently
	}
	return audit.Record(ctx, c, audit.Entry{Action: audit.APIKeyRevoke, TargetType: audit.TargetAPIKey, TargetID: k.ID})
}

// APIKeys lists the caller's tenant's keys, revoked ones included, newest
// first.
func (s *Service) APIKeys(ctx context.Context, c *ent.Client) ([]*ent.APIKey, error) {
	return c.APIKey.Query().Order(ent.Desc(apikey.FieldCreatedAt), ent.Desc(apikey.FieldID)).All(ctx)
}
