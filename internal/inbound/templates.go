package inbound

import (
	"log/slog"

	"switchboard/internal/templates"
	"switchboard/internal/whatsapp"
)

// isTemplateItem reports whether it is one of Meta's template webhooks
// (review and lifecycle, quality, category), which route by WABA id.
func isTemplateItem(k whatsapp.ItemKind) bool {
	return k == whatsapp.ItemTemplateStatus || k == whatsapp.ItemTemplateQuality || k == whatsapp.ItemTemplateCategory
}

// template applies a template webhook to the templates of every channel
// of its WABA (internal/templates), in the batch's transaction. A template
// no channel knows (made in another tool and never synced, or deleted
// here) is not an error: the event is processed and the miss logged.
func (b *batch) template(it *whatsapp.Item) error {
	c := b.tx.Client()
	var (
		n   int
		err error
		id  whatsapp.TemplateID
	)
	switch {
	case it.TemplateStatus != nil:
		id = it.TemplateStatus.MessageTemplateID
		n, err = templates.ApplyStatus(b.ctx, c, it.WABAID, it.TemplateStatus)
	case it.TemplateQuality != nil:
		id = it.TemplateQuality.MessageTemplateID
		n, err = templates.ApplyQuality(b.ctx, c, it.WABAID, it.TemplateQuality)
	case it.TemplateCategory != nil:
		id = it.TemplateCategory.MessageTemplateID
		n, err = templates.ApplyCategory(b.ctx, c, it.WABAID, it.TemplateCategory)
	}
	if err == nil && n == 0 {
		slog.DebugContext(b.ctx, "template webhook for an unknown template", "field", it.Field,
			"waba_id", it.WABAID, "message_template_id", id.String())
	}
	return err
}
