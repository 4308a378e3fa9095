// Package ent is generated from ent/schema by `make generate`.
package ent

// entc.go names its inputs and outputs relative to the module root, so it
// runs from there (-C ..), whichever way go generate ./ent is invoked.
//go:generate go run -C .. -mod=mod ./ent/entc.go
