package graph

import (
	"context"

	"switchboard/ent"
	"switchboard/ent/schema/schematype"
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

// mediaURL is MessageMedia.url: a signed, short-lived link to GET
// /media/{messageId}, once the file is kept.
func (r *Resolver) mediaURL(_ context.Context, md *schematype.Media) (*string, error) {
	return nil, nil // filled in by the media store (internal/media)
}
