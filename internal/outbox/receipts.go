package outbox

import (
	"context"
	"fmt"

	"switchboard/ent"
	"switchboard/ent/channel"
	"switchboard/internal/jobs"
	"switchboard/internal/metaapi"
	"switchboard/internal/pulid"
)

// ReadReceipt tells Meta that a customer's message was read by the team
// (blue ticks on their phone); markConversationRead queues one for the
// conversation's latest inbound message when the tenant's readReceipts is
// on.
type ReadReceipt struct {
	ChannelID pulid.ID `json:"channelId"`
	WAMID     string   `json:"wamid"`
}

// ReadReceiptJob is the job that sends a ReadReceipt.
var ReadReceiptJob = jobs.JSONKind[ReadReceipt]("message.read_receipt")

// SendReadReceipt is ReadReceiptJob's handler. A read receipt is a
// courtesy: Meta's temporary errors retry it (the job's backoff), a
// refused token marks the channel NEEDS_REAUTH like a send does, and
// anything else, or a channel no longer connected, drops it.
func (o *Outbox) SendReadReceipt(ctx context.Context, tx *ent.Tx, j *ent.Job) error {
	rr, err := ReadReceiptJob.Payload(j)
	if err != nil {
		return fmt.Errorf("%w: %v", jobs.ErrPermanent, err)
	}
	ch, err := tx.Channel.Get(ctx, rr.ChannelID)
	if ent.IsNotFound(err) || (err == nil && ch.Status != channel.StatusCONNECTED) {
		return nil
	}
	if err != nil {
		return err
	}
	access, err := o.channels.AccessToken(ch)
	if err != nil {
		return nil
	}
	callCtx, cancel := context.WithTimeout(ctx, o.opt.RequestTimeout)
	defer cancel()
	err = o.meta.MarkRead(callCtx, access, ch.PhoneNumberID, rr.WAMID)
	switch metaapi.Classify(err) {
	case metaapi.ActionNone:
		return nil
	case metaapi.RetryLater, metaapi.RetryNumberLater, metaapi.OutcomeUnknown:
		return err
	case metaapi.StopChannel:
		return tx.Channel.Update().Where(channel.ID(ch.ID), channel.StatusEQ(channel.StatusCONNECTED)).
			SetStatus(channel.StatusNEEDS_REAUTH).Exec(ctx)
	default:
		o.log.Info("outbox: read receipt refused", "channel", ch.ID, "err", err)
		return nil
	}
}
