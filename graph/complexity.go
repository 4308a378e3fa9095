package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Query cost limits. The complexity limit itself is configuration
// (handler option); these shape how a query is priced against it.
const (
	// MaxDepth bounds how deeply fields may nest. An inbox page
	// (conversations → edges → node → messages → edges → node → text) is 7
	// deep; 15 leaves room for fragments and introspection while refusing
	// the cyclic conversation { lastMessage { conversation { … } } } chains
	// that would otherwise only be bounded by the complexity limit.
	MaxDepth = 15
	// MaxTokens bounds what the parser reads of one query. A large
	// hand-written query is a few hundred tokens; GraphiQL's introspection
	// query about 300. The bound also caps the quadratic work of the
	// overlapping-fields validation rule ({ me { id id id … } }).
	MaxTokens = 2000
)

// pricedSchema prices every field generically, so a new field cannot
// forget its price:
//   - a connection (a field with first/last arguments) costs its selection
//     once per item it may return, so nested connections multiply;
//   - a field that takes ids (nodes) costs its selection once per id;
//   - whole-tenant operations (exports) cost what they read: just over half
//     the limit each, so a request holds at most one.
//
// Everything else is gqlgen's default: 1 plus its children.
type pricedSchema struct {
	graphql.ExecutableSchema
	wholeTenant map[string]int // "Type.field" → fixed cost
}

func newPricedSchema(es graphql.ExecutableSchema, limit int) pricedSchema {
	return pricedSchema{ExecutableSchema: es, wholeTenant: map[string]int{
		// Reads every contact of the tenant and writes an audit entry.
		"Query.exportContacts": limit/2 + 1,
	}}
}

func (s pricedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	if c, ok := s.wholeTenant[typeName+"."+field]; ok {
		return c, true
	}
	if def := s.fieldDef(typeName, field); def != nil {
		if def.Arguments.ForName("first") != nil || def.Arguments.ForName("last") != nil {
			return pageCost(child, intArg(args["first"]), intArg(args["last"])), true
		}
		if def.Arguments.ForName("ids") != nil {
			if ids, ok := args["ids"].([]any); ok {
				return 1 + child*max(len(ids), 1), true
			}
		}
	}
	return s.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
}

func (s pricedSchema) fieldDef(typeName, field string) *ast.FieldDefinition {
	t := s.Schema().Types[typeName]
	if t == nil {
		return nil
	}
	return t.Fields.ForName(field)
}

// pageCost is the complexity of a connection: its selection once per item
// it may return. A page asked without first/last costs a full page (that
// is what boundPageSize gives it).
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

func intArg(v any) *int {
	switch n := v.(type) {
	case *int:
		return n
	case int:
		return &n
	case int64:
		i := int(n)
		return &i
	}
	return nil
}

// depthLimit refuses operations nested deeper than max fields, counting
// through fragments. `ofType` is not counted: it is a linear chain of one
// object per level (type wrappers) that GraphiQL's introspection query
// nests eight deep, with no fan-out to amplify.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, d.max+1); depth > d.max {
		err := gqlerror.Errorf("operation is nested too deeply: more than %d levels", d.max)
		err.Extensions = map[string]any{"code": "COMPLEXITY_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

// selectionDepth is the depth of set, stopping early once it reaches stop
// (so a deeply nested document costs no more than the limit to check).
func selectionDepth(set ast.SelectionSet, stop int) int {
	if stop <= 0 {
		return 0
	}
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "ofType" {
				d = selectionDepth(s.SelectionSet, stop)
			} else {
				d = 1 + selectionDepth(s.SelectionSet, stop-1)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, stop)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				d = selectionDepth(s.Definition.SelectionSet, stop)
			}
		}
		deepest = max(deepest, d)
		if deepest >= stop {
			return deepest
		}
	}
	return deepest
}
