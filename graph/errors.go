package graph

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"switchboard/ent"
	"switchboard/ent/privacy"
	"switchboard/internal/apperr"
	"switchboard/internal/reqctx"
)

// presentError is the one place errors become extensions.code. Known
// errors keep their message; anything unexpected is logged with the request
// id and answered INTERNAL, so SQL text and stack details never leave.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var gerr *gqlerror.Error
		if errors.As(err, &gerr) && gerr.Err == nil {
			// Parse and validation errors from gqlgen itself. A body that
			// cannot be decoded is described, not echoed back.
			if i := strings.Index(gqlErr.Message, " body:"); i > 0 && strings.HasPrefix(gqlErr.Message, "json request body could not be decoded") {
				gqlErr.Message = gqlErr.Message[:i]
			}
			return gqlErr
		}
		ae := classify(err)
		if in, ok := undecodableArgument(ctx, err); ok && ae.Code == apperr.Internal {
			ae = in
		}
		if ae.Code == apperr.Internal {
			log.ErrorContext(ctx, "internal error", "err", err, "request_id", reqctx.From(ctx).RequestID)
		}
		gqlErr.Message = ae.Message
		ext := map[string]any{"code": string(ae.Code)}
		if ae.Field != "" {
			ext["field"] = ae.Field
		}
		if ae.MetaCode != 0 {
			ext["metaCode"] = ae.MetaCode
		}
		gqlErr.Extensions = ext
		return gqlErr
	}
}

// classify maps an error to what the client may see.
func classify(err error) *apperr.Error {
	if ae, ok := apperr.As(err); ok {
		return ae
	}
	var verr *ent.ValidationError
	switch {
	case ent.IsNotFound(err):
		return apperr.NotFoundf("not found")
	case errors.As(err, &verr):
		return apperr.Input(camel(verr.Name), "%s is invalid", camel(verr.Name))
	case ent.IsConstraintError(err):
		return apperr.New(apperr.Conflict, "conflicts with an existing record")
	case errors.Is(err, privacy.Deny):
		return apperr.New(apperr.Forbidden, "not allowed")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return apperr.New(apperr.Internal, "the request was cancelled or timed out")
	}
	return apperr.New(apperr.Internal, "internal error")
}

// camel turns an ent column name (opt_in_status) into its GraphQL name.
func camel(s string) string {
	out := make([]byte, 0, len(s))
	up := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			up = true
		case up && c >= 'a' && c <= 'z':
			out = append(out, c-'a'+'A')
			up = false
		default:
			out = append(out, c)
			up = false
		}
	}
	return string(out)
}
