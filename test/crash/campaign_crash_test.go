package crash_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/campaignrecipient"
	"switchboard/ent/message"
	"switchboard/ent/schema/schematype"
	"switchboard/internal/pulid"
	"switchboard/internal/store"
	"switchboard/internal/testdb"
	"switchboard/internal/testwait"
	"switchboard/internal/viewer"
	"switchboard/internal/whatsapp/sim/graphapi"
)

const campaignAudience = 400

// TestSIGKILLTwiceDuringACampaignSendsEachRecipientOnce kills the server
// twice while it broadcasts a campaign to the simulated Graph API and
// restarts it each time: every recipient must be accounted for (sent, or
// visibly failed), none sent twice, and the campaign must complete.
func TestSIGKILLTwiceDuringACampaignSendsEachRecipientOnce(t *testing.T) {
	if os.Getenv("CRASH_TEST") != "1" {
		t.Skip("set CRASH_TEST=1 to build the server and kill it mid-campaign")
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "campaign-crash.db")
		campaignCrashTest(t, "sqlite://"+path, func() (*store.DB, error) { return store.OpenSQLite(context.Background(), path) })
	})
	t.Run("postgres", func(t *testing.T) {
		if testdb.URL() == "" {
			t.Skip("TEST_DATABASE_URL not set")
		}
		t.Parallel()
		dsn, drop := testdb.NewSchema(t, testdb.URL())
		t.Cleanup(drop)
		campaignCrashTest(t, dsn, func() (*store.DB, error) { return store.OpenPostgres(context.Background(), dsn) })
	})
}

func campaignCrashTest(t *testing.T, databaseURL string, open func() (*store.DB, error)) {
	var handler http.Handler = http.NotFoundHandler()
	meta := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(meta.Close)
	srv := newServer(t, databaseURL, "META_API_BASE_URL="+meta.URL, "META_REQUEST_TIMEOUT=2s", "SEND_OUTCOME_TIMEOUT=10s")
	gs, err := graphapi.New(graphapi.Config{AppSecret: appSecret, Target: srv.url() + "/webhooks/whatsapp",
		AllWindowsOpen: true, TemplateReviewDelay: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(gs.Close)
	handler = gs
	srv.start()
	deadline := time.Now().Add(200 * time.Second)

	var auth struct {
		SignUp struct {
			Token  string
			Tenant struct{ ID string }
		}
	}
	srv.graphql("", `mutation($in: SignUpInput!) { signUp(input: $in) { token tenant { id } } }`,
		map[string]any{"in": map[string]any{"email": "broadcast@example.com", "password": "correct horse battery",
			"name": "Broadcast Owner", "businessName": "Broadcast Ltd", "acceptTerms": true, "confirmAdult": true}}, &auth)
	token := auth.SignUp.Token
	var ch struct{ ConnectWhatsApp struct{ ID string } }
	srv.graphql(token, `mutation($in: ConnectWhatsAppInput!) { connectWhatsApp(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Broadcast line", "wabaId": "102290129340398", "phoneNumberId": "1065403522431",
			"displayPhoneNumber": "+1 555 0100", "accessToken": "EAAG-broadcast", "metaUserId": "10158"}}, &ch)
	// 40 a second: ten seconds of sending, so both kills land mid-run.
	srv.graphql(token, `mutation($id: ID!) { updateChannel(id: $id, input: {sendRatePerSecond: 40}) { id } }`,
		map[string]any{"id": ch.ConnectWhatsApp.ID}, &struct{}{})

	var csv strings.Builder
	csv.WriteString("phone,name,tags,opt_in\n")
	for i := range campaignAudience {
		fmt.Fprintf(&csv, "+1415%07d,Customer %d,broadcast,yes\n", 3000000+i, i)
	}
	var imported struct{ ImportContacts struct{ Created int } }
	srv.graphql(token, `mutation($csv: String!) { importContacts(csv: $csv) { created } }`, map[string]any{"csv": csv.String()}, &imported)
	if imported.ImportContacts.Created != campaignAudience {
		t.Fatalf("imported %d contacts", imported.ImportContacts.Created)
	}

	var tpl struct{ CreateTemplate struct{ ID string } }
	srv.graphql(token, `mutation($in: CreateTemplateInput!) { createTemplate(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"channelId": ch.ConnectWhatsApp.ID, "name": "spring_news", "language": "en_US",
			"category": "MARKETING", "components": []any{map[string]any{"type": "BODY", "text": "Hello {{1}}, spring is here.",
				"example": map[string]any{"body_text": []any{[]any{"Ada"}}}}}}}, &tpl)
	testwait.For(t, 30*time.Second, "the template's approval", func() bool {
		var got struct{ Node struct{ Status string } }
		srv.graphql(token, `query($id: ID!) { node(id: $id) { ... on Template { status } } }`, map[string]any{"id": tpl.CreateTemplate.ID}, &got)
		return got.Node.Status == "APPROVED"
	})
	var cp struct{ CreateCampaign struct{ ID string } }
	srv.graphql(token, `mutation($in: CreateCampaignInput!) { createCampaign(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"name": "Spring", "channelId": ch.ConnectWhatsApp.ID, "templateId": tpl.CreateTemplate.ID,
			"audience": map[string]any{"tags": []string{"broadcast"}}, "parameters": []string{"{{contact.name}}"}}}, &cp)
	srv.graphql(token, `mutation($id: ID!) { startCampaign(id: $id) { id } }`, map[string]any{"id": cp.CreateCampaign.ID}, &struct{}{})

	// Two kills, at a third and at two thirds of the audience.
	var kills []int
	for _, at := range []int{campaignAudience / 3, 2 * campaignAudience / 3} {
		testwait.For(t, time.Until(deadline), fmt.Sprintf("%d sends", at), func() bool { return gs.Sends().Total >= at })
		srv.kill()
		kills = append(kills, gs.Sends().Total)
		srv.start()
	}

	db, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sys := viewer.System(context.Background())
	id := pulid.ID(cp.CreateCampaign.ID)
	var status string
	if !testwait.Until(time.Until(deadline), func() bool {
		status = string(db.Client.Campaign.GetX(sys, id).Status)
		return status == "COMPLETED"
	}) {
		t.Fatalf("campaign %s after the restarts", status)
	}
	checkRecipientsOnce(t, sys, db.Client, id, gs.Sends(), kills)
}

// checkRecipientsOnce: one recipient per contact, each with exactly one
// message, no message accepted twice by Meta, every message settled, and a
// message that counts as sent was taken by Meta.
func checkRecipientsOnce(t *testing.T, ctx context.Context, c *ent.Client, id pulid.ID, got graphapi.Sends, kills []int) {
	t.Helper()
	recips := c.CampaignRecipient.Query().Where(campaignrecipient.CampaignID(id)).WithMessage().AllX(ctx)
	if len(recips) != campaignAudience {
		t.Fatalf("%d recipients, want %d", len(recips), campaignAudience)
	}
	if n := c.Message.Query().Where(message.CampaignID(id)).CountX(ctx); n != campaignAudience {
		t.Errorf("%d campaign messages for %d recipients", n, campaignAudience)
	}
	states := map[string]int{}
	for _, r := range recips {
		m := r.Edges.Message
		if m == nil {
			t.Errorf("recipient %s (%s) has no message", r.ID, r.Status)
			continue
		}
		n := got.ByCallbackData[string(m.ID)]
		if n > 1 {
			t.Errorf("message %s reached Meta %d times", m.ID, n)
		}
		switch m.Status {
		case message.StatusSENT, message.StatusDELIVERED, message.StatusREAD:
			if n != 1 {
				t.Errorf("message %s is %s but Meta took it %d times", m.ID, m.Status, n)
			}
		case message.StatusFAILED:
			if m.Error == nil || m.Error.Code != schematype.CodeOutcomeUnknown {
				t.Errorf("message %s failed with %+v", m.ID, m.Error)
			}
		default:
			t.Errorf("message %s is %s", m.ID, m.Status)
		}
		states[string(m.Status)]++
	}
	t.Logf("killed after %v sends; Meta accepted %d; final states %v", kills, got.Total, states)
}
