package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"switchboard/ent/notice"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

// The operator's notices, through the real command on the database a
// server serves: a global notice and a SECURITY notice for one tenant (its
// body from a file, shown 60 days) are published, listed, and read by the
// members through the notices query; bad arguments exit 2 and an unknown
// tenant exits 1, each publishing nothing; a withdrawn notice is no longer
// shown, and an unknown id among those withdrawn fails the command.
func TestNoticesCommand(t *testing.T) {
	db := commandDatabase(t)
	ctx := viewer.System(context.Background())
	server := testenv.NewIdleOn(t, db)
	a := server.SignUp(t, "Breached Owner")
	b := server.SignUp(t, "Bystander Owner")

	stdout, stderr, status := switchboard(t, "notices", "publish", "-kind", "MAINTENANCE",
		"-title", "Database upgrade", "-body", "Five minutes of downtime on Sunday.")
	if status != 0 {
		t.Fatalf("publish: exit %d\nstderr %s", status, stderr)
	}
	global := publishedIDs(t, stdout, "all")
	wantLines(t, stdout, `ID TENANT`)
	if !strings.Contains(stdout, `published MAINTENANCE notice "Database upgrade" to every tenant, shown until `) {
		t.Errorf("publish printed\n%s", stdout)
	}

	bodyFile := filepath.Join(t.TempDir(), "breach.txt")
	const body = "On 30 November an attacker read your contacts' phone numbers.\nWhat we did: …\n"
	if err := os.WriteFile(bodyFile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, status = switchboard(t, "notices", "publish", "-kind", "SECURITY", "-title", "Security incident",
		"-body-file", bodyFile, "-tenant", a.TenantID, "-days", "60")
	if status != 0 {
		t.Fatalf("publish -tenant: exit %d\nstderr %s", status, stderr)
	}
	security := publishedIDs(t, stdout, a.TenantID)
	if !strings.Contains(stdout, `published SECURITY notice "Security incident" to 1 tenant, shown until `) {
		t.Errorf("publish -tenant printed\n%s", stdout)
	}
	row := db.Client.Notice.GetX(ctx, security)
	if row.Body != strings.TrimRight(body, "\n") || *row.TenantID != pulid.ID(a.TenantID) ||
		!row.ExpiresAt.Equal(row.PublishedAt.AddDate(0, 0, 60)) || time.Since(row.PublishedAt) > time.Minute {
		t.Errorf("stored notice: %+v; want the file's body, tenant A, published now, shown 60 days", row)
	}

	// Mistakes publish nothing: in the arguments (exit 2, before the
	// database is opened), or a tenant that does not exist (exit 1).
	count := db.Client.Notice.Query().CountX(ctx)
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		want   string
	}{
		{"unknown kind", []string{"-kind", "OUTAGE", "-title", "t", "-body", "b"}, 2, `kind "OUTAGE" is not one of POLICY_CHANGE, SECURITY, MAINTENANCE`},
		{"no title", []string{"-kind", "SECURITY", "-body", "b"}, 2, "the title is empty"},
		{"long title", []string{"-kind", "SECURITY", "-title", strings.Repeat("é", 201), "-body", "b"}, 2, "the title has 201 characters, at most 200 allowed"},
		{"long body", []string{"-kind", "SECURITY", "-title", "t", "-body", strings.Repeat("x", 10001)}, 2, "the body has 10001 characters, at most 10000 allowed"},
		{"no body", []string{"-kind", "SECURITY", "-title", "t"}, 2, "the body is empty"},
		{"both bodies", []string{"-kind", "SECURITY", "-title", "t", "-body", "b", "-body-file", bodyFile}, 2, "give -body or -body-file, not both"},
		{"missing body file", []string{"-kind", "SECURITY", "-title", "t", "-body-file", bodyFile + ".gone"}, 2, "-body-file: open"},
		{"too many days", []string{"-kind", "SECURITY", "-title", "t", "-body", "b", "-days", "366"}, 2, "days must be between 1 and 365, got 366"},
		{"no days", []string{"-kind", "SECURITY", "-title", "t", "-body", "b", "-days", "0"}, 2, "days must be between 1 and 365, got 0"},
		{"unknown tenant", []string{"-kind", "SECURITY", "-title", "t", "-body", "b", "-tenant", a.TenantID, "-tenant", "TN_nope"}, 1, "no such tenant: TN_nope (nothing was published)"},
		{"tenant twice", []string{"-kind", "SECURITY", "-title", "t", "-body", "b", "-tenant", a.TenantID, "-tenant", a.TenantID}, 1, "named twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, status := switchboard(t, append([]string{"notices", "publish"}, tc.args...)...)
			if status != tc.status || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", status, stderr, tc.status, tc.want)
			}
			if n := db.Client.Notice.Query().CountX(ctx); n != count {
				t.Fatalf("%d notices stored after a refused publish, want %d", n, count)
			}
		})
	}

	// The members read them through the API: A both, B the global one.
	wantNotices(t, server, a.Token, "Security incident", "Database upgrade")
	wantNotices(t, server, b.Token, "Database upgrade")

	stdout, _, status = switchboard(t, "notices", "list")
	if status != 0 {
		t.Fatalf("list: exit %d", status)
	}
	wantLines(t, stdout, "ID KIND TENANT PUBLISHED EXPIRES STATE TITLE")
	for id, want := range map[pulid.ID]string{security: "SECURITY " + a.TenantID, global: "MAINTENANCE all"} {
		line := `(?m)^` + string(id) + ` +` + strings.ReplaceAll(want, " ", " +") + ` +\S+ +\S+ +live +`
		if !regexp.MustCompile(line).MatchString(stdout) {
			t.Errorf("list lacks %s as a live %s notice:\n%s", id, want, stdout)
		}
	}

	// Withdrawing ends the notice now; an id that is no notice fails the
	// command once the others are withdrawn.
	stdout, stderr, status = switchboard(t, "notices", "withdraw", string(security), "NO_nope")
	if status != 1 || !strings.Contains(stdout, "withdrew 1 notice as of ") ||
		!strings.Contains(stderr, "not notices, nothing done for them: NO_nope") {
		t.Fatalf("withdraw: exit %d\nstdout %s\nstderr %s", status, stdout, stderr)
	}
	wantNotices(t, server, a.Token, "Database upgrade")
	if _, stderr, status = switchboard(t, "notices", "withdraw"); status != 2 || !strings.Contains(stderr, "give the ids") {
		t.Errorf("withdraw without ids: exit %d, %s", status, stderr)
	}

	stdout, _, status = switchboard(t, "notices", "list", "-json")
	var listed []map[string]any
	if err := json.Unmarshal([]byte(stdout), &listed); status != 0 || err != nil {
		t.Fatalf("list -json: exit %d, %v\n%s", status, err, stdout)
	}
	live := map[string]bool{}
	for _, n := range listed {
		live[n["id"].(string)] = n["live"].(bool)
	}
	if len(listed) != 2 || live[string(security)] || !live[string(global)] {
		t.Errorf("list -json after the withdrawal: %v; want the security notice ended and the global one live", listed)
	}
	if n := db.Client.Notice.GetX(ctx, security); n.Kind != notice.KindSECURITY || time.Since(n.ExpiresAt) > time.Minute || n.ExpiresAt.After(time.Now()) {
		t.Errorf("withdrawn notice expires at %v, want the time of the withdrawal", n.ExpiresAt)
	}
}

// publishedIDs reads the id of the one notice publish printed for tenant
// ("all" for a global one).
func publishedIDs(t *testing.T, out, tenant string) pulid.ID {
	t.Helper()
	m := regexp.MustCompile(`(?m)^(NO\S+) +` + regexp.QuoteMeta(tenant) + `$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("publish printed no notice for %s:\n%s", tenant, out)
	}
	return pulid.ID(m[1])
}

// wantNotices fails unless the member of token reads these titles, in order.
func wantNotices(t *testing.T, env *testenv.Env, token string, titles ...string) {
	t.Helper()
	var out struct{ Notices []struct{ Title string } }
	env.MustQuery(t, token, `{ notices { title } }`, nil, &out)
	var got []string
	for _, n := range out.Notices {
		got = append(got, n.Title)
	}
	if fmt.Sprint(got) != fmt.Sprint(titles) {
		t.Errorf("notices = %q, want %q", got, titles)
	}
}
