package inbound

import (
	"switchboard/ent"
	"switchboard/internal/media"
)

// media is called once for every inbound message stored with a media
// attachment, in the processing transaction, so that work on its file
// (downloading it from Meta into the media store) is queued if and only if
// the message is stored: its media becomes PENDING and a media.DownloadJob
// is queued (media.Queue).
func (b *batch) media(ch *ent.Channel, msg *ent.Message) error {
	return media.Queue(b.ctx, b.tx, ch.TenantID, msg)
}
