package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/store"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim"
	"switchboard/internal/whatsapp/sim/graphapi"
)

// sendRun is one tenant with a connected number, the conversations of the
// customers who wrote to it, and an inboxEvents subscriber that notes when
// each reply is first seen SENT (or later) and when it settles.
type sendRun struct {
	api     []*client // one per replica, the same token; requests alternate
	db      *store.DB
	channel string
	convs   []string
	ws      *wsConn
	next    atomic.Uint64

	mu       sync.Mutex
	queuedAt map[string]time.Time // sendMessage answered QUEUED
	sentAt   map[string]time.Time // first frame showing it SENT, DELIVERED or READ
	doneAt   map[string]time.Time // first frame showing it SENT or later, or FAILED
	created  int                  // MESSAGE_CREATED frames
}

const sendEventsQuery = `subscription { inboxEvents { kind message { id status } } }`

// setUpSends signs up, connects the number, subscribes on the last
// replica, and has customers write first (webhooks to the first replica),
// which opens their service windows at Switchboard and at the simulator.
func setUpSends(ctx context.Context, rs *fleet, gs *graphapi.Server, customers int) (*sendRun, error) {
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	first := &client{url: rs.urls[0] + "/graphql", http: hc}
	if err := first.signUp(ctx); err != nil {
		return nil, err
	}
	b := &sendRun{db: rs.db, queuedAt: map[string]time.Time{}, sentAt: map[string]time.Time{}, doneAt: map[string]time.Time{}}
	for _, u := range rs.urls {
		b.api = append(b.api, &client{url: u + "/graphql", token: first.token, http: hc})
	}
	ch := sim.Channel{WABAID: "102290129340398", PhoneNumberID: "106540352249001", DisplayPhoneNumber: "15550100"}
	var out struct{ ConnectWhatsApp struct{ ID string } }
	err := first.do(ctx, `mutation($in: ConnectWhatsAppInput!) { connectWhatsApp(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"name": "Loadgen line", "wabaId": ch.WABAID, "phoneNumberId": ch.PhoneNumberID,
		"displayPhoneNumber": "+1 555 0100", "accessToken": "EAAGloadgen-send", "metaUserId": "10158",
	}}, &out)
	if err != nil {
		return nil, fmt.Errorf("connect number: %w", err)
	}
	b.channel = out.ConnectWhatsApp.ID
	if b.ws, err = dialWS(ctx, rs.urls[len(rs.urls)-1], first.token, nil); err != nil {
		return nil, err
	}
	if err := b.ws.subscribe("1", sendEventsQuery, nil); err != nil {
		return nil, err
	}
	go b.read()
	time.Sleep(300 * time.Millisecond) // the subscription goes live

	wc := sim.NewClient(30*time.Second, 16)
	sem := make(chan struct{}, 16)
	errs := make(chan error, customers)
	for i := range customers {
		c := sim.CustomerN(i)
		gs.OpenWindow(c.WAID, time.Now())
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			body, err := sim.Marshal(sim.TextMessage(ch, c, sim.Wamid(c.WAID, uint64(i), 0x5E4D), "hello", time.Now().Add(-time.Minute)))
			if err == nil {
				var code int
				if code, err = sim.Post(ctx, wc, rs.urls[0]+"/webhooks/whatsapp", loadgenSecret, body); err == nil && code != 200 {
					err = fmt.Errorf("webhook: HTTP %d", code)
				}
			}
			errs <- err
		}()
	}
	for range customers {
		if err := <-errs; err != nil {
			return nil, err
		}
	}
	deadline := time.Now().Add(time.Minute)
	for len(b.convs) < customers {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d customers' conversations after a minute", len(b.convs), customers)
		}
		time.Sleep(200 * time.Millisecond)
		if b.convs, err = first.conversations(ctx); err != nil {
			return nil, err
		}
	}
	b.mu.Lock()
	seen := b.created
	b.mu.Unlock()
	fmt.Printf("%d customers wrote first; the subscriber saw %d of their messages\n", customers, seen)
	return b, nil
}

// conversations pages through the tenant's conversations' ids.
func (c *client) conversations(ctx context.Context) ([]string, error) {
	var ids []string
	var after *string
	for {
		var out struct {
			Conversations struct {
				Edges    []struct{ Node struct{ ID string } }
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		err := c.do(ctx, `query($after: Cursor) { conversations(first: 100, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"after": after}, &out)
		if err != nil {
			return nil, err
		}
		for _, e := range out.Conversations.Edges {
			ids = append(ids, e.Node.ID)
		}
		if !out.Conversations.PageInfo.HasNextPage {
			return ids, nil
		}
		after = out.Conversations.PageInfo.EndCursor
	}
}

func (b *sendRun) setRate(ctx context.Context, rate int) error {
	return b.api[0].do(ctx, `mutation($id: ID!, $r: Int!) { updateChannel(id: $id, input: {sendRatePerSecond: $r}) { id } }`,
		map[string]any{"id": b.channel, "r": rate}, &struct{}{})
}

// send queues reply i (round-robin over the conversations and replicas)
// and notes when sendMessage answered.
func (b *sendRun) send(ctx context.Context, i int) (string, error) {
	ids, err := b.sendBatch(ctx, i, 1)
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// sendBatch queues replies i … i+k−1 to one conversation in one request,
// one aliased sendMessage field each (one transaction), and notes when it
// answered. One conversation per request: on PostgreSQL, transactions that
// each update several conversations and the tenant's event log deadlock.
func (b *sendRun) sendBatch(ctx context.Context, i, k int) ([]string, error) {
	var q strings.Builder
	q.WriteString("mutation(")
	vars := map[string]any{}
	for j := range k {
		fmt.Fprintf(&q, "$in%d: SendMessageInput!,", j)
		vars[fmt.Sprint("in", j)] = map[string]any{"conversationId": b.convs[(i/k)%len(b.convs)], "text": fmt.Sprintf("reply %d", i+j)}
	}
	q.WriteString(") {")
	for j := range k {
		fmt.Fprintf(&q, " m%d: sendMessage(input: $in%d) { id status }", j, j)
	}
	q.WriteString(" }")
	var out map[string]struct{ ID, Status string }
	api := b.api[b.next.Add(1)%uint64(len(b.api))]
	if err := api.do(ctx, q.String(), vars, &out); err != nil {
		return nil, err
	}
	at := time.Now()
	ids := make([]string, 0, k)
	b.mu.Lock()
	for j := range k {
		id := out[fmt.Sprint("m", j)].ID
		b.queuedAt[id] = at
		ids = append(ids, id)
	}
	b.mu.Unlock()
	return ids, nil
}

// queue sends n replies, c requests at a time of k replies each, and
// returns the queued ids and how many replies were refused.
func (b *sendRun) queue(ctx context.Context, n, c, k int) ([]string, int) {
	var mu sync.Mutex
	var ids []string
	var failed int
	var wg sync.WaitGroup
	var next atomic.Int64
	for range c {
		wg.Go(func() {
			for i := int(next.Add(int64(k))) - k; i < n; i = int(next.Add(int64(k))) - k {
				got, err := b.sendBatch(ctx, i, min(k, n-i))
				mu.Lock()
				if err != nil {
					if failed == 0 {
						fmt.Println("sendMessage:", err)
					}
					failed += min(k, n-i)
				} else {
					ids = append(ids, got...)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return ids, failed
}

// wait waits, at most bound, until every one of ids was seen SENT or FAILED.
func (b *sendRun) wait(ids []string, bound time.Duration) {
	deadline := time.Now().Add(bound)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		left := 0
		for _, id := range ids {
			if _, ok := b.doneAt[id]; !ok {
				left++
			}
		}
		b.mu.Unlock()
		if left == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("gave up waiting after %s\n", bound)
}

// latency is at[id] − queuedAt[id] for each of ids that has both.
func (b *sendRun) latency(ids []string, at map[string]time.Time) latencies {
	b.mu.Lock()
	defer b.mu.Unlock()
	var l latencies
	for _, id := range ids {
		q, ok1 := b.queuedAt[id]
		t, ok2 := at[id]
		if ok1 && ok2 {
			l = append(l, max(0, t.Sub(q)))
		}
	}
	return l
}

// read records each reply's first SENT-or-later frame and its settling.
func (b *sendRun) read() {
	for {
		f, err := b.ws.next()
		if err != nil {
			return
		}
		now := time.Now()
		var p struct {
			Data struct {
				InboxEvents struct {
					Kind    string
					Message *struct{ ID, Status string }
				}
			}
		}
		if f.Type != "next" || json.Unmarshal(f.Payload, &p) != nil || p.Data.InboxEvents.Message == nil {
			continue
		}
		m := p.Data.InboxEvents.Message
		b.mu.Lock()
		switch {
		case p.Data.InboxEvents.Kind == "MESSAGE_CREATED":
			b.created++
		case m.Status == "SENT" || m.Status == "DELIVERED" || m.Status == "READ":
			if _, ok := b.sentAt[m.ID]; !ok {
				b.sentAt[m.ID] = now
			}
			fallthrough
		case m.Status == "FAILED":
			if _, ok := b.doneAt[m.ID]; !ok {
				b.doneAt[m.ID] = now
			}
		}
		b.mu.Unlock()
	}
}

// census waits (bounded) until no reply is still on its way, then counts
// the outbound messages by final state.
func (b *sendRun) census(ctx context.Context, statuses bool, bound time.Duration) string {
	sys := viewer.System(ctx)
	q := func() map[string]int {
		ms, err := b.db.Client.Message.Query().Where(message.DirectionEQ(message.DirectionOUTBOUND)).All(sys)
		out := map[string]int{}
		if err != nil {
			out["error: "+err.Error()]++
			return out
		}
		for _, m := range ms {
			k := string(m.Status)
			if m.Status == message.StatusFAILED {
				if m.Error != nil && m.Error.Code == schematype.CodeOutcomeUnknown {
					k = "FAILED (outcome unknown)"
				} else if m.Error != nil {
					k = fmt.Sprintf("FAILED (%d %s)", m.Error.Code, m.Error.Title)
				}
			}
			out[k]++
		}
		return out
	}
	deadline := time.Now().Add(bound)
	for {
		c := q()
		open := c[string(message.StatusQUEUED)]
		if statuses {
			open += c[string(message.StatusSENT)] + c[string(message.StatusDELIVERED)]
		}
		if open == 0 || time.Now().After(deadline) {
			return fmt.Sprint(c)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
