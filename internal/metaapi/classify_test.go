package metaapi

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

// TestClassifyMetaCodes answers a send with each code of META.md's table in
// Meta's error format and checks the typed error and the action.
func TestClassifyMetaCodes(t *testing.T) {
	cases := []struct {
		code   int
		status int
		want   Action
	}{
		{130429, 400, RetryNumberLater},
		{131056, 400, RetryRecipientLater},
		{131057, 503, RetryLater},
		{131016, 503, RetryLater},
		{1, 400, RetryLater},
		{2, 503, RetryLater},
		{4, 400, RetryLater},
		{80007, 400, RetryLater},
		{131049, 400, BackOffGrowing},
		{131048, 400, PauseNumber},
		{131047, 400, NeedsTemplate},
		{131050, 400, NeverRetry},
		{131026, 400, NeverRetry},
		{132015, 400, NeverRetry},
		{132016, 400, NeverRetry},
		{131062, 400, NeverRetry},
		{368, 403, NeverRetry},
		{190, 401, StopChannel},
		{100, 400, NeverRetry},    // unknown code on a 4xx
		{131000, 500, RetryLater}, // unknown code on a 5xx
	}
	for _, c := range cases {
		t.Run(http.StatusText(c.status)+"/"+c.want.String(), func(t *testing.T) {
			g := newGraph(t, c.status, metaError(c.code, "OAuthException", "meaning", "details for the code"))
			_, err := g.client().Send(context.Background(), testToken, "1", Message{To: Recipient{Phone: "1555"}, Text: &Text{Body: "hi"}})
			var api *APIError
			if !errors.As(err, &api) {
				t.Fatalf("code %d: err = %v, want *APIError", c.code, err)
			}
			want := APIError{HTTPStatus: c.status, Code: c.code, Type: "OAuthException", Message: "meaning", Details: "details for the code", FBTraceID: "AbCtrace"}
			if *api != want {
				t.Errorf("code %d: error %+v, want %+v", c.code, *api, want)
			}
			if got := Classify(err); got != c.want {
				t.Errorf("code %d: Classify = %v, want %v", c.code, got, c.want)
			}
		})
	}
}

// TestClassifyWithoutMetaBody: a gateway's non-JSON answer still carries
// its status and is classified by it.
func TestClassifyWithoutMetaBody(t *testing.T) {
	cases := []struct {
		status int
		want   Action
	}{{502, RetryLater}, {503, RetryLater}, {429, RetryLater}, {404, NeverRetry}}
	for _, c := range cases {
		g := newGraph(t, c.status, "<html>bad gateway</html>")
		_, err := g.client().Send(context.Background(), testToken, "1", Message{To: Recipient{Phone: "1555"}, Text: &Text{Body: "hi"}})
		var api *APIError
		if !errors.As(err, &api) || api.HTTPStatus != c.status || api.Code != 0 {
			t.Errorf("%d: err = %v", c.status, err)
		}
		if got := Classify(err); got != c.want {
			t.Errorf("%d: Classify = %v, want %v", c.status, got, c.want)
		}
	}
}

func TestClassifyOthers(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want Action
	}{
		{"nil", nil, ActionNone},
		{"post failed after sending", &TransportError{Method: "POST", Sent: true, Err: context.DeadlineExceeded}, OutcomeUnknown},
		{"post failed before sending", &TransportError{Method: "POST", Err: errors.New("connection refused")}, RetryLater},
		{"get failed after sending", &TransportError{Method: "GET", Sent: true, Err: context.DeadlineExceeded}, RetryLater},
		{"validation", &ValidationError{Field: "x"}, NeverRetry},
		{"expired media url", ErrMediaURLExpired, RetryLater},
		{"media too large", ErrMediaTooLarge, NeverRetry},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("%s: Classify = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPairRateBackoff(t *testing.T) {
	want := []time.Duration{time.Second, 4 * time.Second, 16 * time.Second, 64 * time.Second, 256 * time.Second, 1024 * time.Second, time.Hour, time.Hour}
	for n, w := range want {
		if got := PairRateBackoff(n); got != w {
			t.Errorf("PairRateBackoff(%d) = %v, want %v", n, got, w)
		}
	}
}
