package graph

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"switchboard/graph/generated"
	"switchboard/internal/apperr"
)

// MaxPageSize bounds first/last on every connection.
const MaxPageSize = 100

// HandlerOptions tunes the GraphQL handler.
type HandlerOptions struct {
	ComplexityLimit int
	// MaxMessageBytes bounds one incoming WebSocket message (the HTTP body
	// limit is applied by the server before the handler).
	MaxMessageBytes int64
	// MaxUploadBytes bounds a multipart request (GraphQL multipart
	// request spec: files for Upload arguments); 0 refuses them. Files
	// beyond MaxMessageBytes go to temporary files, not memory.
	MaxUploadBytes int64
	// SubscriptionsPerSocket and SocketsPerTenant cap what clients hold
	// open (0 = no cap); SSE streams count as sockets.
	SubscriptionsPerSocket int
	SocketsPerTenant       int
	// Introspection allows __schema and __type queries.
	Introspection bool
	// WebsocketInit authenticates a WebSocket's connection_init payload; an
	// error refuses the connection, which then closes with 4403.
	WebsocketInit transport.WebsocketInitFunc
	AllowOrigin   func(r *http.Request) bool
	// Drain ends when the server shuts down: every open WebSocket then
	// closes with 1001 and every SSE stream ends. Nil never drains.
	Drain context.Context
}

// NewHandler builds the GraphQL server: POST, GET, WebSocket and SSE
// transports, limits on query size, depth and complexity, page-size
// bounds, mutations in one transaction each, and the error presenter.
func NewHandler(r *Resolver, opt HandlerOptions) *handler.Server {
	cfg := generated.Config{Resolvers: r}
	limits := newConnLimits(opt.SubscriptionsPerSocket, opt.SocketsPerTenant)
	srv := handler.New(newPricedSchema(generated.NewExecutableSchema(cfg), opt.ComplexityLimit))
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(newWebsocketTransport(opt, limits))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	if opt.MaxUploadBytes > 0 {
		srv.AddTransport(transport.MultipartForm{MaxUploadSize: opt.MaxUploadBytes + opt.MaxMessageBytes, MaxMemory: opt.MaxMessageBytes})
	}
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(MaxTokens)
	if opt.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(noIntrospection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(depthLimit{max: MaxDepth})
	srv.Use(extension.FixedComplexityLimit(opt.ComplexityLimit))
	srv.Use(transactioner{entgql.Transactioner{
		TxOpener: r.Client,
		// logIn and cancelAccountDeletion record failed attempts, which
		// must outlive the failed mutation, so they manage their own
		// transactions (auth.LogIn, auth.ResumeAccount).
		// signUp hashes the password (bcrypt, ~100 ms) before it opens
		// its own transaction: inside the request's, it would hold
		// SQLite's only write lock, webhook ingestion included, that long.
		// The template mutations wait for Meta's answer first, for the
		// same reason (internal/templates).
		SkipTxFunc: entgql.SkipIfHasFields("logIn", "cancelAccountDeletion", "signUp", "createTemplate", "syncTemplates", "deleteTemplate"),
	}})
	srv.AroundOperations(recordOperation) // names the request's log line (oplog.go)
	srv.AroundOperations(limits.aroundSubscriptions)
	srv.AroundOperations(r.withLoaders)
	srv.AroundFields(boundPageSize)
	srv.AroundFields(rejectNUL)
	srv.SetErrorPresenter(presentError(r.Log))
	srv.SetRecoverFunc(recoverPanic(r.Log))
	return srv
}

// transactioner is entgql's Transactioner (each mutation in one
// transaction) made safe for requests that never became an operation: a
// body that is not a JSON object, or variables nested past the JSON
// decoder's depth, reach the response interceptors without an operation
// context, where entgql's lookup panics.
type transactioner struct{ entgql.Transactioner }

func (t transactioner) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	return t.Transactioner.InterceptResponse(ctx, next)
}

// boundPageSize refuses first/last outside 0…MaxPageSize on any
// connection, and gives a connection asked with neither a first page of
// MaxPageSize, so no list is ever unbounded.
func boundPageSize(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Args == nil {
		return next(ctx)
	}
	first, isConn := fc.Args["first"].(*int)
	last, _ := fc.Args["last"].(*int)
	if !isConn {
		return next(ctx)
	}
	for name, n := range map[string]*int{"first": first, "last": last} {
		if n != nil && (*n < 0 || *n > MaxPageSize) {
			return nil, apperr.Input(name, "%s must be between 0 and %d", name, MaxPageSize)
		}
	}
	if first == nil && last == nil {
		n := MaxPageSize
		fc.Args["first"] = &n
	}
	return next(ctx)
}

func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return fmt.Errorf("panic: %v", p)
	}
}
