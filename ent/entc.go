//go:build ignore

// entc.go runs ent's code generator with the entgql extension. It is run by
// `make generate` (go generate ./ent), never by hand-edited code.
package main

import (
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("graph/ent.graphqls"),
		entgql.WithConfigPath("gqlgen.yml"),
		entgql.WithRelaySpec(true),
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
