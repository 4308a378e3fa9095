package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"switchboard/ent/job"
	"switchboard/internal/pulid"
	"switchboard/internal/testdb"
	"switchboard/internal/viewer"
)

// `switchboard jobs` lists dead jobs as a table or JSON, counts jobs per
// kind and status, and requeues dead jobs by id or all at once; each step
// below runs the command on the database the previous steps left.
func TestJobsCommand(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	created := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	failed := created.Add(90 * time.Minute)
	tenant := pulid.ID("TN01JDEADTENANT0000000000")
	send := db.Client.Job.Create().SetKind("send").SetTenantID(tenant).SetPayload([]byte("secret body")).
		SetStatus(job.StatusFAILED).SetAttempts(10).SetLastError("meta: 131056 pair rate limit\nretry later").
		SetCreatedAt(created).SetFailedAt(failed).SaveX(ctx)
	hook := db.Client.Job.Create().SetKind("webhook.process").SetStatus(job.StatusFAILED).SetAttempts(3).
		SetMaxAttempts(3).SetLastError("bad payload").SetCreatedAt(created.Add(time.Hour)).SaveX(ctx)
	db.Client.Job.Create().SetKind("send").SaveX(ctx)
	db.Client.Job.Create().SetKind("send").SetStatus(job.StatusDONE).SaveX(ctx)

	steps := []struct {
		name    string
		args    []string
		wantErr string   // "" = success
		want    []string // lines (whitespace-normalized) the output must contain, in order
		check   func(t *testing.T, out string)
	}{
		{name: "dead table", args: []string{"dead"}, want: []string{
			"ID KIND TENANT ATTEMPTS CREATED FAILED LAST ERROR",
			string(hook.ID) + " webhook.process - 3/3 2026-11-30T10:00:00Z - bad payload",
			string(send.ID) + " send " + string(tenant) + " 10/10 2026-11-30T09:00:00Z 2026-11-30T10:30:00Z meta: 131056 pair rate limit retry later",
		}, check: func(t *testing.T, out string) {
			if strings.Contains(out, "secret body") {
				t.Error("the listing shows a job's payload")
			}
		}},
		{name: "dead limit", args: []string{"dead", "-limit", "1"}, check: func(t *testing.T, out string) {
			if n := strings.Count(out, "\n"); n != 2 || !strings.Contains(out, string(hook.ID)) {
				t.Errorf("want the header and the newest dead job, got\n%s", out)
			}
		}},
		{name: "dead json of a kind", args: []string{"dead", "-kind", "send", "-json"}, check: func(t *testing.T, out string) {
			var got []map[string]any
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			want := map[string]any{"id": string(send.ID), "kind": "send", "tenantId": string(tenant), "attempts": 10.0,
				"maxAttempts": 10.0, "lastError": "meta: 131056 pair rate limit\nretry later",
				"createdAt": "2026-11-30T09:00:00Z", "failedAt": "2026-11-30T10:30:00Z"}
			if len(got) != 1 {
				t.Fatalf("got %d jobs, want the one dead send job: %s", len(got), out)
			}
			for k, v := range want {
				if got[0][k] != v {
					t.Errorf("%s = %#v, want %#v", k, got[0][k], v)
				}
			}
		}},
		{name: "stats", args: []string{"stats"}, want: []string{
			"KIND PENDING RUNNING DONE FAILED",
			"send 1 0 1 1",
			"webhook.process 0 0 0 1",
		}},
		{name: "retry by id, one unknown", args: []string{"retry", string(send.ID), "JB_nope"},
			wantErr: "not dead jobs (unknown, or not FAILED), left alone: JB_nope",
			want:    []string{"requeued 1 dead job", string(send.ID)},
			check: func(t *testing.T, _ string) {
				j := db.Client.Job.GetX(ctx, send.ID)
				if j.Status != job.StatusPENDING || j.Attempts != 0 || j.FailedAt != nil || !j.RunAt.Before(time.Now().Add(time.Second)) {
					t.Errorf("retried job: %s, %d attempts, failed_at %v, run_at %v; want PENDING, due now, fresh budget", j.Status, j.Attempts, j.FailedAt, j.RunAt)
				}
			}},
		{name: "retry needs ids or -all", args: []string{"retry"}, wantErr: "give the ids of dead jobs, or -all"},
		{name: "retry ids and -all", args: []string{"retry", "-all", string(hook.ID)}, wantErr: "not both"},
		{name: "retry all of a kind", args: []string{"retry", "-all", "-kind", "webhook.process"},
			want: []string{"requeued 1 dead job", string(hook.ID)}},
		{name: "nothing dead left", args: []string{"dead"}, want: []string{"no dead jobs"}},
		{name: "stats after retries", args: []string{"stats", "-json"}, check: func(t *testing.T, out string) {
			var got []map[string]any
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			want := []map[string]any{
				{"kind": "send", "pending": 2.0, "running": 0.0, "done": 1.0, "failed": 0.0},
				{"kind": "webhook.process", "pending": 1.0, "running": 0.0, "done": 0.0, "failed": 0.0},
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("stats -json = %v\nwant %v", got, want)
			}
		}},
		{name: "unknown command", args: []string{"bury"}, wantErr: `unknown jobs command "bury"`},
		{name: "stray argument", args: []string{"dead", "send"}, wantErr: `unexpected argument "send"`},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var out, errw bytes.Buffer
			err := runJobs(ctx, db.Client, s.args, &out, &errw)
			switch {
			case s.wantErr == "" && err != nil:
				t.Fatalf("jobs %v: %v (stderr %s)", s.args, err, errw.String())
			case s.wantErr != "" && (err == nil || !strings.Contains(err.Error(), s.wantErr)):
				t.Fatalf("jobs %v: error %v, want one with %q", s.args, err, s.wantErr)
			}
			t.Logf("switchboard jobs %s\n%s", strings.Join(s.args, " "), out.String())
			var lines []string
			for _, l := range strings.Split(out.String(), "\n") {
				lines = append(lines, strings.Join(strings.Fields(l), " "))
			}
			i := 0
			for _, w := range s.want {
				for i < len(lines) && lines[i] != w {
					i++
				}
				if i == len(lines) {
					t.Fatalf("jobs %v: output lacks line %q (in order); got\n%s", s.args, w, out.String())
				}
			}
			if s.check != nil {
				s.check(t, out.String())
			}
		})
	}
}
