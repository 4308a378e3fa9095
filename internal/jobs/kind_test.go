package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"switchboard/ent"
	"switchboard/ent/job"
	"switchboard/internal/jobs"
	"switchboard/internal/pulid"
	"switchboard/internal/testdb"
	"switchboard/internal/viewer"
)

type page struct {
	Channel pulid.ID  `json:"channel"`
	Since   time.Time `json:"since"`
}

func TestKindsRoundTripTheirPayloads(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	idKind := jobs.IDKind("test.id", "WH")
	jsonKind := jobs.JSONKind[page]("test.json")

	id := pulid.New("WH")
	j, err := idKind.Enqueue(ctx, db.Client, "", id)
	if err != nil {
		t.Fatal(err)
	}
	stored := db.Client.Job.GetX(ctx, j.ID)
	if string(stored.Payload) != string(id) {
		t.Fatalf("id payload stored as %q, want the id's bytes %q (what jobs queued before kinds hold)", stored.Payload, id)
	}
	if got, err := idKind.Payload(stored); err != nil || got != id {
		t.Fatalf("id payload decodes to %q, %v; want %q", got, err, id)
	}
	if _, err := idKind.Enqueue(ctx, db.Client, "", pulid.New("CT")); err == nil {
		t.Fatal("an id of another type was enqueued")
	}

	ids := []pulid.ID{pulid.New("WH"), pulid.New("WH")}
	if err := idKind.EnqueueBulk(ctx, db.Client, ids); err != nil {
		t.Fatal(err)
	}
	bulk := db.Client.Job.Query().Where(job.Kind("test.id"), job.IDNEQ(j.ID)).Order(ent.Asc(job.FieldID)).AllX(ctx)
	if len(bulk) != len(ids) {
		t.Fatalf("EnqueueBulk stored %d jobs, want %d", len(bulk), len(ids))
	}
	for i, b := range bulk {
		if got, err := idKind.Payload(b); err != nil || got != ids[i] {
			t.Fatalf("bulk job %d decodes to %q, %v; want %q", i, got, err, ids[i])
		}
	}

	want := page{Channel: pulid.New("CH"), Since: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	j, err = jsonKind.Enqueue(ctx, db.Client, "", want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := jsonKind.Payload(db.Client.Job.GetX(ctx, j.ID))
	if err != nil || got.Channel != want.Channel || !got.Since.Equal(want.Since) {
		t.Fatalf("JSON payload decodes to %+v, %v; want %+v", got, err, want)
	}
}

// A payload that does not decode cannot decode on a retry: the job dies at
// its first attempt, with an error that says so, and its neighbours run.
func TestMalformedPayloadFailsPermanently(t *testing.T) {
	db := testdb.Open(t)
	ctx := viewer.System(context.Background())
	kinds := map[string]func(*ent.Job) error{}
	idKind := jobs.IDKind("test.id", "WH")
	jsonKind := jobs.JSONKind[page]("test.json")
	kinds[idKind.Name] = func(j *ent.Job) error { _, err := idKind.Payload(j); return err }
	kinds[jsonKind.Name] = func(j *ent.Job) error { _, err := jsonKind.Payload(j); return err }
	r := jobs.NewRunner(db.Client, quiet, jobs.Options{BaseRetry: time.Millisecond, SkipLocked: pg})
	for name, decode := range kinds {
		r.Handle(name, func(ctx context.Context, tx *ent.Tx, j *ent.Job) error { return decode(j) })
	}
	cases := []struct {
		kind, payload string
		ok            bool
	}{
		{"test.id", string(pulid.New("WH")), true},
		{"test.id", "", false},
		{"test.id", "WH-not-an-id", false},
		{"test.id", string(pulid.New("CT")), false},
		{"test.json", `{"channel":"CH01","since":"2026-03-01T12:00:00Z"}`, true},
		{"test.json", `{"channel":`, false},
		{"test.json", `{"since":"yesterday"}`, false},
	}
	byID := map[pulid.ID]int{}
	for i, c := range cases {
		j, err := jobs.Enqueue(ctx, db.Client, c.kind, "", []byte(c.payload))
		if err != nil {
			t.Fatal(err)
		}
		byID[j.ID] = i
	}
	for range 10 {
		if n, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		} else if n == 0 {
			break
		}
	}
	for _, j := range db.Client.Job.Query().AllX(ctx) {
		c := cases[byID[j.ID]]
		t.Run(c.kind+" "+c.payload, func(t *testing.T) {
			if c.ok {
				if j.Status != job.StatusDONE {
					t.Fatalf("status %s (%s), want DONE", j.Status, j.LastError)
				}
				return
			}
			if j.Status != job.StatusFAILED || j.Attempts != 1 {
				t.Fatalf("status %s after %d attempts, want FAILED after 1: not retried", j.Status, j.Attempts)
			}
			if !strings.Contains(j.LastError, "payload does not decode") || !strings.Contains(j.LastError, c.kind) {
				t.Fatalf("last error %q does not say that the %s payload does not decode", j.LastError, c.kind)
			}
		})
	}
	_, err := idKind.Payload(&ent.Job{Payload: []byte("x")})
	if !errors.Is(err, jobs.ErrBadPayload) || !errors.Is(err, jobs.ErrPermanent) {
		t.Fatalf("decode error %v is not ErrBadPayload and ErrPermanent", err)
	}
}
