package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/whatsapp/sim"
)

// portsPerSource is how many sockets loadgen opens from one 127.0.0.x
// source address: below the default ephemeral range (32768–60999).
const portsPerSource = 20_000

// capacity measures P3: how many concurrent inboxEvents subscriptions one
// server holds, and its resident memory and goroutines with them open.
// The server runs in a child process (loadgen serve) so that its RSS is
// not mixed with the clients'; -url with -pid measures a running server.
func capacity(args []string) error {
	fs := flag.NewFlagSet("capacity", flag.ExitOnError)
	n := fs.Int("n", 20_000, "subscriptions to open")
	tenants := fs.Int("tenants", 10, "tenants the subscriptions are spread over")
	conc := fs.Int("c", 64, "concurrent dials")
	target := fs.String("url", "", "base URL of a running Switchboard on loopback (default: start `loadgen serve` as a child)")
	pid := fs.Int("pid", 0, "pid of the -url server, to read its VmRSS")
	dbURL := fs.String("database-url", "", "postgres://… for the child server (scratch schema; default: temporary SQLite file)")
	memProfile := fs.String("memprofile", "", "have the child server write a heap profile to this file while the subscriptions are open")
	_ = fs.Parse(args)
	*n = min(*n, 200_000)
	limit := raiseFileLimit(uint64(*n + 4096)) // the child inherits it
	if uint64(*n+100) > limit {
		fmt.Printf("note: RLIMIT_NOFILE is %d here (hard limit, not raisable without CAP_SYS_RESOURCE); each side needs one descriptor per subscription plus ~100\n", limit)
	}

	ctx := context.Background()
	base, storage := strings.TrimRight(*target, "/"), "remote server"
	var status *os.File
	if *pid > 0 {
		status, _ = os.Open(fmt.Sprintf("/proc/%d/status", *pid))
	}
	stats := func() string { return remoteStats(base, status) }
	heap := func() {}
	if base == "" {
		child, err := startChild(*dbURL)
		if err != nil {
			return err
		}
		defer child.Close()
		base, storage, stats = child.url, child.storage, child.stats
		if *memProfile != "" {
			heap = func() { child.heapProfile(*memProfile) }
		}
	} else if err := sim.CheckLoopback(base); err != nil {
		return err
	}
	ts := make([]*tenant, *tenants)
	for i := range ts {
		var err error
		if ts[i], err = newTenant(ctx, base, i+1); err != nil {
			return err
		}
	}
	fmt.Printf("capacity: %s, %d subscriptions over %d tenants, RLIMIT_NOFILE %d, GOMAXPROCS=%d, %s\n",
		storage, *n, *tenants, limit, runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Printf("before: %s\n", stats())

	conns := make([]*wsConn, *n)
	var opened, failed atomic.Int64
	var firstErr atomic.Value
	var got []atomic.Bool = make([]atomic.Bool, *n)
	sem := make(chan struct{}, *conc)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range *n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			src := net.IPv4(127, 0, 0, byte(1+i/portsPerSource))
			c, err := dialWS(ctx, base, ts[i%len(ts)].token, src)
			if err == nil {
				err = c.subscribe("1", liveQuery, nil)
			}
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err)
				return
			}
			opened.Add(1)
			conns[i] = c
			go func() {
				for {
					f, err := c.next()
					if err != nil {
						return
					}
					if f.Type == "next" {
						got[i].Store(true)
					}
				}
			}()
		}()
	}
	wg.Wait()
	fmt.Printf("opened %d, failed %d in %s", opened.Load(), failed.Load(), time.Since(start).Round(time.Millisecond))
	if err, _ := firstErr.Load().(error); err != nil {
		fmt.Printf(" (first error: %v)", err)
	}
	fmt.Println()
	time.Sleep(3 * time.Second)
	fmt.Printf("with %d open: %s\n", opened.Load(), stats())
	heap()

	// Are they live? One message per tenant must reach every subscriber.
	hc := sim.NewClient(30*time.Second, 16)
	for i, t := range ts {
		body, _ := textWebhook(t, uint64(i), "capacity check")
		if code, err := sim.Post(ctx, hc, base+"/webhooks/whatsapp", loadgenSecret, body); err != nil || code != 200 {
			return fmt.Errorf("capacity check webhook: %d %v", code, err)
		}
	}
	start = time.Now()
	live := 0
	for time.Since(start) < 2*time.Minute {
		live = 0
		for i := range got {
			if got[i].Load() {
				live++
			}
		}
		if live >= int(opened.Load()) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Printf("%d of %d subscribers received the check message within %s\n", live, opened.Load(), time.Since(start).Round(time.Millisecond))
	fmt.Printf("after delivery: %s\n", stats())
	for _, c := range conns {
		if c != nil {
			c.Close()
		}
	}
	return nil
}

// child is `loadgen serve` running in its own process.
type child struct {
	cmd          *exec.Cmd
	in           io.WriteCloser
	out          *bufio.Scanner
	url, storage string
}

func startChild(dbURL string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "serve", "-database-url", dbURL)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outp, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, in: in, out: bufio.NewScanner(outp)}
	if !c.out.Scan() {
		c.Close()
		return nil, fmt.Errorf("loadgen serve did not start")
	}
	var hello struct{ URL, Storage string }
	if err := json.Unmarshal(c.out.Bytes(), &hello); err != nil {
		c.Close()
		return nil, fmt.Errorf("loadgen serve: %q", c.out.Text())
	}
	c.url, c.storage = hello.URL, hello.Storage+", server in a child process (pid "+strconv.Itoa(cmd.Process.Pid)+")"
	return c, nil
}

func (c *child) stats() string {
	if _, err := io.WriteString(c.in, "stats\n"); err != nil || !c.out.Scan() {
		return "stats unavailable"
	}
	return c.out.Text()
}

// heapProfile has the child write its heap profile to path.
func (c *child) heapProfile(path string) {
	if _, err := io.WriteString(c.in, "heap "+path+"\n"); err != nil || !c.out.Scan() {
		fmt.Println("heap profile unavailable")
		return
	}
	fmt.Println(c.out.Text())
}

// Close ends the child by closing its stdin, and waits for it.
func (c *child) Close() {
	c.in.Close()
	_ = c.cmd.Wait()
}

// serve runs the in-process server for a parent loadgen: it prints
// {"URL":…,"Storage":…}, answers each "stats" line on stdin with its
// memory and goroutines and each "heap FILE" line by writing a heap
// profile, and exits (dropping its scratch schema) when stdin closes.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	dbURL := fs.String("database-url", "", "postgres://… (scratch schema; default: temporary SQLite file)")
	_ = fs.Parse(args)
	t, err := startServer(context.Background(), *dbURL, true)
	if err != nil {
		return err
	}
	defer t.Close()
	status, _ := os.Open("/proc/self/status")
	hello, _ := json.Marshal(map[string]string{"URL": t.URL, "Storage": t.Storage})
	fmt.Println(string(hello))
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "stats" {
			st := procStatus(status, "VmRSS", "VmHWM")
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Printf("server VmRSS %d MiB (peak %d MiB), Go heap in use %d MiB, stacks %d MiB, goroutines %d\n",
				st["VmRSS"]/1024, st["VmHWM"]/1024, ms.HeapInuse>>20, ms.StackInuse>>20, runtime.NumGoroutine())
		} else if path, ok := strings.CutPrefix(in.Text(), "heap "); ok {
			fmt.Println(writeHeapProfile(path))
		}
	}
	return nil
}

// remoteStats reads a -url server's RSS from /proc (with -pid) and its
// goroutines from /metrics.
func remoteStats(base string, status *os.File) string {
	out := "server"
	if status != nil {
		st := procStatus(status, "VmRSS", "VmHWM")
		out += fmt.Sprintf(" VmRSS %d MiB (peak %d MiB),", st["VmRSS"]/1024, st["VmHWM"]/1024)
	}
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return out + " metrics unavailable"
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			out += " goroutines " + v
		}
	}
	return out
}

// writeHeapProfile writes the live heap (after a GC) to path and says so.
func writeHeapProfile(path string) string {
	f, err := os.Create(path)
	if err != nil {
		return "heap profile: " + err.Error()
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		return "heap profile: " + err.Error()
	}
	return "heap profile written to " + path
}
