package inbound_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"switchboard/ent/job"
	"switchboard/ent/webhookevent"
	"switchboard/internal/inbound"
	"switchboard/internal/jobs"
	"switchboard/internal/viewer"
	"switchboard/internal/webhook"
)

// The replay job's payload comes back as EnqueueReplay wrote it, and the
// bytes are the JSON that jobs queued before kinds existed hold.
func TestReplayPayloadRoundTrips(t *testing.T) {
	t0 := time.Now().Truncate(time.Second)
	c := setup(t, t0, nil)
	ctx := viewer.System(context.Background())
	chn := c.Channel.Query().OnlyX(ctx)
	if err := inbound.EnqueueReplay(ctx, c, chn, t0); err != nil {
		t.Fatal(err)
	}
	j := c.Job.Query().Where(job.Kind(inbound.ReplayJobKind)).OnlyX(ctx)
	got, err := inbound.ReplayJob.Payload(j)
	if err != nil {
		t.Fatal(err)
	}
	if got.Channel != chn.ID || got.Phone != chn.PhoneNumberID || !got.Since.Equal(t0.Add(-inbound.ReplayHorizon)) ||
		!got.Until.After(t0) || got.AfterID != "" || j.TenantID == nil || *j.TenantID != chn.TenantID {
		t.Fatalf("replay job of %s decodes to %+v (tenant %v)", chn.ID, got, j.TenantID)
	}
	for _, key := range []string{`"channel":`, `"phoneNumberId":`, `"since":`, `"until":`} {
		if !strings.Contains(string(j.Payload), key) {
			t.Fatalf("replay payload %s lacks %s", j.Payload, key)
		}
	}
}

// A webhook or replay job whose payload does not decode dies at its first
// attempt, saying so, and the webhooks batched with it are processed.
func TestMalformedPayloadDiesWithoutRetries(t *testing.T) {
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	c := setup(t, t0, deliveries(t, t0)[:3])
	ctx := viewer.System(context.Background())
	bad := map[string]string{
		webhook.JobKind:       "not a webhook event id",
		inbound.ReplayJobKind: `{"channel":`,
	}
	for kind, payload := range bad {
		if _, err := jobs.Enqueue(ctx, c, kind, "", []byte(payload)); err != nil {
			t.Fatal(err)
		}
	}
	r := jobs.NewRunner(c, quiet, jobs.Options{SkipLocked: pg, BaseRetry: time.Millisecond})
	p := &inbound.Processor{LockRows: pg}
	r.HandleBatch(webhook.JobKind, 100, p.HandleBatch)
	r.Handle(inbound.ReplayJobKind, p.Replay)
	for range 20 {
		if n, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		} else if n == 0 {
			break
		}
	}
	for _, j := range c.Job.Query().AllX(ctx) {
		payload, isBad := bad[j.Kind]
		if !isBad || string(j.Payload) != payload {
			if j.Status != job.StatusDONE {
				t.Errorf("%s job %s: %s (%s), want DONE", j.Kind, j.ID, j.Status, j.LastError)
			}
			continue
		}
		if j.Status != job.StatusFAILED || j.Attempts != 1 {
			t.Errorf("%s job with payload %q: %s after %d attempts, want FAILED after 1", j.Kind, payload, j.Status, j.Attempts)
		}
		if !strings.Contains(j.LastError, "payload does not decode") {
			t.Errorf("%s job's last error %q does not say that its payload does not decode", j.Kind, j.LastError)
		}
	}
	if n := c.WebhookEvent.Query().Where(webhookevent.StatusEQ(webhookevent.StatusPENDING)).CountX(ctx); n != 0 {
		t.Errorf("%d webhooks left pending beside the bad jobs", n)
	}
}
