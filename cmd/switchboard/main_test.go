package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/internal/config"
)

// Help in every spelling prints the commands and every environment
// variable with its default on stdout, exits 0 and starts nothing; an
// unknown command or argument exits 2 with the usage on stderr.
func TestUsage(t *testing.T) {
	cases := []struct {
		args     []string
		status   int
		toStderr bool
	}{
		{nil, 0, false},
		{[]string{"help"}, 0, false},
		{[]string{"-h"}, 0, false},
		{[]string{"--help"}, 0, false},
		{[]string{"serve", "--help"}, 0, false},
		{[]string{"serve", "-h"}, 0, false},
		{[]string{"migrate", "--help"}, 0, false},
		{[]string{"version", "--help"}, 0, false},
		{[]string{"rotate-key", "--help"}, 0, false},
		{[]string{"server"}, 2, true},
		{[]string{"--verbose"}, 2, true},
		{[]string{"serve", "now"}, 2, true},
		{[]string{"rotate-key", "now"}, 2, true},
		{[]string{"notices", "publish", "-kind"}, 2, true},
		{[]string{"notices", "recall"}, 2, true},
		{[]string{"breach-report", "-tables", "contacts"}, 2, true},
	}
	for _, tc := range cases {
		t.Run(strings.Join(append([]string{"switchboard"}, tc.args...), " "), func(t *testing.T) {
			// serve or migrate would create the data directory (key, database).
			data := filepath.Join(t.TempDir(), "data")
			t.Setenv("DATA_DIR", data)
			t.Setenv("LISTEN_ADDR", "127.0.0.1:1")
			var stdout, stderr strings.Builder
			status := run(tc.args, &stdout, &stderr)
			if status != tc.status {
				t.Fatalf("exit status %d, want %d; stderr %q", status, tc.status, stderr.String())
			}
			usage, other := stdout.String(), stderr.String()
			if tc.toStderr {
				usage, other = other, usage
				if !strings.HasPrefix(usage, "switchboard: ") {
					t.Errorf("stderr should start by naming the mistake: %q", usage)
				}
			}
			if other != "" {
				t.Errorf("the other stream should stay empty, got %q", other)
			}
			for _, want := range []string{"usage: switchboard", "serve", "migrate", "jobs", "rotate-key", "notices", "breach-report", "version"} {
				if !strings.Contains(usage, want) {
					t.Errorf("usage lacks %q:\n%s", want, usage)
				}
			}
			for _, v := range config.Vars {
				line := lineWith(usage, "  "+v.Name)
				if want := strings.TrimSuffix("  "+v.Name+"="+v.Default, "="); line != want {
					t.Errorf("usage should list %s with default %q, got line %q", v.Name, v.Default, line)
				}
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("help touched the data directory (a command ran): %v", err)
			}
		})
	}
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if l == sub || strings.HasPrefix(l, sub+"=") {
			return l
		}
	}
	return ""
}

// version prints the version the Makefile stamps, the commit and Go's
// release, on one line.
func TestVersion(t *testing.T) {
	var stdout, stderr strings.Builder
	if status := run([]string{"version"}, &stdout, &stderr); status != 0 {
		t.Fatalf("exit %d: %s", status, stderr.String())
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "switchboard "+version+" commit ") || strings.Count(out, "\n") != 1 || !strings.Contains(out, " go1.") {
		t.Fatalf("version line %q", out)
	}
}

// notices and breach-report explain themselves with help, -h or --help,
// on stdout, and open nothing.
func TestCommandHelp(t *testing.T) {
	for _, args := range [][]string{{"notices"}, {"notices", "help"}, {"notices", "-h"}, {"breach-report", "--help"}, {"breach-report", "help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			t.Setenv("DATA_DIR", data)
			var stdout, stderr strings.Builder
			if status := run(args, &stdout, &stderr); status != 0 || stderr.String() != "" {
				t.Fatalf("exit %d, stderr %q", status, stderr.String())
			}
			if want := "usage: switchboard " + args[0]; !strings.HasPrefix(stdout.String(), want) {
				t.Errorf("help starts %q, want %q", stdout.String(), want)
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("help touched the data directory: %v", err)
			}
		})
	}
}
