package graph

import (
	"entgo.io/contrib/entgql"

	"switchboard/ent"
)

// The default orders of connections asked without orderBy. entgql orders
// by id unless told otherwise; the inbox wants messages in conversation
// order (Meta's timestamps, which arrive out of order) and conversations by
// newest activity. Set once at start-up, before any request.
func init() {
	ent.DefaultMessageOrder = &ent.MessageOrder{Direction: entgql.OrderDirectionAsc, Field: ent.MessageOrderFieldTimestamp}
	ent.DefaultConversationOrder = &ent.ConversationOrder{Direction: entgql.OrderDirectionDesc, Field: ent.ConversationOrderFieldLastMessageAt}
}
