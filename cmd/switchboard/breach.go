package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"switchboard/ent"
	"switchboard/internal/breach"
)

// breachUsage is the help of `switchboard breach-report`; the tables and
// what counts in each come from the report itself.
func breachUsage() string {
	var b strings.Builder
	b.WriteString(`usage: switchboard breach-report -from RFC3339 -to RFC3339 -tables t1,t2,… [-json]

For a breach of these tables in the window [from, to): which tenants are
affected and how many distinct contacts of each. It prints counts and
tenant names only, never a contact's phone, name or messages. Then notify
the affected tenants: switchboard notices publish -kind SECURITY -tenant …

AFFECTED is each tenant's distinct contacts over all the tables named; a
column per table counts that table's alone.

tables:
`)
	for _, t := range breach.Tables() {
		fmt.Fprintf(&b, "  %-20s %s\n", t[0], t[1])
	}
	b.WriteString("\nIt opens the database as serve does (DATABASE_URL, DATA_DIR).")
	return b.String()
}

// breachRequest is a checked breach-report command line.
type breachRequest struct {
	window breach.Window
	tables []string
	json   bool
}

// breachCmd is `switchboard breach-report`. Its arguments are checked
// before the database is opened: a mistake exits 2 and touches nothing.
func breachCmd(stdout io.Writer) func(*slog.Logger, []string) error {
	return func(log *slog.Logger, args []string) error {
		if len(args) > 0 && isHelp(args[0]) {
			_, err := fmt.Fprintln(stdout, breachUsage())
			return err
		}
		req, err := parseBreach(args)
		if err != nil {
			return err
		}
		_, db, err := load(log)
		if err != nil {
			return err
		}
		defer db.Close()
		return runBreach(context.Background(), db.Client, req, stdout)
	}
}

func parseBreach(args []string) (breachRequest, error) {
	fs := quietFlags("breach-report")
	from := fs.String("from", "", "start of the window (RFC 3339)")
	to := fs.String("to", "", "end of the window (RFC 3339), after -from")
	tables := fs.String("tables", "", "comma-separated tables")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		return breachRequest{}, flagError(fs, err)
	}
	if fs.NArg() > 0 {
		return breachRequest{}, flagError(fs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	req := breachRequest{json: *asJSON}
	var err error
	if req.window.From, err = rfc3339("-from", *from); err != nil {
		return req, flagError(fs, err)
	}
	if req.window.To, err = rfc3339("-to", *to); err != nil {
		return req, flagError(fs, err)
	}
	if !req.window.From.Before(req.window.To) {
		return req, flagError(fs, fmt.Errorf("-from %s must be before -to %s", *from, *to))
	}
	if req.tables, err = breach.ParseTables(*tables); err != nil {
		return req, flagError(fs, fmt.Errorf("-tables: %w", err))
	}
	return req, nil
}

func rfc3339(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, fmt.Errorf("%s is required (RFC 3339, e.g. 2026-11-30T09:00:00Z)", name)
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time (e.g. 2026-11-30T09:00:00Z)", name, v)
	}
	return t, nil
}

func runBreach(ctx context.Context, client *ent.Client, req breachRequest, out io.Writer) error {
	impacts, err := breach.Report(ctx, client, req.window, req.tables)
	if err != nil {
		return err
	}
	if req.json {
		return printBreachJSON(out, req, impacts)
	}
	return printBreach(out, req, impacts)
}

// breachJSON is the report as `breach-report -json` prints it.
type breachJSON struct {
	From          time.Time       `json:"from"`
	To            time.Time       `json:"to"`
	Tables        []string        `json:"tables"`
	Tenants       []breach.Impact `json:"tenants"`
	TotalContacts int             `json:"totalContacts"`
}

func printBreachJSON(out io.Writer, req breachRequest, impacts []breach.Impact) error {
	return printJSON(out, breachJSON{From: req.window.From.UTC(), To: req.window.To.UTC(), Tables: req.tables,
		Tenants: impacts, TotalContacts: total(impacts)})
}

func total(impacts []breach.Impact) int {
	n := 0
	for _, im := range impacts {
		n += im.Contacts
	}
	return n
}

func printBreach(out io.Writer, req breachRequest, impacts []breach.Impact) error {
	fmt.Fprintf(out, "breach of %s from %s to %s\n", strings.Join(req.tables, ", "), stamp(req.window.From), stamp(req.window.To))
	if len(impacts) == 0 {
		_, err := fmt.Fprintln(out, "no tenant has contacts in these tables in this window")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "TENANT\tNAME\tAFFECTED")
	for _, t := range req.tables {
		fmt.Fprintf(tw, "\t%s", strings.ToUpper(t))
	}
	fmt.Fprintln(tw)
	for _, im := range impacts {
		fmt.Fprintf(tw, "%s\t%s\t%d", im.TenantID, oneLine(im.TenantName, 40), im.Contacts)
		for _, t := range req.tables {
			fmt.Fprintf(tw, "\t%d", im.ByTable[t])
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(out, "%d tenant%s, %d contact%s affected\n", len(impacts), plural(len(impacts)), total(impacts), plural(total(impacts)))
	return err
}
