// Package reqctx carries per-request facts (request id, client IP) from
// the HTTP middleware to the code that logs and audits.
package reqctx

import "context"

type key struct{}

// Info describes the HTTP request being served.
type Info struct {
	RequestID string
	IP        string
	UserAgent string
}

// With returns ctx carrying info.
func With(ctx context.Context, info Info) context.Context {
	return context.WithValue(ctx, key{}, info)
}

// From returns the request info, or the zero Info outside a request.
func From(ctx context.Context) Info {
	i, _ := ctx.Value(key{}).(Info)
	return i
}
