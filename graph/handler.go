package graph

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

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
	// WebsocketInit authenticates a WebSocket's connection_init payload; an
	// error refuses the connection, which then closes with 4403.
	WebsocketInit transport.WebsocketInitFunc
	AllowOrigin   func(r *http.Request) bool
}

// NewHandler builds the GraphQL server: POST, GET, WebSocket and SSE
// transports, a query complexity limit, page-size bounds, mutations in one
// transaction each, and the error presenter.
func NewHandler(r *Resolver, opt HandlerOptions) *handler.Server {
	cfg := generated.Config{Resolvers: r}
	priceConnections(&cfg.Complexity)
	srv := handler.New(generated.NewExecutableSchema(cfg))
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(newWebsocketTransport(transport.Websocket{
		KeepAlivePingInterval: 15 * time.Second,
		InitFunc:              opt.WebsocketInit,
		InitTimeout:           10 * time.Second,
		Upgrader:              upgrader(opt.AllowOrigin),
	}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(extension.FixedComplexityLimit(opt.ComplexityLimit))
	srv.Use(entgql.Transactioner{
		TxOpener: r.Client,
		// logIn records failed attempts, which must outlive the failed
		// mutation, so it manages its own transactions (auth.LogIn).
		SkipTxFunc: func(op *ast.OperationDefinition) bool {
			return op.Operation != ast.Mutation || entgql.SkipIfHasFields("logIn")(op)
		},
	})
	srv.AroundFields(boundPageSize)
	srv.AroundFields(rejectNUL)
	srv.SetErrorPresenter(presentError(r.Log))
	srv.SetRecoverFunc(recoverPanic(r.Log))
	return srv
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
