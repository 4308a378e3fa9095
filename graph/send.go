package graph

import (
	"context"
	"net/url"
	"path"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"switchboard/ent"
	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/graph/model"
	"switchboard/internal/apperr"
	"switchboard/internal/inbox"
	"switchboard/internal/metaapi"
	"switchboard/internal/pulid"
	"switchboard/internal/templates"
)

// Uploads keeps the files of outbound messages (internal/media).
type Uploads interface {
	// SaveUpload stores up under key for tenant, within Meta's limits for
	// kind ("" infers it from the content type), and describes it.
	SaveUpload(ctx context.Context, tenant pulid.ID, key string, up graphql.Upload, kind string) (*schematype.Media, error)
}

func (r *Resolver) sendMessage(ctx context.Context, in model.SendMessageInput) (*ent.Message, error) {
	v, err := member(ctx)
	if err != nil {
		return nil, err
	}
	si := inbox.SendInput{ConversationID: in.ConversationID, ReplyTo: in.ReplyTo}
	if in.ClientMessageID != nil {
		id := strings.TrimSpace(*in.ClientMessageID)
		if id == "" || len(id) > 128 {
			return nil, apperr.Input("input.clientMessageId", "clientMessageId must be 1 to 128 characters")
		}
		si.ClientMessageID = id
	}
	kinds := 0
	for _, set := range []bool{in.Text != nil, in.Media != nil, in.Interactive != nil, in.Reaction != nil, in.Template != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return nil, apperr.Input("input", "give exactly one of text, media, interactive, reaction or template")
	}
	switch {
	case in.Text != nil:
		si.Type, si.Text = message.TypeTEXT, *in.Text
		si.Spec.Text = &metaapi.Text{Body: *in.Text, PreviewURL: strings.Contains(*in.Text, "https://")}
	case in.Interactive != nil:
		si.Type, si.Text = message.TypeINTERACTIVE, in.Interactive.Body
		si.Spec.Interactive = interactiveOf(in.Interactive)
	case in.Reaction != nil:
		if in.ReplyTo != nil {
			return nil, apperr.Input("input.replyTo", "a reaction quotes no message: it names one in reaction.messageId")
		}
		si.Type, si.Text = message.TypeREACTION, in.Reaction.Emoji
		si.Spec.Reaction = &metaapi.Reaction{Emoji: in.Reaction.Emoji}
		si.ReactTo = &in.Reaction.MessageID
	case in.Media != nil:
		if err := r.mediaOf(ctx, v.TenantID, in.Media, &si); err != nil {
			return nil, err
		}
	case in.Template != nil:
		ts, err := templates.ForSend(ctx, r.client(ctx), in.ConversationID, in.Template.TemplateID, in.Template.Parameters)
		if err != nil {
			return nil, err
		}
		si.Type, si.Text, si.Spec.Template = message.TypeTEMPLATE, ts.Text, ts.Template
	}
	return r.Inbox.Send(ctx, si)
}

func (r *Resolver) retryMessage(ctx context.Context, id pulid.ID) (*ent.Message, error) {
	if _, err := member(ctx); err != nil {
		return nil, err
	}
	return r.Inbox.Retry(ctx, id)
}

// mediaOf fills in si for a file: a link is sent as it is (Meta fetches
// it), an upload is stored first and sent to Meta by the outbox.
func (r *Resolver) mediaOf(ctx context.Context, tenant pulid.ID, in *model.SendMediaInput, si *inbox.SendInput) error {
	if (in.Upload == nil) == (in.Link == nil) {
		return apperr.Input("input.media", "give exactly one of upload or link")
	}
	md := &schematype.Media{Caption: deref(in.Caption), Filename: deref(in.Filename)}
	var typ message.Type
	if in.Type != nil {
		typ = *in.Type
		if _, ok := mediaKinds[typ]; !ok {
			return apperr.Input("input.media.type", "type must be IMAGE, AUDIO, VIDEO, DOCUMENT or STICKER")
		}
	}
	if in.Link != nil {
		u, err := url.Parse(*in.Link)
		if err != nil || u.Scheme != "https" || u.Host == "" || len(*in.Link) > 2048 {
			return apperr.Input("input.media.link", "link must be an https URL Meta can fetch (at most 2,048 characters)")
		}
		if typ == "" {
			typ = typeOfExtension(path.Ext(u.Path))
		}
		md.Link = *in.Link
	} else {
		if r.Uploads == nil {
			return apperr.Input("input.media.upload", "this server keeps no uploads: send a link")
		}
		kind := ""
		if typ != "" {
			kind = mediaKinds[typ]
		}
		stored, err := r.Uploads.SaveUpload(ctx, tenant, "outbound/"+string(pulid.New("UP")), *in.Upload, kind)
		if err != nil {
			return err
		}
		stored.Caption, stored.Filename = md.Caption, orString(md.Filename, stored.Filename)
		md = stored
		if typ == "" {
			typ = typeOfContentType(md.MimeType)
		}
	}
	si.Type, si.Text, si.Media = typ, md.Caption, md
	si.Spec.MediaKind = mediaKinds[typ]
	si.Spec.Media = &metaapi.Media{Link: md.Link, Caption: md.Caption, Filename: md.Filename}
	return nil
}

// mediaKinds are the message types of files, with Meta's names for them.
var mediaKinds = map[message.Type]string{
	message.TypeIMAGE: "image", message.TypeAUDIO: "audio", message.TypeVIDEO: "video",
	message.TypeDOCUMENT: "document", message.TypeSTICKER: "sticker",
}

// typeOfExtension is a link's message type by its file extension; anything
// unknown goes as a document.
func typeOfExtension(ext string) message.Type {
	switch strings.ToLower(ext) {
	case ".jpg", ".jpeg", ".png":
		return message.TypeIMAGE
	case ".webp":
		return message.TypeSTICKER
	case ".mp3", ".ogg", ".opus", ".aac", ".amr", ".m4a":
		return message.TypeAUDIO
	case ".mp4", ".3gp":
		return message.TypeVIDEO
	}
	return message.TypeDOCUMENT
}

// typeOfContentType is an upload's message type by its content type.
func typeOfContentType(ct string) message.Type {
	ct = strings.ToLower(ct)
	switch {
	case ct == "image/jpeg" || ct == "image/png":
		return message.TypeIMAGE
	case ct == "image/webp":
		return message.TypeSTICKER
	case strings.HasPrefix(ct, "audio/"):
		return message.TypeAUDIO
	case strings.HasPrefix(ct, "video/"):
		return message.TypeVIDEO
	}
	return message.TypeDOCUMENT
}

func interactiveOf(in *model.SendInteractiveInput) *metaapi.Interactive {
	out := &metaapi.Interactive{Body: in.Body, Footer: deref(in.Footer)}
	if in.Header != nil {
		out.Header = &metaapi.InteractiveHeader{Text: *in.Header}
	}
	for _, b := range in.Buttons {
		out.Buttons = append(out.Buttons, metaapi.Button{ID: b.ID, Title: b.Title})
	}
	if in.List != nil {
		l := &metaapi.List{Button: in.List.Button}
		for _, sec := range in.List.Sections {
			s := metaapi.Section{Title: deref(sec.Title)}
			for _, row := range sec.Rows {
				s.Rows = append(s.Rows, metaapi.Row{ID: row.ID, Title: row.Title, Description: deref(row.Description)})
			}
			l.Sections = append(l.Sections, s)
		}
		out.List = l
	}
	return out
}

// replyTo is Message.replyTo: the message an outbound message quotes.
func (r *Resolver) replyTo(ctx context.Context, m *ent.Message) (*ent.Message, error) {
	if m.ReplyToID == nil {
		return nil, nil
	}
	q, err := r.client(ctx).Message.Get(ctx, *m.ReplyToID)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return q, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
