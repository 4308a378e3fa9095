package graph

import (
	"context"
	"testing"

	"switchboard/graph/generated"
)

// Every connection in the schema, today's and any added later, is priced
// by its page size: no field can forget it.
func TestEveryConnectionFieldIsPricedByItsPage(t *testing.T) {
	es := newPricedSchema(generated.NewExecutableSchema(generated.Config{Resolvers: &Resolver{}}), 50000)
	first := 100
	n := 0
	for name, typ := range es.Schema().Types {
		for _, f := range typ.Fields {
			if f.Arguments.ForName("first") == nil {
				continue
			}
			n++
			got, ok := es.Complexity(context.Background(), name, f.Name, 10, map[string]any{"first": &first, "last": (*int)(nil)})
			if !ok || got != 1+10*first {
				t.Errorf("%s.%s costs %d (%v), want %d", name, f.Name, got, ok, 1+10*first)
			}
			got, _ = es.Complexity(context.Background(), name, f.Name, 10, map[string]any{})
			if got != 1+10*MaxPageSize {
				t.Errorf("%s.%s without first costs %d, want a full page %d", name, f.Name, got, 1+10*MaxPageSize)
			}
		}
	}
	if n < 6 {
		t.Fatalf("found only %d connection fields", n)
	}
}
