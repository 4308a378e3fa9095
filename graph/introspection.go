package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"switchboard/internal/apperr"
)

// noIntrospection refuses operations that read the schema (__schema,
// __type) when GRAPHQL_INTROSPECTION=false, before anything runs, with
// FORBIDDEN and a reason, instead of gqlgen's per-field "introspection
// disabled" errors. __typename stays allowed: clients need it.
type noIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = noIntrospection{}

func (noIntrospection) ExtensionName() string                   { return "NoIntrospection" }
func (noIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

func (noIntrospection) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || !readsSchema(oc.Operation.SelectionSet) {
		return nil
	}
	err := gqlerror.Errorf("introspection is disabled on this server")
	err.Extensions = map[string]any{"code": string(apperr.Forbidden)}
	return err
}

// readsSchema reports whether the top level of set selects __schema or
// __type, looking through fragments.
func readsSchema(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if readsSchema(s.SelectionSet) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && readsSchema(s.Definition.SelectionSet) {
				return true
			}
		}
	}
	return false
}
