// Package migrations holds Switchboard's versioned schema migrations, one
// directory per dialect (sqlite/, postgres/), in golang-migrate's format
// (<version>_<name>.up.sql and .down.sql) with atlas.sum, the checksum file
// that ent's diffing validates. They are generated from ent/schema by
// `make migration name=<change>` (./gen), reviewed like code, and embedded
// in the binary so that `switchboard migrate` and `serve` apply exactly
// what was reviewed.
package migrations

import "embed"

// FS is the migration directories as they were at build time.
//
//go:embed sqlite postgres
var FS embed.FS
