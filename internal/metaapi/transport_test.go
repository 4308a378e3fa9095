package metaapi

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

var hello = Message{To: Recipient{Phone: "15551234567"}, Text: &Text{Body: "hi"}}

// TestTimeoutAfterSendIsOutcomeUnknown: Meta read the whole request but did
// not answer before the deadline; the send may have gone, so it must not be
// resent blindly. The deadline is honoured, not waited out.
func TestTimeoutAfterSendIsOutcomeUnknown(t *testing.T) {
	received := make(chan struct{}, 1)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		received <- struct{}{}
		<-release
	}))
	defer srv.Close()
	defer close(release)
	c := &Client{BaseURL: srv.URL, HTTPClient: srv.Client()}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Send(ctx, testToken, "1", hello)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Send took %v, the deadline was 200ms", elapsed)
	}
	select {
	case <-received:
	default:
		t.Fatal("the request never reached the server")
	}
	var te *TransportError
	if !errors.As(err, &te) || !te.Sent {
		t.Fatalf("err = %v, want a *TransportError after sending", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if got := Classify(err); got != OutcomeUnknown {
		t.Errorf("Classify = %v, want OUTCOME_UNKNOWN", got)
	}
}

// TestConnectionDroppedAfterSendIsOutcomeUnknown: the server reads the
// request and hangs up without answering.
func TestConnectionDroppedAfterSendIsOutcomeUnknown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL, HTTPClient: srv.Client()}
	_, err := c.Send(context.Background(), testToken, "1", hello)
	if got := Classify(err); got != OutcomeUnknown {
		t.Errorf("err = %v, Classify = %v, want OUTCOME_UNKNOWN", err, got)
	}
}

// TestConnectionRefusedIsSafeToRetry: nothing listens, so nothing was sent.
func TestConnectionRefusedIsSafeToRetry(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := &Client{BaseURL: "http://" + addr + "/v21.0"}
	_, err = c.Send(context.Background(), testToken, "1", hello)
	var te *TransportError
	if !errors.As(err, &te) || te.Sent {
		t.Fatalf("err = %v, want a *TransportError before sending", err)
	}
	if got := Classify(err); got != RetryLater {
		t.Errorf("Classify = %v, want RETRY_LATER", got)
	}
}

// TestDeadlinePassedBeforeSendIsSafeToRetry: a context already over sends
// nothing.
func TestDeadlinePassedBeforeSendIsSafeToRetry(t *testing.T) {
	g := newGraph(t, http.StatusOK, sendOK)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := g.client().Send(ctx, testToken, "1", hello)
	if got := Classify(err); got != RetryLater {
		t.Errorf("err = %v, Classify = %v, want RETRY_LATER", err, got)
	}
	if g.count() != 0 {
		t.Error("a request reached the server")
	}
}

// TestUnreadableAcceptanceIsOutcomeUnknown: a 2xx whose body names no
// wamid leaves the send's fate unknown.
func TestUnreadableAcceptanceIsOutcomeUnknown(t *testing.T) {
	for _, body := range []string{"not json", `{"messaging_product":"whatsapp","messages":[]}`} {
		g := newGraph(t, http.StatusOK, body)
		_, err := g.client().Send(context.Background(), testToken, "1", hello)
		if got := Classify(err); got != OutcomeUnknown {
			t.Errorf("%q: err = %v, Classify = %v, want OUTCOME_UNKNOWN", body, err, got)
		}
	}
}
