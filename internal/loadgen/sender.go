package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// Protocol is the OTLP transport.
type Protocol string

// Protocols.
const (
	ProtocolGRPC Protocol = "grpc" // OTLP/gRPC
	ProtocolHTTP Protocol = "http" // OTLP/HTTP with protobuf bodies
)

// Signal is a kind of telemetry.
type Signal string

// Signals, in the order Result lists them.
const (
	SignalTraces  Signal = "traces"
	SignalMetrics Signal = "metrics"
	SignalLogs    Signal = "logs"
)

// RunConfig says what to send, where and how much.
type RunConfig struct {
	// Endpoint is host:port of the OTLP receiver. For HTTP an http:// or
	// https:// prefix is accepted; the paths /v1/traces, /v1/metrics and
	// /v1/logs are appended.
	Endpoint string
	// Protocol is ProtocolGRPC (the default when empty) or ProtocolHTTP.
	Protocol Protocol
	// Signals to send, each independently and at the same time (default:
	// traces only).
	Signals []Signal
	// Connections is the number of concurrent connections, each with one
	// request in flight, per signal (default 1, at most 1024). With gRPC the
	// signals share the connections.
	Connections int
	// Rate is the target in items per second per signal; 0 sends as fast as
	// the server answers. Requests are scheduled at fixed intervals from the
	// start; a late request is sent at once.
	Rate float64
	// Duration stops the scheduling of new requests once it has passed
	// (requests in flight complete). 0 means no time limit.
	Duration time.Duration
	// Count is the number of items to send per signal, rounded up to whole
	// requests. 0 means no count limit. At least one of Duration and Count
	// must be set.
	Count int64
	// Batch is the number of items per request (default 100, at most
	// 1,000,000): spans for traces (rounded down to whole traces, at least
	// one trace), data points for metrics, log records for logs.
	Batch int
	// PoolSize is the number of distinct prebuilt requests per signal
	// (default 64; fewer when Count needs fewer, and at most 1,000,000 items
	// in all). Request k sent of a signal is pool[k % PoolSize].
	PoolSize int
	// RequestTimeout bounds every request (default 10 s).
	RequestTimeout time.Duration
	// Headers are added to every request (gRPC metadata or HTTP headers).
	Headers map[string]string
	// Generator is the data; see Config.
	Generator Config
	// MetricsAtWallClock stamps every metric point with the time its
	// request is sent (a cumulative series' start with the run's start), as
	// a live application does, instead of the generator's reproducible
	// timestamps. It costs a decode and an encode per metrics request.
	MetricsAtWallClock bool
}

func (c *RunConfig) validate() error {
	if c.Endpoint == "" {
		return errors.New("endpoint: must not be empty")
	}
	switch c.Protocol {
	case "":
		c.Protocol = ProtocolGRPC
	case ProtocolGRPC, ProtocolHTTP:
	default:
		return fmt.Errorf("protocol: must be %q or %q, got %q", ProtocolGRPC, ProtocolHTTP, c.Protocol)
	}
	if len(c.Signals) == 0 {
		c.Signals = []Signal{SignalTraces}
	}
	seen := map[Signal]bool{}
	for i, s := range c.Signals {
		switch s {
		case SignalTraces, SignalMetrics, SignalLogs:
		default:
			return fmt.Errorf("signals[%d]: must be traces, metrics or logs, got %q", i, s)
		}
		if seen[s] {
			return fmt.Errorf("signals[%d]: %q is listed twice", i, s)
		}
		seen[s] = true
	}
	if c.Connections < 0 {
		return fmt.Errorf("connections: must be at least 1, got %d", c.Connections)
	}
	if c.Connections == 0 {
		c.Connections = 1
	}
	if c.Connections > maxConnections {
		return fmt.Errorf("connections: at most %d, got %d", maxConnections, c.Connections)
	}
	if math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) || c.Rate < 0 {
		return fmt.Errorf("rate: must be 0 (unlimited) or a positive number of items per second, got %v", c.Rate)
	}
	if c.Duration < 0 {
		return fmt.Errorf("duration: must not be negative, got %s", c.Duration)
	}
	if c.Count < 0 {
		return fmt.Errorf("count: must not be negative, got %d", c.Count)
	}
	if c.Duration == 0 && c.Count == 0 {
		return errors.New("duration, count: set at least one, or the run would never end")
	}
	if c.Batch < 0 {
		return fmt.Errorf("batch: must be at least 1, got %d", c.Batch)
	}
	if c.Batch == 0 {
		c.Batch = 100
	}
	if c.Batch > maxPoolItems {
		return fmt.Errorf("batch: at most %d items per request, got %d", maxPoolItems, c.Batch)
	}
	if c.PoolSize < 0 {
		return fmt.Errorf("pool_size: must be at least 1, got %d", c.PoolSize)
	}
	if c.PoolSize == 0 {
		c.PoolSize = 64
	}
	// Bound the memory of the prebuilt requests.
	c.PoolSize = max(1, min(c.PoolSize, maxPoolItems/c.Batch))
	if c.RequestTimeout < 0 {
		return fmt.Errorf("request_timeout: must not be negative, got %s", c.RequestTimeout)
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 10 * time.Second
	}
	return nil
}

const (
	maxConnections = 1024
	// maxPoolItems bounds the items prebuilt per signal (PoolSize is
	// lowered to fit).
	maxPoolItems = 1_000_000
)

// SignalResult is what happened to one signal. Every item sent is counted
// exactly once in Acknowledged, Rejected or FailedItems:
// Items == Acknowledged + Rejected + FailedItems.
type SignalResult struct {
	Signal Signal
	// Requests completed (acknowledged or failed) and the items they held.
	Requests int64
	Items    int64
	// Acknowledged items: in requests the server answered with success,
	// minus those it reported rejected.
	Acknowledged int64
	// Rejected items: the partial-success rejected counts of successful
	// answers.
	Rejected int64
	// FailedRequests are requests answered with an error (or none); their
	// items are FailedItems.
	FailedRequests int64
	FailedItems    int64
	// Bytes is the size of the protobuf request bodies sent.
	Bytes int64
	// Duration is the time from the first request to the last answer.
	Duration time.Duration
	// Errors counts failures by error message (at most 16 distinct
	// messages; further ones are counted under "other errors"), and
	// partial-success messages prefixed with "partial success: ".
	Errors map[string]int64
}

// ItemsPerSecond is Acknowledged items per second of Duration.
func (s SignalResult) ItemsPerSecond() float64 {
	if s.Duration <= 0 {
		return 0
	}
	return float64(s.Acknowledged) / s.Duration.Seconds()
}

// Result holds one SignalResult per signal; those not sent are zero.
type Result struct {
	Traces, Metrics, Logs SignalResult
}

// Signals lists the results of the signals that were sent, in the order
// traces, metrics, logs.
func (r Result) Signals() []SignalResult {
	var out []SignalResult
	for _, s := range []SignalResult{r.Traces, r.Metrics, r.Logs} {
		if s.Signal != "" {
			out = append(out, s)
		}
	}
	return out
}

// OK reports whether every item sent was acknowledged.
func (r Result) OK() bool {
	for _, s := range r.Signals() {
		if s.FailedRequests > 0 || s.Rejected > 0 || s.Acknowledged != s.Items {
			return false
		}
	}
	return true
}

func (r *Result) set(s SignalResult) {
	switch s.Signal {
	case SignalTraces:
		r.Traces = s
	case SignalMetrics:
		r.Metrics = s
	case SignalLogs:
		r.Logs = s
	}
}

// pool is the prebuilt requests of one signal.
type pool struct {
	signal      Signal
	bodies      [][]byte
	items       int64 // items per request
	maxRequests int64 // 0: no limit
}

// Sender holds prebuilt requests and open connections. Create it with
// NewSender, call Run (more than once if wanted), then Close.
type Sender struct {
	cfg   RunConfig
	pools []pool
	tr    transport
}

// NewSender validates cfg, prebuilds the requests of every signal and
// prepares the connections (gRPC connections are established lazily, on the
// first request).
func NewSender(cfg RunConfig) (*Sender, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Sender{cfg: cfg}
	gen := New(cfg.Generator)
	for _, sig := range cfg.Signals {
		p, err := buildPool(gen, sig, cfg)
		if err != nil {
			return nil, err
		}
		s.pools = append(s.pools, p)
	}
	var err error
	if cfg.Protocol == ProtocolHTTP {
		s.tr, err = newHTTPTransport(cfg)
	} else {
		s.tr, err = newGRPCTransport(cfg)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ItemsPerRequest is the number of items in every request of a signal (0
// for a signal not configured).
func (s *Sender) ItemsPerRequest(sig Signal) int64 {
	for _, p := range s.pools {
		if p.signal == sig {
			return p.items
		}
	}
	return 0
}

func buildPool(gen *Generator, sig Signal, cfg RunConfig) (pool, error) {
	p := pool{signal: sig, items: int64(cfg.Batch)}
	tracesPerRequest := 1
	if sig == SignalTraces {
		tracesPerRequest = max(1, cfg.Batch/gen.cfg.SpansPerTrace)
		p.items = int64(tracesPerRequest * gen.cfg.SpansPerTrace)
	}
	size := int64(cfg.PoolSize)
	if cfg.Count > 0 {
		p.maxRequests = (cfg.Count + p.items - 1) / p.items
		size = min(size, p.maxRequests)
	}
	p.bodies = make([][]byte, size)
	for i := range p.bodies {
		var (
			b   []byte
			err error
		)
		switch sig {
		case SignalTraces:
			b, err = ptraceotlp.NewExportRequestFromTraces(gen.Traces(tracesPerRequest)).MarshalProto()
		case SignalMetrics:
			b, err = pmetricotlp.NewExportRequestFromMetrics(gen.Metrics(cfg.Batch)).MarshalProto()
		case SignalLogs:
			b, err = plogotlp.NewExportRequestFromLogs(gen.Logs(cfg.Batch)).MarshalProto()
		}
		if err != nil {
			return p, fmt.Errorf("marshal %s request: %w", sig, err)
		}
		p.bodies[i] = b
	}
	return p, nil
}

// Close releases the connections.
func (s *Sender) Close() error { return s.tr.close() }

// Run sends every signal at the same time and returns when all are done:
// Duration has passed, Count items were sent, or ctx is cancelled (then
// the requests in flight fail and are counted as failed). The error is
// non-nil only when ctx ended the run; the Result is complete either way.
func (s *Sender) Run(ctx context.Context) (Result, error) {
	var (
		res Result
		mu  sync.Mutex
		wg  sync.WaitGroup
	)
	start := time.Now()
	var deadline time.Time
	if s.cfg.Duration > 0 {
		deadline = start.Add(s.cfg.Duration)
	}
	for _, p := range s.pools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.runSignal(ctx, p, start, deadline)
			mu.Lock()
			res.set(r)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return res, ctx.Err()
}

// Run is NewSender, Sender.Run and Sender.Close.
func Run(ctx context.Context, cfg RunConfig) (Result, error) {
	s, err := NewSender(cfg)
	if err != nil {
		return Result{}, err
	}
	defer s.Close()
	return s.Run(ctx)
}

// answer is the outcome of one request.
type answer struct {
	rejected int64
	message  string // partial-success error message
	err      error
}

// transport sends one prebuilt body of a signal on connection conn.
type transport interface {
	send(ctx context.Context, conn int, sig Signal, body []byte) answer
	close() error
}

const maxDistinctErrors = 16

type counters struct {
	requests, items, acknowledged, rejected, failedRequests, failedItems, bytes atomic.Int64

	mu     sync.Mutex
	errors map[string]int64
}

func (c *counters) addError(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.errors == nil {
		c.errors = map[string]int64{}
	}
	if _, ok := c.errors[msg]; !ok && len(c.errors) >= maxDistinctErrors {
		msg = "other errors"
	}
	c.errors[msg]++
}

func (s *Sender) runSignal(ctx context.Context, p pool, start, deadline time.Time) SignalResult {
	var (
		c    counters
		next atomic.Int64
		wg   sync.WaitGroup
	)
	var interval time.Duration
	if s.cfg.Rate > 0 {
		interval = time.Duration(float64(p.items) / s.cfg.Rate * float64(time.Second))
	}
	worker := func(conn int) {
		defer wg.Done()
		timer := time.NewTimer(time.Hour)
		defer timer.Stop()
		for ctx.Err() == nil {
			k := next.Add(1) - 1
			if p.maxRequests > 0 && k >= p.maxRequests {
				return
			}
			if interval > 0 {
				at := start.Add(time.Duration(k) * interval)
				if !deadline.IsZero() && !at.Before(deadline) {
					return
				}
				if wait := time.Until(at); wait > 0 {
					timer.Reset(wait)
					select {
					case <-ctx.Done():
						return
					case <-timer.C:
					}
				}
			} else if !deadline.IsZero() && !time.Now().Before(deadline) {
				return
			}
			body := p.bodies[k%int64(len(p.bodies))]
			if s.cfg.MetricsAtWallClock && p.signal == SignalMetrics {
				var err error
				if body, err = stampMetricsAt(body, time.Now(), start); err != nil {
					c.addError(err.Error())
					return
				}
			}
			rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
			a := s.tr.send(rctx, conn, p.signal, body)
			cancel()
			c.requests.Add(1)
			c.items.Add(p.items)
			c.bytes.Add(int64(len(body)))
			if a.err != nil {
				c.failedRequests.Add(1)
				c.failedItems.Add(p.items)
				c.addError(a.err.Error())
				continue
			}
			rejected := min(max(a.rejected, 0), p.items)
			c.rejected.Add(rejected)
			c.acknowledged.Add(p.items - rejected)
			if a.message != "" {
				c.addError("partial success: " + a.message)
			}
		}
	}
	for i := range s.cfg.Connections {
		wg.Add(1)
		go worker(i)
	}
	wg.Wait()
	return SignalResult{
		Signal:         p.signal,
		Requests:       c.requests.Load(),
		Items:          c.items.Load(),
		Acknowledged:   c.acknowledged.Load(),
		Rejected:       c.rejected.Load(),
		FailedRequests: c.failedRequests.Load(),
		FailedItems:    c.failedItems.Load(),
		Bytes:          c.bytes.Load(),
		Duration:       time.Since(start),
		Errors:         c.errors,
	}
}

// ErrorSummary renders Errors one per line, most frequent first.
func (s SignalResult) ErrorSummary() string {
	type kv struct {
		msg string
		n   int64
	}
	var all []kv
	for m, n := range s.Errors {
		all = append(all, kv{m, n})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].n != all[j].n {
			return all[i].n > all[j].n
		}
		return all[i].msg < all[j].msg
	})
	var b strings.Builder
	for _, e := range all {
		fmt.Fprintf(&b, "%d x %s\n", e.n, e.msg)
	}
	return b.String()
}
