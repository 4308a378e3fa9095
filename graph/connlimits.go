package graph

import (
	"context"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"switchboard/internal/apperr"
	"switchboard/internal/pulid"
	"switchboard/internal/viewer"
)

// connLimits caps what one client can hold open: subscriptions per
// WebSocket, and streaming connections (WebSockets and SSE streams) per
// tenant, counted in this process. Each subscription costs a goroutine and
// a buffer here, so without a cap one socket could start thousands.
type connLimits struct {
	perSocket int // subscriptions on one WebSocket; 0 = no cap
	perTenant int // open sockets and SSE streams of one tenant; 0 = no cap

	mu      sync.Mutex
	tenants map[pulid.ID]int
}

func newConnLimits(perSocket, perTenant int) *connLimits {
	return &connLimits{perSocket: perSocket, perTenant: perTenant, tenants: map[pulid.ID]int{}}
}

// socketState is one WebSocket's count of running subscriptions; it lives
// in the socket's context, the parent of each subscription's.
type socketState struct {
	mu   sync.Mutex
	subs int
}

type socketKey struct{}

// openSocket takes a slot of the caller's tenant for a new WebSocket,
// released when ctx (the socket's) ends.
func (l *connLimits) openSocket(ctx context.Context) (context.Context, error) {
	if err := l.takeTenantSlot(ctx); err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, socketKey{}, &socketState{}), nil
}

// takeTenantSlot counts one more stream of the caller's tenant until ctx ends.
func (l *connLimits) takeTenantSlot(ctx context.Context) error {
	v, ok := viewer.FromContext(ctx)
	if !ok {
		return nil // unauthenticated streams are refused by the resolvers
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perTenant > 0 && l.tenants[v.TenantID] >= l.perTenant {
		return apperr.New(apperr.RateLimited, "too many open connections for this tenant (limit %d)", l.perTenant)
	}
	l.tenants[v.TenantID]++
	context.AfterFunc(ctx, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.tenants[v.TenantID]--; l.tenants[v.TenantID] <= 0 {
			delete(l.tenants, v.TenantID)
		}
	})
	return nil
}

// aroundSubscriptions admits each subscription: on a WebSocket it takes one
// of the socket's slots; an SSE stream (one subscription per request) takes
// a slot of its tenant. A refused subscription gets the protocol's error
// message for its id and the socket stays open.
func (l *connLimits) aroundSubscriptions(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	var err error
	switch s, ok := ctx.Value(socketKey{}).(*socketState); {
	case ok:
		err = l.takeSocketSlot(ctx, s)
	case !strings.Contains(oc.Headers.Get("Accept"), "text/event-stream"):
		// A plain POST or GET would wait for the first event and then end
		// the subscription: refuse it and say which transports stream.
		err = apperr.New(apperr.BadUserInput,
			"subscriptions stream over WebSocket (graphql-transport-ws or graphql-ws) or SSE (POST with Accept: text/event-stream)")
	default:
		err = l.takeTenantSlot(ctx)
	}
	if err != nil {
		code := apperr.RateLimited
		if ae, ok := apperr.As(err); ok {
			code = ae.Code
		}
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message:    err.Error(),
			Extensions: map[string]any{"code": string(code)},
		}}})
	}
	return next(ctx)
}

func (l *connLimits) takeSocketSlot(ctx context.Context, s *socketState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.perSocket > 0 && s.subs >= l.perSocket {
		return apperr.New(apperr.RateLimited, "too many subscriptions on this connection (limit %d)", l.perSocket)
	}
	s.subs++
	context.AfterFunc(ctx, func() {
		s.mu.Lock()
		s.subs--
		s.mu.Unlock()
	})
	return nil
}
