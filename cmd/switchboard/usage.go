package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"

	"switchboard/internal/config"
)

// command is one subcommand of switchboard. run gets the arguments after
// the command's name.
type command struct {
	name    string
	summary string
	run     func(log *slog.Logger, args []string) error
}

// errHelp asks for the usage on stdout and exit status 0.
var errHelp = errors.New("help requested")

// usageError asks for the message and the usage on stderr, exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// noArgs is the argument check of a command that takes none: -h/--help/help
// is a request for the usage, anything else a usage error.
func noArgs(name string, args []string) error {
	switch {
	case len(args) == 0:
		return nil
	case isHelp(args[0]):
		return errHelp
	default:
		return usageError{fmt.Sprintf("%s takes no arguments (got %q)", name, args[0])}
	}
}

// writeUsage prints the commands and every environment variable config.Load
// reads, with its default and meaning.
func writeUsage(w io.Writer, cmds []command) {
	fmt.Fprint(w, `Switchboard: a GraphQL backend for WhatsApp Business inboxes.

usage: switchboard <command> [arguments]

commands:
`)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
switchboard help, -h or --help prints this; switchboard jobs help, notices help
and breach-report help explain those commands.

environment (every command that opens the database reads the same variables; NAME=default):
`)
	_ = config.WriteUsage(w)
}
