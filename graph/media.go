package graph

import (
	"context"

	"switchboard/ent"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/pulid"
)

// messageMedia is Message.media, carrying the message's id so that its url
// can name the message.
func (r *Resolver) messageMedia(_ context.Context, m *ent.Message) (*schematype.Media, error) {
	if m.Media == nil {
		return nil, nil
	}
	md := *m.Media
	md.MessageID = string(m.ID)
	return &md, nil
}

// mediaURL is MessageMedia.url: a signed link to GET /media/{messageId}
// that works for media.LinkTTL, signed afresh on every read, once the file
// is kept.
func (r *Resolver) mediaURL(_ context.Context, md *schematype.Media) (*string, error) {
	if r.MediaLinks == nil || md.State != schematype.MediaStored || md.MessageID == "" {
		return nil, nil
	}
	u := r.MediaLinks.URL(pulid.ID(md.MessageID))
	return &u, nil
}
