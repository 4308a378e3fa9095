// Command loadgen measures Switchboard through its public API, the way a
// client would use it, and prints the figures docs/BENCHMARKS.md records.
// Benchmarks are programs, not timed tests (STYLE.md §12).
//
//	loadgen contacts-import [-rows 10000] [-runs 3] [-url URL | -database-url postgres://…]
//	loadgen ingest   [-c 64] [-d 10s] [-rate 2000] [-process] …   P1: webhook acknowledgements
//	loadgen e2e      [-subs 1000] [-tenants 1] [-rate 1000] [-d 10s] …  P2: webhook → subscription frame
//	loadgen capacity [-n 20000] …                                  P3: concurrent subscriptions, server RSS
//	loadgen resume   [-events 10000] …                             P6: catch-up from cursor 0
//	loadgen send     [-rate 80] [-replicas 1] [-lost 0.05] …       issue 8: send rate, QUEUED → SENT, no duplicates
//	loadgen campaign [-recipients 100000] [-rate 1000] …           issue 9 P5: campaign send rate, replies, no duplicates
//
// Without -url it starts Switchboard in-process on a loopback port over a
// scratch database: a temporary SQLite file by default, or a fresh schema on
// the PostgreSQL server of -database-url, dropped afterwards.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "contacts-import":
		err = contactsImport(os.Args[2:])
	case "ingest":
		err = ingest(os.Args[2:])
	case "e2e":
		err = e2e(os.Args[2:])
	case "capacity":
		err = capacity(os.Args[2:])
	case "resume":
		err = resume(os.Args[2:])
	case "send":
		err = sendBench(os.Args[2:])
	case "campaign":
		err = campaignBench(os.Args[2:])
	case "serve":
		err = serve(os.Args[2:])
	case "help", "-h", "--help":
		usage()
	default:
		err = fmt.Errorf("unknown benchmark %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: loadgen contacts-import|ingest|e2e|capacity|resume|send|campaign [flags]   (loadgen <name> -h lists flags)")
	os.Exit(2)
}
