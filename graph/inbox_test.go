package graph_test

import (
	"fmt"
	"testing"
	"time"

	"switchboard/internal/testenv"
)

type connPage struct {
	TotalCount int
	PageInfo   struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       string
	}
	Edges []struct {
		Node struct{ ID, Text string }
	}
}

func TestConversationFiltersAndMessagePaging(t *testing.T) {
	env := testenv.New(t)
	owner := env.SignUp(t, "Filter Owner")
	connect(t, env, owner.Token, "9201")
	other := connect(t, env, owner.Token, "9202")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	for i := range 5 {
		deliver(t, env, textWebhook("9201", "14155550123", "Alice", fmt.Sprintf("wamid.a%d", i), fmt.Sprintf("a%d", i), t0.Add(time.Duration(i)*time.Minute)))
	}
	deliver(t, env, textWebhook("9202", "14155550124", "Bob", "wamid.b0", "b0", t0.Add(10*time.Minute)))
	processed(t, env)

	var all struct {
		Conversations struct {
			Edges []struct {
				Node struct {
					ID      string
					Channel struct{ ID string }
				}
			}
		}
	}
	env.MustQuery(t, owner.Token, `{ conversations(first: 10) { edges { node { id channel { id } } } } }`, nil, &all)
	if len(all.Conversations.Edges) != 2 || all.Conversations.Edges[0].Node.Channel.ID != other.ID {
		t.Fatalf("newest activity first: %+v", all)
	}
	bob, alice := all.Conversations.Edges[0].Node.ID, all.Conversations.Edges[1].Node.ID
	env.MustQuery(t, owner.Token, `mutation($a: ID!, $b: ID!, $me: ID!) {
		markConversationRead(id: $b) { id }
		assignConversation(id: $a, userId: $me) { id }
		r: setConversationStatus(id: $b, status: RESOLVED) { id } }`,
		map[string]any{"a": alice, "b": bob, "me": owner.UserID}, nil)

	count := func(filter map[string]any) []string {
		var out struct {
			Conversations struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
		}
		env.MustQuery(t, owner.Token, `query($f: ConversationFilter) { conversations(first: 10, filter: $f) { totalCount edges { node { id } } } }`,
			map[string]any{"f": filter}, &out)
		var ids []string
		for _, e := range out.Conversations.Edges {
			ids = append(ids, e.Node.ID)
		}
		if len(ids) != out.Conversations.TotalCount {
			t.Fatalf("totalCount %d for %d edges", out.Conversations.TotalCount, len(ids))
		}
		return ids
	}
	cases := []struct {
		name   string
		filter map[string]any
		want   []string
	}{
		{"unread only", map[string]any{"unreadOnly": true}, []string{alice}},
		{"assignee", map[string]any{"assigneeId": owner.UserID}, []string{alice}},
		{"status", map[string]any{"status": "RESOLVED"}, []string{bob}},
		{"open", map[string]any{"status": "OPEN"}, []string{alice}},
		{"channel", map[string]any{"channelId": other.ID}, []string{bob}},
		{"none", nil, []string{bob, alice}},
	}
	for _, tc := range cases {
		if got := count(tc.filter); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}

	// Messages page forward and backward in conversation order.
	page := func(args string) connPage {
		var out struct{ Node struct{ Messages connPage } }
		env.MustQuery(t, owner.Token, `query($id: ID!) { node(id: $id) { ... on Conversation { messages(`+args+`) {
			totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { id text } } } } } }`,
			map[string]any{"id": alice}, &out)
		return out.Node.Messages
	}
	texts := func(p connPage) string {
		s := ""
		for _, e := range p.Edges {
			s += e.Node.Text + " "
		}
		return s
	}
	first := page("first: 2")
	if texts(first) != "a0 a1 " || !first.PageInfo.HasNextPage || first.TotalCount != 5 {
		t.Fatalf("first page: %q %+v", texts(first), first.PageInfo)
	}
	next := page(fmt.Sprintf("first: 2, after: %q", first.PageInfo.EndCursor))
	if texts(next) != "a2 a3 " {
		t.Fatalf("second page: %q", texts(next))
	}
	last := page("last: 2")
	if texts(last) != "a3 a4 " || !last.PageInfo.HasPreviousPage {
		t.Fatalf("last page: %q %+v", texts(last), last.PageInfo)
	}
	prev := page(fmt.Sprintf("last: 2, before: %q", last.PageInfo.StartCursor))
	if texts(prev) != "a1 a2 " {
		t.Fatalf("page before the last: %q", texts(prev))
	}
}
