package graph

import (
	"context"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Operation is where the GraphQL handler leaves the name of the operation
// a request ran, so that the HTTP middleware's request log line can say
// which one it was (one line per request, after the handler returns).
type Operation struct{ name atomic.Pointer[string] }

// Name is the operation's name, or its first root field when it is
// anonymous; "" when no operation ran (a request that did not parse).
// On a WebSocket it is the first operation of the connection.
func (o *Operation) Name() string {
	if p := o.name.Load(); p != nil {
		return *p
	}
	return ""
}

type operationKey struct{}

// WithOperation returns ctx carrying an empty Operation that the GraphQL
// handler fills.
func WithOperation(ctx context.Context) (context.Context, *Operation) {
	o := &Operation{}
	return context.WithValue(ctx, operationKey{}, o), o
}

// recordOperation is an AroundOperations hook that names the operation in
// the request's Operation, if the request carries one.
func recordOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if o, ok := ctx.Value(operationKey{}).(*Operation); ok && graphql.HasOperationContext(ctx) {
		name := operationName(graphql.GetOperationContext(ctx))
		o.name.CompareAndSwap(nil, &name)
	}
	return next(ctx)
}

func operationName(oc *graphql.OperationContext) string {
	if oc.Operation == nil {
		return oc.OperationName
	}
	if oc.Operation.Name != "" {
		return oc.Operation.Name
	}
	return firstField(oc.Operation.SelectionSet)
}

// firstField is the name of the first field selected, looking into
// fragments.
func firstField(set ast.SelectionSet) string {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			return s.Name
		case *ast.InlineFragment:
			if n := firstField(s.SelectionSet); n != "" {
				return n
			}
		case *ast.FragmentSpread:
			if s.Definition != nil {
				if n := firstField(s.Definition.SelectionSet); n != "" {
					return n
				}
			}
		}
	}
	return ""
}
