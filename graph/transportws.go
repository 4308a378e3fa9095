package graph

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// transportWS serves graphql-transport-ws sockets
// (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md) with
// one goroutine per idle socket, however many subscriptions it carries,
// where gqlgen's transport keeps two per socket (reader, close watcher)
// and one per subscription (executor).
//
// It is hand-written because gqlgen's transport offers no hook for either
// of the two things that make subscriptions cheap here:
//
//   - A subscription whose resolver supports it (see pull) has no
//     goroutine: when its channel has values, the socket's writer pulls
//     them through gqlgen's executor. Other operations (queries, mutations
//     and campaignProgress) run on a goroutine each, as in gqlgen.
//   - The writer, started only while there is something to write, writes
//     every frame that is ready, of every subscription of the socket, and
//     then flushes them with one write(2) (corkConn); gqlgen flushes each
//     frame on its own.
//
// Framing, the read limit, ping/pong control frames and the close
// handshake are coder/websocket's. Legacy graphql-ws sockets are still
// served by gqlgen's transport.
type transportWS struct {
	accept      acceptor
	init        transport.WebsocketInitFunc // nil: every socket is accepted
	readLimit   int64
	initTimeout time.Duration
	drain       context.Context // nil: never drains
}

// Close codes of graphql-transport-ws besides CloseForbidden and
// CloseTooManyConnections (websocket.go).
const (
	closeBadRequest     = 4400
	closeUnauthorized   = 4401
	closeInitTimeout    = 4408
	closeSubscriberUsed = 4409
	closeTooManyInits   = 4429
)

// offersTransportWS tells whether the upgrade request would negotiate
// graphql-transport-ws: the client offers it and not graphql-ws, which
// gqlgen's transport would prefer.
func offersTransportWS(r *http.Request) bool {
	var modern, legacy bool
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			switch strings.TrimSpace(p) {
			case "graphql-transport-ws":
				modern = true
			case "graphql-ws":
				legacy = true
			}
		}
	}
	return modern && !legacy
}

// serve upgrades the request and starts the socket's goroutine.
func (t transportWS) serve(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if !t.accept.originAllowed(r) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	hj := &hijacker{ResponseWriter: w}
	// The origin was checked above with the same rule as CORS, so coder's
	// own host-pattern check is skipped.
	conn, err := coderws.Accept(hj, r, &coderws.AcceptOptions{
		InsecureSkipVerify: true, Subprotocols: []string{"graphql-transport-ws"},
	})
	if err != nil {
		return // coder has answered the request
	}
	if t.readLimit > 0 {
		conn.SetReadLimit(t.readLimit)
	}
	// The socket outlives this handler: it is served by a goroutine of its
	// own, so that net/http's state for the connection (8 KiB of buffers,
	// the request and the response) is freed once the upgrade is done.
	// Its context keeps the request's values but not its end.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	s := &socket{t: t, conn: conn, cork: hj.conn, exec: exec, headers: r.Header, ctx: ctx, ops: map[string]*operation{}}
	go s.serve(ctx, cancel)
}

// serve reads the socket until it fails or closes. Whatever ends ctx
// first (a drain) closes the socket with a close frame, which also ends
// the read.
func (s *socket) serve(ctx context.Context, cancel context.CancelFunc) {
	defer cancel()
	defer context.AfterFunc(ctx, s.closeNormally)()
	if s.t.drain != nil {
		defer context.AfterFunc(s.t.drain, cancel)()
	}
	s.read()
}

// socket is one graphql-transport-ws connection.
type socket struct {
	t       transportWS
	conn    *coderws.Conn
	cork    *corkConn
	exec    graphql.GraphExecutor
	headers http.Header

	mu        sync.Mutex
	ctx       context.Context // the socket's; after connection_init, with the viewer
	acked     bool
	closed    bool
	ops       map[string]*operation
	outbox    [][]byte     // frames for the writer, in order
	ready     []*operation // pulled subscriptions with values waiting
	writing   bool         // the writer goroutine runs
	initTimer *time.Timer
}

// operation is one subscribe message's execution.
type operation struct {
	id     string
	ctx    context.Context
	cancel context.CancelFunc
	// Set for a pulled subscription (nil until it is dispatched): next
	// executes the selection for the next value in execCtx (op.ctx as the
	// operation middleware left it), pending counts the values waiting,
	// and queued says it is in socket.ready.
	next    graphql.ResponseHandler
	execCtx context.Context
	rc      *graphql.OperationContext
	pending func() int
	queued  bool
}

// read handles the client's messages until the socket fails or closes.
func (s *socket) read() {
	// The protocol's connectionInitWaitTimeout: connection_init must come
	// within initTimeout (its handling may take longer).
	s.mu.Lock()
	s.initTimer = time.AfterFunc(s.t.initTimeout, func() {
		s.close(closeInitTimeout, "Connection initialisation timeout")
	})
	s.mu.Unlock()
	for {
		// Background: coder closes a socket abruptly when a Read's
		// context ends, and ours must end with a close frame.
		_, data, err := s.conn.Read(context.Background())
		if err != nil {
			return
		}
		start := graphql.Now()
		var m struct {
			ID      string          `json:"id"`
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			s.close(closeBadRequest, "Invalid message received")
			return
		}
		switch m.Type {
		case "connection_init":
			s.initTimer.Stop()
			if !s.initialise(m.Payload) {
				return
			}
		case "subscribe":
			if !s.subscribe(m.ID, m.Payload, start) {
				return
			}
		case "complete":
			s.end(m.ID)
		case "ping":
			s.send(frame("pong", "", m.Payload))
		case "pong":
		default:
			s.close(closeBadRequest, "Invalid message received")
			return
		}
	}
}

// initialise answers connection_init: the InitFunc authenticates and
// takes a connection slot, or refuses the socket with its close code.
func (s *socket) initialise(payload json.RawMessage) bool {
	s.mu.Lock()
	ctx, acked := s.ctx, s.acked
	s.mu.Unlock()
	if acked {
		s.close(closeTooManyInits, "Too many initialisation requests")
		return false
	}
	var p transport.InitPayload
	if len(payload) > 0 && string(payload) != "null" {
		if err := json.Unmarshal(payload, &p); err != nil {
			s.close(closeBadRequest, "Invalid connection_init payload")
			return false
		}
	}
	var ack *transport.InitPayload
	if s.t.init != nil {
		next, a, err := s.runInit(ctx, p)
		if err != nil {
			code, reason := coderws.StatusCode(CloseForbidden), err.Error()
			var r *refusal
			if errors.As(err, &r) {
				code = r.code
			}
			s.close(code, truncateUTF8(reason, 123))
			return false
		}
		ctx, ack = next, a
	}
	var ackPayload []byte
	if ack != nil {
		ackPayload, _ = json.Marshal(*ack)
	}
	s.mu.Lock()
	s.ctx, s.acked = ctx, true
	s.mu.Unlock()
	s.send(frame("connection_ack", "", ackPayload))
	return true
}

// runInit runs the InitFunc, which queries storage, on a goroutine of its
// own, so that the reader's stack, kept for the socket's life, does not
// grow with it.
func (s *socket) runInit(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	type result struct {
		ctx context.Context
		ack *transport.InitPayload
		err error
	}
	done := make(chan result, 1)
	go func() {
		next, ack, err := s.t.init(ctx, p)
		done <- result{next, ack, err}
	}()
	r := <-done
	return r.ctx, r.ack, r.err
}

// subscribe starts an operation, as gqlgen's transport does: errors in
// the request are answered with error (or next carrying errors) and
// complete; a duplicate id or a subscribe before the ack closes the
// socket, as the protocol prescribes.
func (s *socket) subscribe(id string, payload json.RawMessage, start time.Time) bool {
	s.mu.Lock()
	ctx, acked, taken := s.ctx, s.acked, s.ops[id] != nil
	s.mu.Unlock()
	switch {
	case !acked:
		s.close(closeUnauthorized, "Unauthorized")
		return false
	case taken:
		s.close(closeSubscriberUsed, truncateUTF8(fmt.Sprintf("Subscriber for %s already exists", id), 123))
		return false
	}
	op := &operation{id: id}
	op.ctx, op.cancel = context.WithCancel(ctx)
	s.mu.Lock()
	s.ops[id] = op
	s.mu.Unlock()
	go s.run(op, payload, start)
	return true
}

// run prepares and dispatches op on a goroutine of its own. A subscription
// whose resolver takes the pull hook is then left to the writer and this
// goroutine ends; any other operation is executed here to its end.
func (s *socket) run(op *operation, payload json.RawMessage, start time.Time) {
	ctx := graphql.StartOperationTrace(op.ctx)
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		s.sendErrors(op.id, &gqlerror.Error{Message: "invalid json"})
		s.finish(op)
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	params.Headers = s.headers
	rc, errs := s.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := s.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			s.sendErrors(op.id, resp.Errors...)
		} else {
			s.sendResponse(op.id, &graphql.Response{Errors: errs})
		}
		s.finish(op)
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	p := &pull{ready: func() { s.wake(op) }}
	defer func() {
		if r := recover(); r != nil {
			s.recovered(op, rc, r)
		}
	}()
	responses, ctx := s.exec.DispatchOperation(withPull(ctx, p), rc)
	if p.pending != nil {
		s.mu.Lock()
		op.next, op.execCtx, op.rc, op.pending = responses, ctx, rc, p.pending
		s.mu.Unlock()
		s.wake(op) // for values that came before next was set
		return
	}
	for {
		resp := responses(ctx)
		if resp == nil {
			break
		}
		s.sendResponse(op.id, resp)
	}
	s.finish(op)
}

// recovered answers an operation whose execution panicked with an error
// message, as gqlgen's transport does.
func (s *socket) recovered(op *operation, rc *graphql.OperationContext, r any) {
	err := rc.Recover(op.ctx, r)
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) {
		gqlErr = &gqlerror.Error{Message: fmt.Sprint(r)}
		if err != nil {
			gqlErr.Message = err.Error()
		}
	}
	s.sendErrors(op.id, gqlErr)
	s.forget(op)
}

// finish ends an operation that has no more results: complete, unless the
// client ended it or the socket is closing.
func (s *socket) finish(op *operation) {
	if op.ctx.Err() == nil {
		s.send(frame("complete", op.id, nil))
	}
	s.forget(op)
}

func (s *socket) forget(op *operation) {
	s.mu.Lock()
	if s.ops[op.id] == op {
		delete(s.ops, op.id)
	}
	s.mu.Unlock()
	op.cancel()
}

// end handles the client's complete: the operation stops, and its id may
// be used again.
func (s *socket) end(id string) {
	s.mu.Lock()
	op := s.ops[id]
	s.mu.Unlock()
	if op != nil {
		s.forget(op)
	}
}

// send queues a frame for the writer.
func (s *socket) send(f []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.outbox = append(s.outbox, f)
	s.startWriting()
}

// wake tells the writer that a pulled subscription has values.
func (s *socket) wake(op *operation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || op.queued {
		return
	}
	op.queued = true
	s.ready = append(s.ready, op)
	s.startWriting()
}

// startWriting starts the writer unless it runs; s.mu held.
func (s *socket) startWriting() {
	if !s.writing {
		s.writing = true
		go s.write()
	}
}

// pullBudget bounds the frames one subscription writes before the others
// of its socket get their turn.
const pullBudget = 128

// write writes what is queued, a round at a time, each round's frames
// flushed together, and ends when nothing is left.
func (s *socket) write() {
	for {
		s.mu.Lock()
		out, ready := s.outbox, s.ready
		s.outbox, s.ready = nil, nil
		for _, op := range ready {
			op.queued = false
		}
		if len(out) == 0 && len(ready) == 0 || s.closed {
			s.writing = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		s.cork.cork()
		err := s.writeRound(out, ready)
		if ferr := s.cork.uncork(); err == nil {
			err = ferr
		}
		if err != nil {
			s.close(coderws.StatusInternalError, "write failed")
			return
		}
	}
}

func (s *socket) writeRound(out [][]byte, ready []*operation) error {
	for _, f := range out {
		if err := s.conn.Write(context.Background(), coderws.MessageText, f); err != nil {
			return err
		}
	}
	for _, op := range ready {
		if err := s.pull(op); err != nil {
			return err
		}
	}
	return nil
}

// pull writes up to pullBudget of op's waiting values, and queues op
// again if more wait.
func (s *socket) pull(op *operation) (err error) {
	s.mu.Lock()
	next, ctx, rc, pending := op.next, op.execCtx, op.rc, op.pending
	s.mu.Unlock()
	if next == nil {
		return nil // not dispatched yet: run wakes it once it is
	}
	defer func() {
		if r := recover(); r != nil {
			s.recovered(op, rc, r)
		}
	}()
	for range pullBudget {
		if ctx.Err() != nil || pending() == 0 {
			return nil
		}
		resp := next(ctx) // a value waits: this does not block
		if resp == nil {
			s.finish(op)
			return nil
		}
		if err := s.conn.Write(context.Background(), coderws.MessageText, responseFrame(op.id, resp)); err != nil {
			return err
		}
	}
	if pending() > 0 {
		s.wake(op)
	}
	return nil
}

func (s *socket) sendResponse(id string, resp *graphql.Response) {
	s.send(responseFrame(id, resp))
}

func (s *socket) sendErrors(id string, errs ...*gqlerror.Error) {
	b, err := json.Marshal(errs)
	if err != nil {
		b = []byte(`[{"message":"internal error"}]`)
	}
	s.send(frame("error", id, b))
}

// closeNormally closes the socket when its context ends: 1001 if the
// server is draining (clients reconnect elsewhere), else 1000.
func (s *socket) closeNormally() {
	if s.t.drain != nil && s.t.drain.Err() != nil {
		s.close(CloseGoingAway, "server shutting down")
		return
	}
	s.close(coderws.StatusNormalClosure, "terminated")
}

// close sends a close frame once and ends every operation. coder's close
// handshake waits up to 5 s for the peer's answer, so it runs on its own
// goroutine, as in gqlgen's adapter.
func (s *socket) close(code coderws.StatusCode, reason string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.outbox, s.ready = nil, nil
	ops := s.ops
	s.ops = map[string]*operation{}
	if s.initTimer != nil {
		s.initTimer.Stop()
	}
	s.mu.Unlock()
	for _, op := range ops {
		op.cancel()
	}
	go func() { _ = s.conn.Close(code, reason) }()
}

// frame is one graphql-transport-ws message.
func frame(typ, id string, payload []byte) []byte {
	b := make([]byte, 0, 32+len(id)+len(payload))
	b = append(b, `{"type":"`...)
	b = append(b, typ...)
	b = append(b, '"')
	if id != "" {
		q, _ := json.Marshal(id)
		b = append(b, `,"id":`...)
		b = append(b, q...)
	}
	if len(payload) > 0 {
		b = append(b, `,"payload":`...)
		b = append(b, payload...)
	}
	return append(b, '}')
}

// responseFrame is a next message. The usual response, data alone, is
// written around gqlgen's already-marshalled data instead of marshalling
// (and so re-validating) it twice more as gqlgen's transport does.
func responseFrame(id string, resp *graphql.Response) []byte {
	if len(resp.Errors) == 0 && len(resp.Extensions) == 0 && resp.Label == "" && resp.Path == nil && resp.HasNext == nil && resp.Data != nil {
		payload := make([]byte, 0, len(resp.Data)+9)
		payload = append(payload, `{"data":`...)
		payload = append(payload, resp.Data...)
		return frame("next", id, append(payload, '}'))
	}
	b, err := json.Marshal(resp)
	if err != nil {
		b = []byte(`{"errors":[{"message":"internal error"}]}`)
	}
	return frame("next", id, b)
}

// pull is how a subscription resolver hands its values to the socket's
// writer instead of to a goroutine parked on its channel: the resolver
// sets pending (how many values wait in the channel it returns) and calls
// ready after each value it sends. Only graphql-transport-ws sockets
// offer it; elsewhere pullFrom returns nil.
type pull struct {
	ready   func()
	pending func() int
}

type pullKey struct{}

func withPull(ctx context.Context, p *pull) context.Context {
	return context.WithValue(ctx, pullKey{}, p)
}

func pullFrom(ctx context.Context) *pull {
	p, _ := ctx.Value(pullKey{}).(*pull)
	return p
}

// hijacker gives coder/websocket a corkConn and small buffers when it
// hijacks the connection: net/http's are 4 KiB each, kept for the life of
// an idle socket, while client messages are small and server frames are
// buffered by the corkConn only while they are written.
type hijacker struct {
	http.ResponseWriter
	conn *corkConn
}

const socketBufferSize = 512

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Bytes the client sent after the upgrade request are in net/http's
	// reader: the connection reads them first. (coder replaces the
	// source of the reader it is given, so they cannot go there.)
	early, _ := brw.Reader.Peek(brw.Reader.Buffered())
	h.conn = &corkConn{Conn: c, early: bytes.Clone(early)}
	return h.conn, bufio.NewReadWriter(bufio.NewReaderSize(h.conn, socketBufferSize), bufio.NewWriterSize(h.conn, socketBufferSize)), nil
}

// corkConn holds back writes while corked and sends them in one write
// when uncorked, so that a round of frames costs one write(2). Writes
// made while not corked (coder's control frames) go straight through.
type corkConn struct {
	net.Conn
	early []byte // read before the connection; only the reader touches it

	mu     sync.Mutex
	corked bool
	buf    *[]byte
}

// corkFlushAt is how much a corked connection holds before it writes
// anyway.
const corkFlushAt = 64 << 10

// corkBuffers start empty and grow by append: a live event wakes every
// subscribed socket's writer at once, each with a frame of a few hundred
// bytes, and a fixed 16 KiB each would be a burst of garbage.
var corkBuffers = sync.Pool{New: func() any { return new([]byte) }}

func (c *corkConn) cork() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = true
	c.buf = corkBuffers.Get().(*[]byte)
}

func (c *corkConn) Read(p []byte) (int, error) {
	if len(c.early) > 0 {
		n := copy(p, c.early)
		c.early = c.early[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return c.Conn.Write(p)
	}
	*c.buf = append(*c.buf, p...)
	if len(*c.buf) >= corkFlushAt {
		return len(p), c.flushLocked()
	}
	return len(p), nil
}

func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.flushLocked()
	c.corked = false
	if cap(*c.buf) <= 4*corkFlushAt {
		corkBuffers.Put(c.buf)
	}
	c.buf = nil
	return err
}

func (c *corkConn) flushLocked() error {
	if len(*c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(*c.buf)
	*c.buf = (*c.buf)[:0]
	return err
}
