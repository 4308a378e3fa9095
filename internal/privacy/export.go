package privacy

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"switchboard/ent"
	"switchboard/ent/auditlog"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/conversation"
	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/contacts"
	"switchboard/internal/pulid"
)

// Format names the export document's layout (docs/PRIVACY_EXPORT.md); a
// change that breaks readers gets a new version.
const Format = "switchboard.privacy-export.v1"

// messagePage bounds how many messages one export query reads.
const messagePage = 1000

// Document is everything Switchboard holds about one contact, as the
// ACCESS and EXPORT requests hand it over. Media files are referred to by
// their message: PrivacyRequest.export adds a fresh signed link to each
// (mediaUrl), since a stored link would expire.
type Document struct {
	Format             string             `json:"format"`
	GeneratedAt        time.Time          `json:"generatedAt"`
	Request            ExportRequest      `json:"request"`
	Contact            ExportContact      `json:"contact"`
	ConsentHistory     []ExportConsent    `json:"consentHistory"`
	Conversations      []ExportConv       `json:"conversations"`
	CampaignRecipients []ExportRecipient  `json:"campaignRecipients"`
	AuditEntries       []ExportAuditEntry `json:"auditEntries"`
}

// ExportRequest names the request the document answers.
type ExportRequest struct {
	ID               pulid.ID `json:"id"`
	Kind             string   `json:"kind"`
	ConfirmationCode string   `json:"confirmationCode"`
}

// ExportContact is the contact record.
type ExportContact struct {
	ID            pulid.ID   `json:"id"`
	Phone         *string    `json:"phone"`
	UserID        *string    `json:"userId"`
	Username      string     `json:"username,omitempty"`
	Name          string     `json:"name,omitempty"`
	ProfileName   string     `json:"profileName,omitempty"`
	Tags          []string   `json:"tags"`
	OptInStatus   string     `json:"optInStatus"`
	OptInSource   string     `json:"optInSource,omitempty"`
	OptInAt       *time.Time `json:"optInAt"`
	Restricted    bool       `json:"restricted"`
	LastInboundAt *time.Time `json:"lastInboundAt"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
}

// ExportConsent is one consent change.
type ExportConsent struct {
	Status string    `json:"status"`
	Source string    `json:"source"`
	At     time.Time `json:"at"`
}

// ExportConv is one conversation with its messages, oldest first.
type ExportConv struct {
	ID                 pulid.ID        `json:"id"`
	ChannelPhoneNumber string          `json:"channelPhoneNumber"`
	Status             string          `json:"status"`
	CreatedAt          time.Time       `json:"createdAt"`
	Messages           []ExportMessage `json:"messages"`
}

// ExportMessage is one message.
type ExportMessage struct {
	ID          pulid.ID          `json:"id"`
	Direction   string            `json:"direction"`
	Type        string            `json:"type"`
	Text        string            `json:"text,omitempty"`
	Media       *ExportMedia      `json:"media,omitempty"`
	Status      string            `json:"status"`
	Error       *schematype.Error `json:"error,omitempty"`
	Timestamp   time.Time         `json:"timestamp"`
	SentAt      *time.Time        `json:"sentAt,omitempty"`
	DeliveredAt *time.Time        `json:"deliveredAt,omitempty"`
	ReadAt      *time.Time        `json:"readAt,omitempty"`
	FailedAt    *time.Time        `json:"failedAt,omitempty"`
	CampaignID  *pulid.ID         `json:"campaignId,omitempty"`
}

// ExportMedia describes a message's file; MediaURL is filled in when the
// document is read.
type ExportMedia struct {
	MimeType string `json:"mimeType,omitempty"`
	Filename string `json:"filename,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Size     int64  `json:"size,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	State    string `json:"state,omitempty"`
	Link     string `json:"link,omitempty"`
	MediaURL string `json:"mediaUrl,omitempty"`
}

// ExportRecipient is the contact's place in one campaign.
type ExportRecipient struct {
	CampaignID   pulid.ID          `json:"campaignId"`
	CampaignName string            `json:"campaignName"`
	Status       string            `json:"status"`
	SkipReason   string            `json:"skipReason,omitempty"`
	Error        *schematype.Error `json:"error,omitempty"`
	MessageID    *pulid.ID         `json:"messageId,omitempty"`
	CreatedAt    time.Time         `json:"createdAt"`
}

// ExportAuditEntry is an audit entry about the contact (its creation,
// changes, privacy requests): who acted, not what they read.
type ExportAuditEntry struct {
	Action    string    `json:"action"`
	ActorID   *pulid.ID `json:"actorId,omitempty"`
	APIKeyID  pulid.ID  `json:"apiKeyId,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// JSON encodes the document.
func (d *Document) JSON() ([]byte, error) { return json.Marshal(d) }

func (d *Document) messageCount() int {
	n := 0
	for _, c := range d.Conversations {
		n += len(c.Messages)
	}
	return n
}

// export gathers the subject's document. Its every query is confined to the
// tenant (the context's viewer) and to the subject.
func (s *Service) export(ctx context.Context, c *ent.Client, req *ent.PrivacyRequest, ct *ent.Contact) (*Document, error) {
	d := &Document{
		Format: Format, GeneratedAt: s.now().UTC(),
		Request: ExportRequest{ID: req.ID, Kind: string(req.Kind), ConfirmationCode: req.ConfirmationCode},
		Contact: ExportContact{ID: ct.ID, Phone: ct.Phone, UserID: ct.UserID, Username: ct.Username, Name: ct.Name,
			ProfileName: ct.ProfileName, Tags: ct.Tags, OptInStatus: string(ct.OptInStatus), OptInSource: ct.OptInSource,
			OptInAt: ct.OptInAt, Restricted: ct.Restricted, LastInboundAt: ct.LastInboundAt,
			CreatedAt: ct.CreatedAt, UpdatedAt: ct.UpdatedAt},
		ConsentHistory: []ExportConsent{}, Conversations: []ExportConv{},
		CampaignRecipients: []ExportRecipient{}, AuditEntries: []ExportAuditEntry{},
	}
	history, err := contacts.ConsentHistory(ctx, c, ct.ID)
	if err != nil {
		return nil, err
	}
	for _, h := range history {
		d.ConsentHistory = append(d.ConsentHistory, ExportConsent{Status: h.Status, Source: h.Source, At: h.At})
	}
	convs, err := c.Conversation.Query().Where(conversation.ContactID(ct.ID)).WithChannel().
		Order(ent.Asc(conversation.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, cv := range convs {
		ec := ExportConv{ID: cv.ID, Status: string(cv.Status), CreatedAt: cv.CreatedAt, Messages: []ExportMessage{}}
		if cv.Edges.Channel != nil {
			ec.ChannelPhoneNumber = cv.Edges.Channel.DisplayPhoneNumber
		}
		if ec.Messages, err = exportMessages(ctx, c, cv.ID); err != nil {
			return nil, err
		}
		d.Conversations = append(d.Conversations, ec)
	}
	recipients, err := c.CampaignRecipient.Query().Where(campaignrecipient.ContactID(ct.ID)).WithCampaign().
		Order(ent.Asc(campaignrecipient.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range recipients {
		er := ExportRecipient{CampaignID: r.CampaignID, Status: string(r.Status), SkipReason: r.SkipReason,
			Error: r.Error, MessageID: r.MessageID, CreatedAt: r.CreatedAt}
		if r.Edges.Campaign != nil {
			er.CampaignName = r.Edges.Campaign.Name
		}
		d.CampaignRecipients = append(d.CampaignRecipients, er)
	}
	entries, err := c.AuditLog.Query().Where(auditlog.TargetID(string(ct.ID))).
		Order(ent.Asc(auditlog.FieldCreatedAt), ent.Asc(auditlog.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		d.AuditEntries = append(d.AuditEntries, ExportAuditEntry{Action: e.Action, ActorID: e.ActorID,
			APIKeyID: e.APIKeyID, CreatedAt: e.CreatedAt})
	}
	return d, nil
}

// exportMessages reads a conversation's messages in pages, and returns
// them oldest first.
func exportMessages(ctx context.Context, c *ent.Client, conv pulid.ID) ([]ExportMessage, error) {
	out := []ExportMessage{}
	var after pulid.ID
	for {
		q := c.Message.Query().Where(message.ConversationID(conv)).Order(ent.Asc(message.FieldID)).Limit(messagePage)
		if after != "" {
			q.Where(message.IDGT(after))
		}
		page, err := q.All(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			em := ExportMessage{ID: m.ID, Direction: string(m.Direction), Type: string(m.Type), Text: m.Text,
				Status: string(m.Status), Error: m.Error, Timestamp: m.Timestamp, SentAt: m.SentAt,
				DeliveredAt: m.DeliveredAt, ReadAt: m.ReadAt, FailedAt: m.FailedAt, CampaignID: m.CampaignID}
			if md := m.Media; md != nil {
				em.Media = &ExportMedia{MimeType: md.MimeType, Filename: md.Filename, Caption: md.Caption,
					Size: md.Size, SHA256: md.SHA256, State: string(md.State), Link: md.Link}
			}
			out = append(out, em)
		}
		if len(page) < messagePage {
			// In conversation order, as the inbox shows them: by when
			// each was sent (webhooks may be processed out of order, so
			// ids alone are not that order).
			slices.SortStableFunc(out, func(a, b ExportMessage) int { return a.Timestamp.Compare(b.Timestamp) })
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}
