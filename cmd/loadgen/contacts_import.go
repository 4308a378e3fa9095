package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"
)

// contactsImport signs up a fresh tenant and times importContacts over
// HTTP: the first run creates every row, later runs of the same file
// update every row (the upsert path).
func contactsImport(args []string) error {
	fs := flag.NewFlagSet("contacts-import", flag.ExitOnError)
	rows := fs.Int("rows", 10_000, "rows in the generated CSV file")
	runs := fs.Int("runs", 3, "imports of the same file: the first creates, the rest update")
	target := fs.String("url", "", "base URL of a running Switchboard (default: start one in-process)")
	dbURL := fs.String("database-url", "", "postgres://… to run the in-process server on a scratch schema (default: temporary SQLite file)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole process (in-process server included) to this file")
	_ = fs.Parse(args)
	if *cpuProfile != "" {
		stop, err := profileCPU(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}

	ctx := context.Background()
	base, storage := strings.TrimRight(*target, "/"), "remote server"
	if base == "" {
		t, err := startServer(ctx, *dbURL, false)
		if err != nil {
			return err
		}
		defer t.Close()
		base, storage = t.URL, t.Storage
	}
	c := &client{url: base + "/graphql", http: &http.Client{Timeout: 5 * time.Minute}}
	if err := c.signUp(ctx); err != nil {
		return err
	}
	csv := generateCSV(*rows)
	fmt.Printf("contacts-import: %d rows (%d KiB CSV), %s, GOMAXPROCS=%d, %s\n",
		*rows, len(csv)/1024, storage, runtime.GOMAXPROCS(0), runtime.Version())
	for i := 1; i <= *runs; i++ {
		var out struct {
			ImportContacts struct{ Created, Updated, Failed int }
		}
		start := time.Now()
		err := c.do(ctx, `mutation($csv: String!) { importContacts(csv: $csv) { created updated failed } }`,
			map[string]any{"csv": csv}, &out)
		elapsed := time.Since(start)
		if err != nil {
			return fmt.Errorf("run %d: %w", i, err)
		}
		r := out.ImportContacts
		if r.Failed != 0 || r.Created+r.Updated != *rows {
			return fmt.Errorf("run %d: unexpected result %+v", i, r)
		}
		fmt.Printf("run %d: created %6d updated %6d in %8s  %8.0f rows/s\n",
			i, r.Created, r.Updated, elapsed.Round(time.Millisecond), float64(*rows)/elapsed.Seconds())
	}
	return nil
}

// profileCPU starts a CPU profile; the returned function ends it.
func profileCPU(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// generateCSV writes n distinct valid US numbers (+1 415 2xx xxxx) with a
// name, two tags and a rotating opt_in, like a typical CRM export.
func generateCSV(n int) string {
	var b strings.Builder
	b.Grow(n * 48)
	b.WriteString("phone,name,tags,opt_in\n")
	optIn := []string{"yes", "no", ""}
	for i := range n {
		fmt.Fprintf(&b, "+1415%07d,Customer %d,segment-%d;imported,%s\n", 2_000_000+i, i, i%20, optIn[i%3])
	}
	return b.String()
}

// client is a minimal GraphQL-over-HTTP client carrying a bearer token.
type client struct {
	url   string
	token string
	http  *http.Client
}

func (c *client) signUp(ctx context.Context) error {
	var out struct{ SignUp struct{ Token string } }
	email := fmt.Sprintf("loadgen-%d@example.com", time.Now().UnixNano())
	err := c.do(ctx, `mutation($in: SignUpInput!) { signUp(input: $in) { token } }`, map[string]any{"in": map[string]any{
		"email": email, "password": "loadgen password", "name": "Load Gen", "businessName": "Loadgen Ltd", "acceptTerms": true, "confirmAdult": true,
	}}, &out)
	if err != nil {
		return fmt.Errorf("sign up: %w", err)
	}
	c.token = out.SignUp.Token
	return nil
}

func (c *client) do(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var resp struct {
		Data   json.RawMessage
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		return fmt.Errorf("HTTP %d: %.200s", res.StatusCode, raw)
	}
	if len(resp.Errors) > 0 {
		return fmt.Errorf("%s (%v)", resp.Errors[0].Message, resp.Errors[0].Extensions["code"])
	}
	return json.Unmarshal(resp.Data, out)
}
