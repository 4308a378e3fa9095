package graph_test

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"switchboard/internal/pulid"
	"switchboard/internal/testenv"
	"switchboard/internal/viewer"
)

// ctExportRows parses an export into its data rows by phone.
func ctExportRows(t *testing.T, data string) map[string][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, data)
	}
	rows := map[string][]string{}
	for _, r := range recs[1:] {
		rows[r[0]] = r
	}
	return rows
}

// formulaCells lists the cells (and ;-parts of cells, as a spreadsheet
// splitting on ; sees them) of an export that a spreadsheet would run.
func formulaCells(t *testing.T, data string) []string {
	t.Helper()
	var bad []string
	for _, r := range ctExportRows(t, data) {
		for _, cell := range r[1:] {
			for _, p := range strings.Split(cell, ";") {
				if p != "" && strings.ContainsRune("=+-@\t\r", rune(p[0])) {
					bad = append(bad, p)
				}
			}
		}
	}
	return bad
}

// An export never hands a spreadsheet a formula in a name or tag: such
// values are prefixed with ' (the phone column, always E.164, is not),
// and importing the export gives back the very same contacts.
func TestCSVInjectionExport(t *testing.T) {
	env := testenv.New(t)
	src := env.SignUp(t, "Injection Source")
	cases := []struct {
		phone, name string
		tags        []string
		wantName    string // the name cell of the export
		wantTags    string // the tags cell
	}{
		{"+16505550101", `=HYPERLINK("http://x")`, []string{"=HYPERLINK(\"http://x\")"}, `'=HYPERLINK("http://x")`, `'=HYPERLINK("http://x")`},
		{"+16505550102", "+cmd", []string{"vip", "+cmd"}, "'+cmd", "vip;'+cmd"},
		{"+16505550103", "-1+2", []string{"-1+2", "lead"}, "'-1+2", "'-1+2;lead"},
		{"+16505550104", "@SUM(A1)", []string{"a", "@SUM(A1)", "b"}, "'@SUM(A1)", "a;'@SUM(A1);b"},
		{"+16505550105", "'=x", []string{"'=x", "'plain"}, "''=x", "''=x;'plain"},
		{"+16505550106", "Ada;=x", []string{"=x"}, "Ada;'=x", "'=x"},
		{"+16505550107", "O'Brien - Smith", []string{"a-b", "x=y"}, "O'Brien - Smith", "a-b;x=y"},
	}
	for _, c := range cases {
		ctCreate(t, env, src.Token, map[string]any{"phone": c.phone, "name": c.name, "tags": c.tags, "optInStatus": "OPTED_IN"})
	}
	exported := ctExport(t, env, src.Token)

	t.Run("escaped", func(t *testing.T) {
		rows := ctExportRows(t, exported)
		for _, c := range cases {
			r := rows[c.phone]
			if r == nil {
				t.Fatalf("no row for %s in\n%s", c.phone, exported)
			}
			if r[0] != c.phone || r[1] != c.wantName || r[2] != c.wantTags {
				t.Errorf("%q %q exported as %q; want %q", c.name, c.tags, r, []string{c.phone, c.wantName, c.wantTags, "yes"})
			}
		}
		if bad := formulaCells(t, exported); len(bad) > 0 {
			t.Errorf("export holds formulas %q", bad)
		}
	})

	// Tab and CR cannot get into a name or tag through the API; written
	// straight to the database, as older data or another path might, they
	// are escaped all the same.
	t.Run("tab and CR from the database", func(t *testing.T) {
		other := env.SignUp(t, "Injection Legacy")
		env.DB.Client.Contact.Create().SetTenantID(pulid.ID(other.TenantID)).SetPhone("+16505550199").
			SetName("\tx").SetTags([]string{"\rx", "ok"}).SaveX(viewer.System(t.Context()))
		r := ctExportRows(t, ctExport(t, env, other.Token))["+16505550199"]
		if r == nil || r[1] != "'\tx" || r[2] != "'\rx;ok" {
			t.Errorf("exported as %q, want name %q and tags %q", r, "'\tx", "'\rx;ok")
		}
	})

	t.Run("import of the export round-trips", func(t *testing.T) {
		if bad := formulaCells(t, exported); len(bad) > 0 {
			t.Fatalf("the export to import is not escaped: %q", bad)
		}
		dst := env.SignUp(t, "Injection Target")
		if res := ctImportCSV(t, env, dst.Token, exported); res.Created != len(cases) || res.Failed != 0 {
			t.Fatalf("import %+v", res)
		}
		got := map[string]ctContact{}
		for _, e := range ctList(t, env, dst.Token, map[string]any{"first": 100}).Edges {
			got[e.Node.Phone] = e.Node
		}
		for _, c := range cases {
			g := got[c.phone]
			if g.Name != c.name || !slices.Equal(g.Tags, c.tags) || g.OptInStatus != "OPTED_IN" {
				t.Errorf("%s: imported as name %q tags %q, want %q %q", c.phone, g.Name, g.Tags, c.name, c.tags)
			}
		}
		if again := ctExport(t, env, dst.Token); again != exported {
			t.Errorf("export(import(export)) differs:\n%s\nwant\n%s", again, exported)
		}
		if res := ctImportCSV(t, env, src.Token, exported); res.Updated != len(cases) || res.Failed != 0 {
			t.Fatalf("re-import into the source %+v", res)
		}
		if again := ctExport(t, env, src.Token); again != exported {
			t.Errorf("re-importing its own export changed the source tenant:\n%s", again)
		}
	})
}

// Import removes exactly the prefix export adds, from hand-made files too:
// one ' before a formula character (after any further '), per name and
// per tag; any other ' is content.
func TestCSVInjectionImportUnescapes(t *testing.T) {
	env := testenv.New(t)
	acct := env.SignUp(t, "Injection Import")
	cases := []struct {
		cells    string // name,tags
		wantName string
		wantTags []string
	}{
		{`'=1+1,'=x`, "=1+1", []string{"=x"}},
		{`''=x,vip;'@y`, "'=x", []string{"vip", "@y"}},
		{`'hello,'vip`, "'hello", []string{"'vip"}},
		{`'-,a; '+b ;c`, "-", []string{"a", "+b", "c"}},
		{`Ada;'=x,`, "Ada;=x", []string{}},
		{`'''@x,''''-y`, "''@x", []string{"'''-y"}},
	}
	var b strings.Builder
	b.WriteString("phone,name,tags,opt_in\n")
	for i, c := range cases {
		b.WriteString("+1650555" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "00," + c.cells + ",\n")
	}
	if res := ctImportCSV(t, env, acct.Token, b.String()); res.Created != len(cases) || res.Failed != 0 {
		t.Fatalf("import %+v", res)
	}
	got := map[string]ctContact{}
	for _, e := range ctList(t, env, acct.Token, map[string]any{"first": 100}).Edges {
		got[e.Node.Phone] = e.Node
	}
	for i, c := range cases {
		t.Run(c.cells, func(t *testing.T) {
			phone := "+1650555" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "00"
			if g := got[phone]; g.Name != c.wantName || !slices.Equal(g.Tags, c.wantTags) {
				t.Errorf("%q imported as name %q tags %q, want %q %q", c.cells, g.Name, g.Tags, c.wantName, c.wantTags)
			}
		})
	}
}
