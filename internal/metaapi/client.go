package metaapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// maxResponseBytes bounds the JSON answers read from the Graph API.
const maxResponseBytes = 1 << 20

// Client calls the Graph API at BaseURL (e.g. "https://graph.facebook.com/v21.0"
// or the simulator's URL). It holds no token: each call takes the access
// token of the channel it acts for. The zero HTTPClient is
// http.DefaultClient; deadlines come from each call's context.
type Client struct {
	BaseURL    string
	HTTPClient *http.Client
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return http.DefaultClient
}

// endpoint joins BaseURL and escaped path segments.
func (c *Client) endpoint(segments ...string) string {
	var b strings.Builder
	b.WriteString(strings.TrimRight(c.BaseURL, "/"))
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

// do sends req with the Bearer token and returns the response of a 2xx,
// or the error a caller can classify. It records whether the request was
// written in full, so that a failure after that is told apart.
func (c *Client) do(ctx context.Context, token string, req *http.Request) (*http.Response, error) {
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	}
	req = req.WithContext(httptrace.WithClientTrace(ctx, trace))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, &TransportError{Method: req.Method, Path: req.URL.Path, Sent: wrote.Load(), Err: err}
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, readAPIError(resp)
	}
	return resp, nil
}

// doJSON sends a request with an optional JSON or prepared body and
// decodes a 2xx answer into out.
func (c *Client) doJSON(ctx context.Context, token, method, endpoint, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, endpoint, body)
	if err != nil {
		return fmt.Errorf("metaapi: build request: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.do(ctx, token, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// A 2xx is Meta's word that it accepted the call; an answer we cannot
	// read leaves us not knowing what it accepted.
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err == nil {
		err = json.Unmarshal(raw, out)
	}
	if err != nil {
		return &TransportError{Method: method, Path: req.URL.Path, Sent: true, Err: fmt.Errorf("read answer: %w", err)}
	}
	return nil
}

func (c *Client) postJSON(ctx context.Context, token, endpoint string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("metaapi: encode request: %w", err)
	}
	return c.doJSON(ctx, token, http.MethodPost, endpoint, "application/json", bytes.NewReader(body), out)
}

// readAPIError turns a non-2xx answer into an *APIError. An answer that is
// not Meta's error object still carries its HTTP status.
func readAPIError(resp *http.Response) *APIError {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	var env struct {
		Error struct {
			Message   string `json:"message"`
			Type      string `json:"type"`
			Code      int    `json:"code"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
			FBTraceID string `json:"fbtrace_id"`
		} `json:"error"`
	}
	e := &APIError{HTTPStatus: resp.StatusCode}
	if json.Unmarshal(raw, &env) == nil && (env.Error.Code != 0 || env.Error.Message != "") {
		e.Code, e.Type, e.Message = env.Error.Code, env.Error.Type, env.Error.Message
		e.Details, e.FBTraceID = env.Error.ErrorData.Details, env.Error.FBTraceID
		return e
	}
	e.Message = strings.TrimSpace(string(raw))
	if len(e.Message) > 200 {
		e.Message = strings.ToValidUTF8(e.Message[:200], "")
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

func checkToken(token string) error {
	if token == "" {
		return invalid("access token", "is empty")
	}
	return nil
}

// NewHTTPClient returns the HTTP client a server uses for the Graph API:
// keep-alive connections enough for a number sending 1,000 messages a
// second (the default transport keeps 2 idle per host and would open a
// connection per send), and bounded dials and TLS handshakes. Per-call
// deadlines come from contexts.
func NewHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 512
	t.MaxIdleConnsPerHost = 256
	t.IdleConnTimeout = 90 * time.Second
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	return &http.Client{Transport: t}
}
