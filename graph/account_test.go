package graph_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"switchboard/ent/channel"
	"switchboard/ent/job"
	"switchboard/ent/tenant"
	"switchboard/internal/config"
	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
)

const deleteAccountMut = `mutation($c: String!) { deleteAccount(confirm: $c) { id kind status confirmationCode dueAt } }`

// A deleted account stops at once, can be cancelled by its owner during
// the grace period, and is erased when the period is over: nothing of it
// is left but its billing counts and the deletion's record; another
// tenant keeps everything.
func TestDeleteAccount(t *testing.T) {
	env := testenv.New(t, func(c *config.Config) { c.AccountDeletionGrace = time.Hour })
	owner := env.SignUp(t, "Doomed Owner")
	bystander := env.SignUp(t, "Bystander Owner")
	ch := connect(t, env, owner.Token, "9101")
	connect(t, env, bystander.Token, "9102")
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	deliver(t, env, textWebhook("9101", "14155550177", "Doomed Customer", "wamid.doomed", "doomed-account-marker", t0))
	deliver(t, env, textWebhook("9102", "14155550188", "Kept Customer", "wamid.kept", "bystander-keeps-this", t0))
	processed(t, env)
	_, secret := createKey(t, env, owner.Token, "integration")
	agentEmail := "agent@doomed.example.com"
	addMember(t, env, owner.Token, agentEmail, "AGENT")
	agent := logIn(t, env, agentEmail, "member password").LogIn.Token
	ctx := viewer.System(t.Context())
	env.DB.Client.UsageDaily.Create().SetTenantID(pulid.ID(owner.TenantID)).SetChannelID(pulid.ID(ch.ID)).
		SetDay(t0.Truncate(24 * time.Hour)).SetPricingType("regular").SetPricingCategory("service").SetCount(3).ExecX(ctx)
	const name = "Doomed Owner Ltd"

	// Refused: not the owner, or not the exact name. Nothing changes.
	if res := env.Query(t, agent, deleteAccountMut, map[string]any{"c": name}); res.Code() != "FORBIDDEN" {
		t.Fatalf("an agent deleting the account: %s", res.Code())
	}
	if res := env.Query(t, owner.Token, deleteAccountMut, map[string]any{"c": "doomed owner ltd"}); res.Code() != "BAD_USER_INPUT" || res.Field() != "confirm" {
		t.Fatalf("a wrong confirmation: %s %s", res.Code(), res.Field())
	}
	env.MustQuery(t, secret, `{ tenant { id } }`, nil, nil)

	del := func() prOut {
		var out struct{ DeleteAccount prOut }
		env.MustQuery(t, owner.Token, deleteAccountMut, map[string]any{"c": name}, &out)
		return out.DeleteAccount
	}
	pr := del()
	if pr.Kind != "ACCOUNT_DELETION" || pr.Status != "RECEIVED" || time.Until(pr.DueAt) < 59*time.Minute || time.Until(pr.DueAt) > time.Hour {
		t.Fatalf("deleteAccount: %+v", pr)
	}
	// At once: no token works, no one signs in, the channels are revoked
	// with their tokens erased.
	for what, token := range map[string]string{"the owner's session": owner.Token, "the API key": secret, "an agent's session": agent} {
		if res := env.Query(t, token, `{ tenant { id } }`, nil); res.Code() != "UNAUTHENTICATED" {
			t.Errorf("%s after the deletion: %s", what, res.Code())
		}
	}
	if res := env.Query(t, "", logInMutation, map[string]any{"in": map[string]any{"email": owner.Email, "password": "correct horse battery"}}); res.Code() != "UNAUTHENTICATED" {
		t.Fatalf("sign-in after the deletion: %s", res.Code())
	}
	if c := env.DB.Client.Channel.GetX(ctx, pulid.ID(ch.ID)); c.Status != channel.StatusREVOKED || c.AccessTokenCiphertext != nil {
		t.Fatalf("channel after the deletion: %s", c.Status)
	}

	// The data waits for the grace period.
	env.App.Jobs.Notify()
	if n := env.DB.Client.Message.Query().CountX(ctx); n != 2 {
		t.Fatalf("%d messages during the grace period", n)
	}

	// The owner cancels with the code (a wrong code or another member
	// cannot), and is signed in again.
	cancel := `mutation($in: CancelAccountDeletionInput!) { cancelAccountDeletion(input: $in) { token } }`
	for what, in := range map[string]map[string]any{
		"a wrong code":   {"email": owner.Email, "password": "correct horse battery", "confirmationCode": "abcdefghijklmnopqrstuvwx"},
		"an agent":       {"email": agentEmail, "password": "member password", "confirmationCode": pr.ConfirmationCode},
		"a bad password": {"email": owner.Email, "password": "wrong password here", "confirmationCode": pr.ConfirmationCode},
	} {
		if res := env.Query(t, "", cancel, map[string]any{"in": in}); len(res.Errors) == 0 {
			t.Fatalf("cancel with %s succeeded", what)
		}
	}
	var resumed struct{ CancelAccountDeletion struct{ Token string } }
	env.MustQuery(t, "", cancel, map[string]any{"in": map[string]any{"email": owner.Email, "password": "correct horse battery",
		"confirmationCode": pr.ConfirmationCode}}, &resumed)
	owner.Token = resumed.CancelAccountDeletion.Token
	env.MustQuery(t, owner.Token, `{ me { id } }`, nil, nil)
	if tn := env.DB.Client.Tenant.GetX(ctx, pulid.ID(owner.TenantID)); tn.Status != tenant.StatusACTIVE {
		t.Fatalf("tenant after the cancel: %s", tn.Status)
	}
	// The cancelled deletion's job, run when its time comes, erases nothing.
	runEraseJobs(t, env)
	if n := env.DB.Client.Message.Query().CountX(ctx); n != 2 {
		t.Fatalf("%d messages after a cancelled deletion ran", n)
	}

	// Deleted again, and this time the grace period passes.
	pr = del()
	runEraseJobs(t, env)
	testwait.For(t, 20*time.Second, "the account to be erased", func() bool {
		env.App.Jobs.Notify()
		return env.DB.Client.Tenant.GetX(ctx, pulid.ID(owner.TenantID)).ErasedAt != nil
	})
	if status, body := getStatus(t, env, pr.ConfirmationCode, ""); status != 200 || !strings.Contains(body, `"status":"COMPLETED"`) {
		t.Fatalf("the deletion's status: %d %s", status, body)
	}
	left := tenantRows(t, env, owner.TenantID)
	// Kept: the billing counts, both deletions' records (with their codes,
	// no personal data), and the erase jobs' own rows (the tenant's id).
	want := map[string]int{"usage_dailies": 1, "privacy_requests": 2,
		"jobs": env.DB.Client.Job.Query().Where(job.Kind("account.erase")).CountX(ctx)}
	for table, n := range left {
		if n != want[table] {
			t.Errorf("%s: %d rows of the erased tenant left, want %d", table, n, want[table])
		}
	}
	markers := []string{"doomed-account-marker", "Doomed Customer", "14155550177", owner.Email, agentEmail}
	testwait.For(t, 10*time.Second, "the erased account to leave the database files (the WAL is checkpointed after the commit)", func() bool {
		dump := databaseDump(t, env)
		for _, marker := range markers {
			if bytes.Contains(dump, []byte(marker)) {
				return false
			}
		}
		return bytes.Contains(dump, []byte("bystander-keeps-this"))
	})
	var box inbox
	env.MustQuery(t, bystander.Token, inboxQuery, nil, &box)
	if box.Conversations.TotalCount != 1 || box.Conversations.Edges[0].Node.LastMessage.Text != "bystander-keeps-this" {
		t.Fatalf("the bystander's inbox: %+v", box)
	}
}

// runEraseJobs makes the account.erase jobs due now, as if the grace
// period had passed, and lets the runner take them.
func runEraseJobs(t *testing.T, env *testenv.Env) {
	t.Helper()
	ctx := viewer.System(t.Context())
	env.DB.Client.Job.Update().Where(job.Kind("account.erase"), job.StatusEQ(job.StatusPENDING)).
		SetRunAt(time.Now().Add(-time.Second)).ExecX(ctx)
	testwait.For(t, 20*time.Second, "the erase jobs to run", func() bool {
		env.App.Jobs.Notify()
		return env.DB.Client.Job.Query().Where(job.Kind("account.erase"), job.StatusNEQ(job.StatusDONE)).CountX(ctx) == 0
	})
}

// tenantRows counts, for every table with a tenant_id column, the rows of
// the tenant (tables without any are left out).
func tenantRows(t *testing.T, env *testenv.Env, tenantID string) map[string]int {
	t.Helper()
	ctx := t.Context()
	q := `SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p ON p.name = 'tenant_id' WHERE m.type = 'table'`
	if env.DB.Dialect == "postgres" {
		q = `SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'tenant_id'`
	}
	out := map[string]int{}
	for _, table := range queryStrings(t, env, q) {
		var n int
		arg := "?"
		if env.DB.Dialect == "postgres" {
			arg = "$1"
		}
		if err := env.DB.SQL.QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`" WHERE tenant_id = `+arg, tenantID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			out[table] = n
		}
	}
	return out
}
