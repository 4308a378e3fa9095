package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is the release this binary was built from; the Makefile sets it
// with -ldflags "-X main.version=$(git describe --always --dirty)". A plain
// go build leaves "dev", and the commit then comes from the build info.
var version = "dev"

// versionLine is what `switchboard version` prints: the version, the
// commit Go stamped into the binary (vcs.revision, and whether the tree had
// uncommitted changes, vcs.modified) and the Go release.
func versionLine() string {
	commit, modified := "unknown", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if modified {
		commit += " (modified)"
	}
	return fmt.Sprintf("switchboard %s commit %s %s", version, commit, runtime.Version())
}
