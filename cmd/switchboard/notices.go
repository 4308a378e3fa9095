package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"switchboard/ent"
	"switchboard/ent/notice"
	"switchboard/internal/notices"
	"switchboard/internal/pulid"
)

// noticesUsage is the help of `switchboard notices`.
const noticesUsage = `usage: switchboard notices <command>

Notices are what the operator tells tenants' members: policy changes,
maintenance and security notices (a breach notification). Members read the
live ones with the notices query.

  notices publish -kind KIND -title TITLE (-body TEXT | -body-file PATH)
                  [-tenant ID]... [-days N]
        publish a notice: KIND is POLICY_CHANGE, SECURITY or MAINTENANCE;
        the title at most 200 characters, the body at most 10,000. Without
        -tenant it is for every tenant, else one notice to each tenant named.
        Shown for N days (default 30, at most 365).
  notices list [-json]         every notice, newest first, live or ended
  notices withdraw <id>...     end these notices now

It opens the database as serve does (DATABASE_URL, DATA_DIR).`

// noticesCmd is `switchboard notices …`. Its arguments are checked before
// the database is opened, so a mistake (exit 2) touches nothing.
func noticesCmd(stdout io.Writer) func(*slog.Logger, []string) error {
	return func(log *slog.Logger, args []string) error {
		if len(args) == 0 || isHelp(args[0]) {
			_, err := fmt.Fprintln(stdout, noticesUsage)
			return err
		}
		op, err := parseNotices(args)
		if err != nil {
			return err
		}
		_, db, err := load(log)
		if err != nil {
			return err
		}
		defer db.Close()
		return op(context.Background(), db.Client, stdout, time.Now())
	}
}

// noticesOp is one parsed notices command, run against the database.
type noticesOp func(ctx context.Context, client *ent.Client, out io.Writer, now time.Time) error

// parseNotices reads a notices command line; mistakes are usage errors.
func parseNotices(args []string) (noticesOp, error) {
	switch args[0] {
	case "publish":
		return parsePublish(args[1:])
	case "list":
		return parseList(args[1:])
	case "withdraw":
		return parseWithdraw(args[1:])
	}
	return nil, usageError{fmt.Sprintf("unknown notices command %q (want publish, list or withdraw; switchboard notices help)", args[0])}
}

// tenantFlags collects every -tenant given.
type tenantFlags []pulid.ID

func (f *tenantFlags) String() string { return fmt.Sprint(*f) }
func (f *tenantFlags) Set(v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return errors.New("empty tenant id")
	}
	*f = append(*f, pulid.ID(v))
	return nil
}

// quietFlags is a flag set whose mistakes become usage errors naming the
// command, with nothing printed by the flag package itself.
func quietFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func flagError(fs *flag.FlagSet, err error) error {
	return usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
}

func parsePublish(args []string) (noticesOp, error) {
	fs := quietFlags("notices publish")
	kind := fs.String("kind", "", "POLICY_CHANGE, SECURITY or MAINTENANCE")
	title := fs.String("title", "", "the title")
	body := fs.String("body", "", "the body")
	bodyFile := fs.String("body-file", "", "a file holding the body")
	days := fs.Int("days", notices.DefaultDays, "days the notice is shown")
	var tenants tenantFlags
	fs.Var(&tenants, "tenant", "a tenant id (repeat for several)")
	if err := fs.Parse(args); err != nil {
		return nil, flagError(fs, err)
	}
	if fs.NArg() > 0 {
		return nil, flagError(fs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	text, err := bodyOf(*body, *bodyFile)
	if err != nil {
		return nil, flagError(fs, err)
	}
	d := notices.Draft{Kind: notice.Kind(*kind), Title: *title, Body: text, Tenants: tenants, Days: *days}
	if err := d.Validate(); err != nil {
		return nil, flagError(fs, err)
	}
	return func(ctx context.Context, client *ent.Client, out io.Writer, now time.Time) error {
		ns, err := notices.Publish(ctx, client, d, now)
		if err != nil {
			return err
		}
		return printPublished(out, ns)
	}, nil
}

// bodyOf is the body given inline or read from a file (exactly one).
func bodyOf(body, path string) (string, error) {
	switch {
	case body != "" && path != "":
		return "", errors.New("give -body or -body-file, not both")
	case path == "":
		return body, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("-body-file: %w", err)
	}
	defer f.Close()
	// Four bytes a character at most: anything longer is refused by the
	// length check without reading a huge file whole.
	b, err := io.ReadAll(io.LimitReader(f, 4*notices.MaxBody+1))
	if err != nil {
		return "", fmt.Errorf("-body-file: %w", err)
	}
	return strings.TrimRight(string(b), "\n"), nil
}

func printPublished(out io.Writer, ns []*ent.Notice) error {
	first := ns[0]
	to := "every tenant"
	if first.TenantID != nil {
		to = fmt.Sprintf("%d tenant%s", len(ns), plural(len(ns)))
	}
	fmt.Fprintf(out, "published %s notice %q to %s, shown until %s\n", first.Kind, first.Title, to, stamp(first.ExpiresAt))
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTENANT")
	for _, n := range ns {
		fmt.Fprintf(tw, "%s\t%s\n", n.ID, tenantOf(n))
	}
	return tw.Flush()
}

func tenantOf(n *ent.Notice) string {
	if n.TenantID == nil {
		return "all"
	}
	return string(*n.TenantID)
}

func parseList(args []string) (noticesOp, error) {
	fs := quietFlags("notices list")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		return nil, flagError(fs, err)
	}
	if fs.NArg() > 0 {
		return nil, flagError(fs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	return func(ctx context.Context, client *ent.Client, out io.Writer, now time.Time) error {
		ns, err := notices.All(ctx, client)
		if err != nil {
			return err
		}
		if *asJSON {
			return printNoticesJSON(out, ns, now)
		}
		return printNotices(out, ns, now)
	}, nil
}

// listedNotice is a notice as `notices list -json` prints it.
type listedNotice struct {
	ID          pulid.ID    `json:"id"`
	Kind        notice.Kind `json:"kind"`
	TenantID    *pulid.ID   `json:"tenantId"`
	Title       string      `json:"title"`
	Body        string      `json:"body"`
	PublishedAt time.Time   `json:"publishedAt"`
	ExpiresAt   time.Time   `json:"expiresAt"`
	Live        bool        `json:"live"`
}

func live(n *ent.Notice, now time.Time) bool {
	return !n.PublishedAt.After(now) && n.ExpiresAt.After(now)
}

func printNoticesJSON(out io.Writer, ns []*ent.Notice, now time.Time) error {
	list := make([]listedNotice, len(ns))
	for i, n := range ns {
		list[i] = listedNotice{ID: n.ID, Kind: n.Kind, TenantID: n.TenantID, Title: n.Title, Body: n.Body,
			PublishedAt: n.PublishedAt.UTC(), ExpiresAt: n.ExpiresAt.UTC(), Live: live(n, now)}
	}
	return printJSON(out, list)
}

// noticeTitleWidth clips the title column of the table; -json has it whole.
const noticeTitleWidth = 60

func printNotices(out io.Writer, ns []*ent.Notice, now time.Time) error {
	if len(ns) == 0 {
		_, err := fmt.Fprintln(out, "no notices")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tTENANT\tPUBLISHED\tEXPIRES\tSTATE\tTITLE")
	for _, n := range ns {
		state := "ended"
		if live(n, now) {
			state = "live"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.Kind, tenantOf(n), stamp(n.PublishedAt),
			stamp(n.ExpiresAt), state, oneLine(n.Title, noticeTitleWidth))
	}
	return tw.Flush()
}

func parseWithdraw(args []string) (noticesOp, error) {
	if len(args) == 0 {
		return nil, usageError{"notices withdraw: give the ids of the notices to withdraw (see switchboard notices list)"}
	}
	ids := make([]pulid.ID, len(args))
	for i, a := range args {
		if strings.HasPrefix(a, "-") {
			return nil, usageError{fmt.Sprintf("notices withdraw: takes notice ids only, got %q", a)}
		}
		ids[i] = pulid.ID(a)
	}
	return func(ctx context.Context, client *ent.Client, out io.Writer, now time.Time) error {
		unknown, err := notices.Withdraw(ctx, client, ids, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "withdrew %d notice%s as of %s\n", len(ids)-len(unknown), plural(len(ids)-len(unknown)), stamp(now))
		if len(unknown) > 0 {
			names := make([]string, len(unknown))
			for i, id := range unknown {
				names[i] = string(id)
			}
			return fmt.Errorf("not notices, nothing done for them: %s", strings.Join(names, " "))
		}
		return nil
	}, nil
}
