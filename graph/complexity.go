package graph

import (
	"entgo.io/contrib/entgql"

	"switchboard/ent"
	"switchboard/graph/generated"
	"switchboard/graph/model"
	"switchboard/internal/pulid"
)

// pageCost is the complexity of a connection: its selection once per item
// it may return. A page asked without first/last costs a full page.
func pageCost(child int, first, last *int) int {
	n := MaxPageSize
	switch {
	case first != nil:
		n = *first
	case last != nil:
		n = *last
	}
	return 1 + child*max(n, 1)
}

type cursor = *entgql.Cursor[pulid.ID]

// priceConnections makes nested connections multiply: contacts(first: 100)
// { conversations(first: 100) { … } } costs what it could load, so the
// complexity limit refuses queries that would read millions of rows while
// an ordinary inbox page stays well under it.
func priceConnections(c *generated.ComplexityRoot) {
	c.Query.Contacts = func(child int, _ cursor, first *int, _ cursor, last *int, _ *ent.ContactOrder, _ *model.ContactFilter) int {
		return pageCost(child, first, last)
	}
	c.Query.AuditLogs = func(child int, _ cursor, first *int, _ cursor, last *int, _ *model.AuditLogFilter) int {
		return pageCost(child, first, last)
	}
	c.Contact.Conversations = func(child int, _ cursor, first *int, _ cursor, last *int, _ *ent.ConversationOrder) int {
		return pageCost(child, first, last)
	}
	c.Conversation.Messages = func(child int, _ cursor, first *int, _ cursor, last *int, _ *ent.MessageOrder) int {
		return pageCost(child, first, last)
	}
	c.Campaign.Recipients = func(child int, _ cursor, first *int, _ cursor, last *int, _ *ent.CampaignRecipientOrder) int {
		return pageCost(child, first, last)
	}
}
