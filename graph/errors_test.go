package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"switchboard/internal/apperr"
)

// A resolver that returns one of apperr's sentinels as is (or wrapped)
// answers its code with a default message, not INTERNAL: the sentinels
// carry no message of their own, and the presenter must not take them for
// unexpected errors.
func TestBareSentinelFromResolverAnswersItsCode(t *testing.T) {
	for _, c := range []struct {
		err     error
		code    apperr.Code
		message string
	}{
		{apperr.ErrNotFound, apperr.NotFound, "not found"},
		{fmt.Errorf("loading the contact: %w", apperr.ErrNotFound), apperr.NotFound, "not found"},
		{apperr.ErrForbidden, apperr.Forbidden, "not allowed"},
		{apperr.ErrUnauthenticated, apperr.Unauthenticated, "not signed in"},
		{apperr.ErrBadInput, apperr.BadUserInput, "invalid input"},
		{apperr.ErrConflict, apperr.Conflict, "conflicts with an existing record"},
		{apperr.ErrRateLimited, apperr.RateLimited, "too many requests: try again later"},
		{apperr.NotFoundf("contact not found"), apperr.NotFound, "contact not found"},
		{errors.New("pq: relation \"jobs\" does not exist"), apperr.Internal, "internal error"},
	} {
		t.Run(c.err.Error(), func(t *testing.T) {
			srv := NewHandler(&Resolver{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, HandlerOptions{ComplexityLimit: 1000})
			srv.AroundFields(func(ctx context.Context, next graphql.Resolver) (any, error) {
				if graphql.GetFieldContext(ctx).Field.Name == "me" {
					return nil, c.err // what the resolver returned
				}
				return next(ctx)
			})
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
			req.Header.Set("Content-Type", "application/json")
			srv.ServeHTTP(rec, req)
			var resp struct {
				Errors []struct {
					Message    string         `json:"message"`
					Extensions map[string]any `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || len(resp.Errors) != 1 {
				t.Fatalf("response %s: %v", rec.Body, err)
			}
			got := resp.Errors[0]
			if got.Extensions["code"] != string(c.code) || got.Message != c.message {
				t.Fatalf("answered %v %q, want %s %q", got.Extensions["code"], got.Message, c.code, c.message)
			}
		})
	}
	if apperr.ErrNotFound.Message != "" {
		t.Fatalf("presenting a sentinel changed it: %q", apperr.ErrNotFound.Message)
	}
}
