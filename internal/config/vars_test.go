package config

import (
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

// The help is derived from Vars; every variable Load reads must be in it
// (and nothing Load ignores), so a new setting cannot go undocumented.
func TestUsageListsEveryVariableLoadReads(t *testing.T) {
	read := map[string]bool{}
	for _, env := range []map[string]string{
		{},
		{"DATABASE_URL": "postgres://u@h/db", "ENCRYPTION_KEY": goodKey},
	} {
		env["DATA_DIR"] = t.TempDir()
		_, err := Load(func(k string) string { read[k] = true; return env[k] }, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
	}
	var out strings.Builder
	if err := WriteUsage(&out); err != nil {
		t.Fatal(err)
	}
	usage := out.String()
	documented := map[string]bool{}
	for _, v := range Vars {
		if documented[v.Name] {
			t.Errorf("%s is listed twice", v.Name)
		}
		documented[v.Name] = true
		if v.Meaning == "" || strings.Contains(v.Meaning, "\n") {
			t.Errorf("%s needs a one-line meaning", v.Name)
		}
	}
	for name := range read {
		if !documented[name] {
			t.Errorf("Load reads %s but config.Vars (the --help) does not list it", name)
		}
		if !strings.Contains("\n"+usage, "\n  "+name+"=") && !strings.Contains("\n"+usage, "\n  "+name+"\n") {
			t.Errorf("usage does not show %s:\n%s", name, usage)
		}
	}
	for name := range documented {
		if !read[name] {
			t.Errorf("config.Vars lists %s but Load never reads it", name)
		}
	}
	if !strings.Contains(usage, DefaultMetaAPIBaseURL) || !strings.Contains(usage, ":8080") {
		t.Errorf("usage should show defaults:\n%s", usage)
	}
}

// The defaults the help shows are the ones Load applies: setting every
// variable to its documented default changes nothing.
func TestUsageDefaultsAreLoadsDefaults(t *testing.T) {
	dir := t.TempDir()
	unset := map[string]string{"DATA_DIR": dir, "ENCRYPTION_KEY": goodKey}
	explicit := map[string]string{"DATA_DIR": dir, "ENCRYPTION_KEY": goodKey}
	for _, v := range Vars {
		if v.Default != "" && v.Name != "DATA_DIR" {
			explicit[v.Name] = v.Default
		}
	}
	a, err := load(t, unset)
	if err != nil {
		t.Fatal(err)
	}
	b, err := load(t, explicit)
	if err != nil {
		t.Fatalf("documented defaults are refused: %v", err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("documented defaults differ from Load's:\n unset    %+v\n explicit %+v", a, b)
	}
}
