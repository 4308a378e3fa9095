//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// terminate is what stops a child: the server shuts down gracefully on it.
var terminate = syscall.SIGTERM

// ownProcessGroup puts a child in a process group of its own, so the terminal's Ctrl-C reaches
// the demo alone and the demo stops its children in order.
func ownProcessGroup(c *exec.Cmd) {
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
