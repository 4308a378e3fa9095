//go:build ignore

// entc.go runs ent's code generator with the entgql extension. It is run by
// `make generate` (go generate ./ent), never by hand-edited code.
package main

import (
	"fmt"
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("graph/ent.graphqls"),
		entgql.WithConfigPath("gqlgen.yml"),
		entgql.WithRelaySpec(true),
		entgql.WithSchemaHook(defaultOrders),
	)
	if err != nil {
		log.Fatalf("entgql: %v", err)
	}
	templates := append(entgql.AllTemplates,
		gen.MustParse(gen.NewTemplate("pulid").ParseFiles("ent/template/pulid.tmpl")))
	err = entc.Generate("./ent/schema", &gen.Config{
		Package:   "switchboard/ent",
		Target:    "ent",
		Features:  []gen.Feature{gen.FeaturePrivacy, gen.FeatureIntercept, gen.FeatureLock, gen.FeatureUpsert, gen.FeatureExecQuery, gen.FeatureModifier},
		Templates: templates,
	}, entc.Extensions(ex))
	if err != nil {
		log.Fatalf("ent: %v", err)
	}
}

// defaultOrders gives connections that have a natural order a default
// orderBy in the schema, so that clients asking without one get it, both
// when the edge is loaded eagerly and when it is paginated on its own:
// messages in conversation order (Meta's timestamps) and a contact's
// conversations by newest activity. (entgql's default is by id, and its
// pagers use that default as the tie-breaker, so it must stay by id.)
func defaultOrders(_ *gen.Graph, s *ast.Schema) error {
	defaults := []struct{ typ, field, order, direction string }{
		{"Conversation", "messages", "TIMESTAMP", "ASC"},
		{"Contact", "conversations", "LAST_MESSAGE_AT", "DESC"},
	}
	for _, d := range defaults {
		def := s.Types[d.typ]
		if def == nil || def.Fields.ForName(d.field) == nil {
			return fmt.Errorf("defaultOrders: no field %s.%s", d.typ, d.field)
		}
		arg := def.Fields.ForName(d.field).Arguments.ForName("orderBy")
		if arg == nil {
			return fmt.Errorf("defaultOrders: %s.%s has no orderBy", d.typ, d.field)
		}
		arg.DefaultValue = &ast.Value{Kind: ast.ObjectValue, Children: ast.ChildValueList{
			{Name: "direction", Value: &ast.Value{Kind: ast.EnumValue, Raw: d.direction}},
			{Name: "field", Value: &ast.Value{Kind: ast.EnumValue, Raw: d.order}},
		}}
	}
	return nil
}
