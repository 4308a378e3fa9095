package main

import (
	"context"
	"encoding/json"
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
	"switchboard/internal/jobs"
	"switchboard/internal/pulid"
)

// jobsUsage is the help of `switchboard jobs`.
const jobsUsage = `usage: switchboard jobs <command>

Dead jobs are background jobs that ran out of attempts (status FAILED).
They are kept with their last error until retried.

  jobs dead [-kind K] [-limit N] [-json]   list dead jobs, newest first
  jobs retry <id>...                       requeue these dead jobs with a fresh attempt budget
  jobs retry -all [-kind K]                requeue every dead job (of kind K)
  jobs stats [-json]                       count jobs per kind and status

It opens the database as serve does (DATABASE_URL, DATA_DIR).`

// jobsCmd is `switchboard jobs …`: the operator's view of the job queue,
// system-wide (jobs are not tenant data).
func jobsCmd(log *slog.Logger, args []string) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Println(jobsUsage)
		return nil
	}
	_, db, err := load(log)
	if err != nil {
		return err
	}
	defer db.Close()
	err = runJobs(context.Background(), db.Client, args, os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h: the flags' usage is printed
	}
	return err
}

func isHelp(s string) bool { return s == "help" || s == "-h" || s == "--help" || s == "-help" }

// runJobs runs one jobs subcommand against client, writing its answer to
// out and flag errors and warnings to errw.
func runJobs(ctx context.Context, client *ent.Client, args []string, out, errw io.Writer) error {
	if len(args) == 0 {
		return errors.New("jobs: no command given (switchboard jobs help lists them)")
	}
	fs := flag.NewFlagSet("jobs "+args[0], flag.ContinueOnError)
	fs.SetOutput(errw)
	kind := fs.String("kind", "", "only jobs of this kind")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	switch args[0] {
	case "dead":
		limit := fs.Int("limit", 100, "print at most this many (0 = all)")
		if err := parse(fs, args[1:], false); err != nil {
			return err
		}
		js, err := jobs.ListDead(ctx, client, jobs.DeadFilter{Kind: *kind, Limit: *limit})
		if err != nil {
			return err
		}
		if *asJSON {
			return printDeadJSON(out, js)
		}
		return printDead(out, js)
	case "retry":
		all := fs.Bool("all", false, "retry every dead job (of -kind)")
		if err := parse(fs, args[1:], true); err != nil {
			return err
		}
		return retryDead(ctx, client, out, errw, *all, *kind, fs.Args())
	case "stats":
		if err := parse(fs, args[1:], false); err != nil {
			return err
		}
		st, err := jobs.Stats(ctx, client)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(out, st)
		}
		return printStats(out, st)
	}
	return fmt.Errorf("unknown jobs command %q (want dead, retry or stats)", args[0])
}

// parse parses flags; ids may come before, after or between them.
func parse(fs *flag.FlagSet, args []string, positional bool) error {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) > 0 && !positional {
		return fmt.Errorf("jobs %s: unexpected argument %q", fs.Name()[len("jobs "):], rest[0])
	}
	return fs.Parse(append([]string{"--"}, rest...))
}

func retryDead(ctx context.Context, client *ent.Client, out, errw io.Writer, all bool, kind string, args []string) error {
	var (
		ids []pulid.ID
		err error
	)
	switch {
	case all && len(args) > 0:
		return errors.New("jobs retry: give job ids or -all, not both")
	case all:
		ids, err = jobs.RetryAll(ctx, client, kind)
	case len(args) == 0:
		return errors.New("jobs retry: give the ids of dead jobs, or -all (see switchboard jobs dead)")
	case kind != "":
		return errors.New("jobs retry: -kind goes with -all")
	default:
		want := make([]pulid.ID, len(args))
		for i, a := range args {
			want[i] = pulid.ID(a)
		}
		ids, err = jobs.Retry(ctx, client, want...)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "requeued %d dead job%s\n", len(ids), plural(len(ids)))
	for _, id := range ids {
		fmt.Fprintln(out, id)
	}
	if all {
		return nil
	}
	done := make(map[pulid.ID]bool, len(ids))
	for _, id := range ids {
		done[id] = true
	}
	var missed []string
	for _, a := range args {
		if !done[pulid.ID(a)] {
			missed = append(missed, a)
		}
	}
	if len(missed) > 0 {
		return fmt.Errorf("not dead jobs (unknown, or not FAILED), left alone: %s", strings.Join(missed, " "))
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// deadJob is a dead job as `jobs dead -json` prints it.
type deadJob struct {
	ID          pulid.ID   `json:"id"`
	Kind        string     `json:"kind"`
	TenantID    *pulid.ID  `json:"tenantId"`
	Attempts    int        `json:"attempts"`
	MaxAttempts int        `json:"maxAttempts"`
	LastError   string     `json:"lastError"`
	CreatedAt   time.Time  `json:"createdAt"`
	FailedAt    *time.Time `json:"failedAt"`
}

func printDeadJSON(out io.Writer, js []*ent.Job) error {
	list := make([]deadJob, len(js))
	for i, j := range js {
		list[i] = deadJob{ID: j.ID, Kind: j.Kind, TenantID: j.TenantID, Attempts: j.Attempts, MaxAttempts: j.MaxAttempts,
			LastError: j.LastError, CreatedAt: j.CreatedAt.UTC(), FailedAt: utc(j.FailedAt)}
	}
	return printJSON(out, list)
}

func printJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// lastErrorWidth clips the error column of the table; -json has it whole.
const lastErrorWidth = 100

func printDead(out io.Writer, js []*ent.Job) error {
	if len(js) == 0 {
		_, err := fmt.Fprintln(out, "no dead jobs")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tTENANT\tATTEMPTS\tCREATED\tFAILED\tLAST ERROR")
	for _, j := range js {
		tenant := "-"
		if j.TenantID != nil {
			tenant = string(*j.TenantID)
		}
		failed := "-" // failed before failure times were kept
		if j.FailedAt != nil {
			failed = stamp(*j.FailedAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\n", j.ID, j.Kind, tenant, j.Attempts, j.MaxAttempts,
			stamp(j.CreatedAt), failed, oneLine(j.LastError, lastErrorWidth))
	}
	return tw.Flush()
}

func printStats(out io.Writer, st []jobs.KindStats) error {
	if len(st) == 0 {
		_, err := fmt.Fprintln(out, "no jobs")
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tPENDING\tRUNNING\tDONE\tFAILED")
	for _, s := range st {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\n", s.Kind, s.Pending, s.Running, s.Done, s.Failed)
	}
	return tw.Flush()
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// oneLine flattens s to one line of at most n characters, for a table cell.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
