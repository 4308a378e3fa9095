package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrNotLoopback is returned for targets outside this machine: the simulator must never send
// traffic anywhere else, by policy of the environments it runs in.
var ErrNotLoopback = errors.New("sim: target must be on loopback (127.0.0.0/8, ::1 or localhost)")

// CheckLoopback accepts only http(s) URLs whose host is localhost, an address in 127.0.0.0/8
// or ::1.
func CheckLoopback(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("sim: bad target %q: %w", target, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("sim: target %q: scheme must be http or https", target)
	}
	if !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%w: %q", ErrNotLoopback, u.Hostname())
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewClient returns an HTTP client for webhook delivery that refuses, at connect time, any
// address that is not loopback (so "localhost" resolving elsewhere or a redirect can't leak
// traffic), ignores proxy settings and keeps enough idle connections for concurrent senders.
func NewClient(timeout time.Duration, maxConns int) *http.Client {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil || !isLoopbackHost(host) {
				return fmt.Errorf("%w: dial %s", ErrNotLoopback, address)
			}
			return nil
		},
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			MaxIdleConns:        maxConns,
			MaxIdleConnsPerHost: maxConns,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Post delivers one webhook body as Meta does: POST, JSON, signed with X-Hub-Signature-256
// over the exact bytes sent. It returns the HTTP status; the response body is drained so the
// connection is reused. A non-loopback target is refused before anything is sent.
func Post(ctx context.Context, client *http.Client, target, appSecret string, body []byte) (int, error) {
	if err := CheckLoopback(target); err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set(signatureHeader, sign(appSecret, body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// PostEnvelope marshals env and delivers it with Post.
func PostEnvelope(ctx context.Context, client *http.Client, target, appSecret string, env Envelope) (int, error) {
	body, err := Marshal(env)
	if err != nil {
		return 0, err
	}
	return Post(ctx, client, target, appSecret, body)
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
