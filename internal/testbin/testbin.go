// Package testbin builds the project's commands once per test binary, for
// tests that run them as real processes (the crash test, the demo test), as
// a deployment does: a whole process with its own signals and exit code.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// Builds builds packages into one temporary directory the first time it is
// called and returns that directory (each binary named after its package's
// last element); later calls return the same result.
type Builds struct {
	Packages []string

	once sync.Once
	dir  string
	err  error
}

// Dir builds the packages once and returns the directory holding them.
func (b *Builds) Dir() (string, error) {
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "switchboard-testbin-")
		if err != nil {
			b.err = err
			return
		}
		b.dir = dir
		for _, pkg := range b.Packages {
			out, err := exec.Command("go", "build", "-o", filepath.Join(dir, filepath.Base(pkg)), pkg).CombinedOutput()
			if err != nil {
				b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
				return
			}
		}
	})
	return b.dir, b.err
}

// Remove deletes the built binaries; call it from TestMain after m.Run.
func (b *Builds) Remove() {
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}
