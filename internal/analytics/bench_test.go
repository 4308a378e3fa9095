package analytics_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"switchboard/internal/analytics"
	"switchboard/internal/pulid"
	"switchboard/internal/store"
	"switchboard/internal/testdb"
	"switchboard/internal/viewer"
)

// BenchmarkMessageStats times messageStats over a tenant with
// ANALYTICS_BENCH_MESSAGES messages (default 1,000,000) spread evenly over
// 30 days, beside another tenant with a quarter as many. On PostgreSQL set
// TEST_DATABASE_URL; docs/BENCHMARKS.md has the command and the figures.
func BenchmarkMessageStats(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("ANALYTICS_BENCH_MESSAGES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	db := testdb.Open(b)
	start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	sys := viewer.System(context.Background())
	seed := func(name string, count int) (pulid.ID, pulid.ID) {
		c := db.Client
		tn := c.Tenant.Create().SetName(name).SaveX(sys)
		ch := c.Channel.Create().SetTenantID(tn.ID).SetName("main").SetWabaID("waba-" + name).
			SetPhoneNumberID("pn-" + name).SetDisplayPhoneNumber("+1 555 0100").SaveX(sys)
		ct := c.Contact.Create().SetTenantID(tn.ID).SetPhone("+14155550123").SetWaID("14155550123").SaveX(sys)
		conv := c.Conversation.Create().SetTenantID(tn.ID).SetChannelID(ch.ID).SetContactID(ct.ID).SaveX(sys)
		began := time.Now()
		if err := insertMessages(db, name, tn.ID, ch.ID, conv.ID, start, count); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: %d messages seeded in %s", name, count, time.Since(began).Round(time.Millisecond))
		return tn.ID, ch.ID
	}
	tenant, ch := seed("big", n)
	seed("other", n/4)
	if db.Dialect == dialect.Postgres {
		if _, err := db.SQL.Exec(`ANALYZE messages`); err != nil {
			b.Fatal(err)
		}
		defer logPlan(b, db, tenant, start)
	}
	ctx := viewer.NewContext(context.Background(), viewer.Viewer{TenantID: tenant, Role: viewer.RoleAdmin})
	cases := []struct {
		name     string
		from, to time.Time
		channel  *pulid.ID
	}{
		{"30days", start, start.AddDate(0, 0, 30), nil},
		{"30days-channel", start, start.AddDate(0, 0, 30), &ch},
		{"1day", start.AddDate(0, 0, 10), start.AddDate(0, 0, 11), nil},
		{"365days", start.AddDate(0, 0, -335), start.AddDate(0, 0, 30), nil},
	}
	run := func(b *testing.B, prefix string) {
		for _, c := range cases {
			b.Run(prefix+c.name, func(b *testing.B) {
				for b.Loop() {
					st, err := analytics.MessageStats(ctx, db.Client, c.from, c.to, c.channel)
					if err != nil {
						b.Fatal(err)
					}
					if st.Inbound+st.Sent+st.Failed == 0 {
						b.Fatal("no messages counted")
					}
				}
			})
		}
	}
	// From the rows, then from the rollup (rollup.go) once it has run.
	run(b, "rows-")
	began := time.Now()
	if err := (&analytics.Rollup{Client: db.Client, Owner: "bench"}).Step(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Logf("first rollup run (every day of both tenants): %s", time.Since(began).Round(time.Millisecond))
	began = time.Now()
	if err := (&analytics.Rollup{Client: db.Client, Owner: "bench"}).Step(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Logf("a rollup run with nothing changed: %s", time.Since(began).Round(time.Millisecond))
	run(b, "rollup-")
}

// insertMessages stores count messages in one statement per dialect: 40 %
// inbound, the rest SENT, DELIVERED ×2, READ ×2, FAILED, evenly over 30
// days from start, last written long ago (updated_at on their day or at
// start), as a month-old history is.
func insertMessages(db *store.DB, name string, tenant, ch, conv pulid.ID, start time.Time, count int) error {
	step := float64(30*24*3600) / float64(count)
	const cols = `id, created_at, updated_at, tenant_id, channel_id, conversation_id, direction, type, status, "timestamp"`
	const dir = `CASE WHEN i % 10 < 4 THEN 'INBOUND' ELSE 'OUTBOUND' END`
	const status = `CASE i % 10 WHEN 4 THEN 'SENT' WHEN 5 THEN 'DELIVERED' WHEN 6 THEN 'DELIVERED'
		WHEN 7 THEN 'READ' WHEN 8 THEN 'READ' WHEN 9 THEN 'FAILED' ELSE 'RECEIVED' END`
	if db.Dialect == dialect.Postgres {
		_, err := db.SQL.Exec(`INSERT INTO messages (`+cols+`)
			SELECT 'MS'||$1||lpad(i::text, 10, '0'), now(), $5::timestamptz + make_interval(secs => i * $6::float8), $2, $3, $4, `+dir+`, 'TEXT', `+status+`,
			       $5::timestamptz + make_interval(secs => i * $6::float8)
			FROM generate_series(0, $7::int - 1) AS i`,
			name, tenant, ch, conv, start, step, count)
		return err
	}
	_, err := db.SQL.Exec(`INSERT INTO messages (`+cols+`)
		WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < ? - 1)
		SELECT 'MS'||?||printf('%010d', i), ?, ?, ?, ?, ?, `+dir+`, 'TEXT', `+status+`,
		       strftime('%Y-%m-%d %H:%M:%S', ?, '+' || CAST(i * ? AS INTEGER) || ' seconds') || '+00:00'
		FROM s`,
		count, name, start, start, tenant, ch, conv, start.Format("2006-01-02 15:04:05"), step)
	return err
}

// logPlan logs PostgreSQL's plan of the 30-day query (the statement
// MessageStats builds, written out).
func logPlan(b *testing.B, db *store.DB, tenant pulid.ID, start time.Time) {
	rows, err := db.SQL.Query(`EXPLAIN (ANALYZE, BUFFERS)
		SELECT to_char((("timestamp" AT TIME ZONE 'UTC')::date), 'YYYY-MM-DD'), direction, status, count(*)
		FROM messages WHERE tenant_id = $1 AND "timestamp" >= $2 AND "timestamp" < $3
		GROUP BY (("timestamp" AT TIME ZONE 'UTC')::date), direction, status`, tenant, start, start.AddDate(0, 0, 30))
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	plan := ""
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		plan += "\n" + line
	}
	b.Logf("plan of the 30-day query:%s", plan)
}
