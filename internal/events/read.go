package events

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"switchboard/ent"
	"switchboard/ent/event"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// Read returns up to limit events of the tenant after seq, in order,
// optionally only those of one conversation.
func Read(ctx context.Context, c *ent.Client, tenant pulid.ID, after int64, conversation pulid.ID, limit int) ([]*ent.Event, error) {
	q := c.Event.Query().Where(event.TenantID(tenant), event.SeqGT(after))
	if conversation != "" {
		q.Where(event.ConversationID(conversation))
	}
	return q.Order(ent.Asc(event.FieldSeq)).Limit(limit).All(viewer.System(ctx))
}

// Head is the tenant's latest sequence number: where live-only
// subscriptions start.
func Head(ctx context.Context, c *ent.Client, tenant pulid.ID) (int64, error) {
	t, err := c.Tenant.Get(viewer.System(ctx), tenant)
	if err != nil {
		return 0, err
	}
	return t.EventSeq, nil
}

// Cursor encodes a sequence number as an opaque cursor.
func Cursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ev:" + strconv.FormatInt(seq, 10)))
}

// ParseCursor decodes a cursor made by Cursor.
func ParseCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "ev:") {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b[3:]), 10, 64)
	return n, err == nil && n >= 0
}
