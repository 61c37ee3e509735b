package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/otelgate/otelgate/internal/loadgen"
)

const usageHeader = `loadgen: send realistic OTLP telemetry and count what the server acknowledged.

Requests are prebuilt from a seed before sending (same seed, same data, trace
IDs included), then sent over OTLP/gRPC or OTLP/HTTP (protobuf) on N
concurrent connections per signal, at a fixed rate or as fast as the server
answers, for a duration and/or a count of items. Nothing is retried and
nothing is dropped silently: every item ends acknowledged, rejected (partial
success) or failed. The exit code is 1 when any item was not acknowledged,
2 on bad flags.

Items are spans (traces), data points (metrics) and log records (logs).

Examples:
  loadgen --duration 10s                                  traces to 127.0.0.1:4317, as fast as possible
  loadgen --signals traces,metrics,logs --rate 5000 --duration 30s
  loadgen --protocol http --endpoint 127.0.0.1:4318 --count 100000 --connections 8
  loadgen --pii --error-share 0.1 --health-share 0.2 --count 10000

Flags:
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type headerFlag map[string]string

func (h headerFlag) String() string {
	var parts []string
	for k, v := range h {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ",")
}

func (h headerFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	h[strings.TrimSpace(k)] = v
	return nil
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHeader)
		printFlags(fs)
	}
	def := loadgen.DefaultConfig()
	var (
		endpoint    = fs.String("endpoint", "", "OTLP receiver `host:port` (default 127.0.0.1:4317 for grpc, 127.0.0.1:4318 for http)")
		protocol    = fs.String("protocol", "grpc", "transport: grpc or http (OTLP/HTTP with protobuf bodies)")
		signals     = fs.String("signals", "traces", "comma-separated signals to send at the same time: traces, metrics, logs")
		rate        = fs.Float64("rate", 0, "items per second per signal; 0 sends as fast as the server answers")
		duration    = fs.Duration("duration", 0, "stop scheduling requests after this long (default 10s when --count is not set)")
		count       = fs.Int64("count", 0, "items to send per signal, rounded up to whole requests; 0 means no count limit")
		connections = fs.Int("connections", 4, "concurrent connections per signal, one request in flight each")
		batch       = fs.Int("batch", 100, "items per request (for traces: rounded down to whole traces, at least one)")
		pool        = fs.Int("pool", 64, "distinct prebuilt requests per signal, sent in rotation")
		timeout     = fs.Duration("timeout", 10*time.Second, "timeout of each request")
		headers     = headerFlag{}

		seed          = fs.Int64("seed", def.Seed, "seed of the generated data")
		services      = fs.Int("services", def.Services, "number of services (checkout, cart, payment, frontend, inventory, shipping, auth, search, service-9, ...)")
		spansPerTrace = fs.Int("spans-per-trace", def.SpansPerTrace, "spans in every trace")
		cardinality   = fs.Int("cardinality", def.AttrCardinality, "distinct entity IDs in url.path/url.full (and user.id with --pii)")
		pii           = fs.Bool("pii", false, "add user.email, user.id and client.address to root spans and log records")
		errorShare    = fs.Float64("error-share", def.ErrorShare, "share of traces with an error span (status Error and an exception event)")
		slowShare     = fs.Float64("slow-share", def.SlowShare, "share of traces whose root lasts 2-10 s")
		healthShare   = fs.Float64("health-share", def.HealthCheckShare, "share of traces that are GET /healthz health checks")
		metricSeries  = fs.Int("metric-series", def.MetricSeries, "series per metric (4 metrics: cumulative sum, delta sum, gauge, histogram)")
		fixedTimes    = fs.Bool("fixed-timestamps", false, "stamp metric points with reproducible timestamps (from 2026-01-01) instead of the time each request is sent")
	)
	fs.Var(headers, "header", "`key=value` added to every request (gRPC metadata or HTTP header); repeatable")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loadgen: unexpected arguments %q (see --help)\n", fs.Args())
		return 2
	}

	cfg := loadgen.RunConfig{
		Endpoint:           *endpoint,
		Protocol:           loadgen.Protocol(*protocol),
		Rate:               *rate,
		Duration:           *duration,
		Count:              *count,
		Connections:        *connections,
		Batch:              *batch,
		PoolSize:           *pool,
		RequestTimeout:     *timeout,
		Headers:            headers,
		MetricsAtWallClock: !*fixedTimes,
		Generator: loadgen.Config{
			Seed:             *seed,
			Services:         *services,
			SpansPerTrace:    *spansPerTrace,
			AttrCardinality:  *cardinality,
			PII:              *pii,
			ErrorShare:       *errorShare,
			SlowShare:        *slowShare,
			HealthCheckShare: *healthShare,
			MetricSeries:     *metricSeries,
		},
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = "127.0.0.1:4317"
		if cfg.Protocol == loadgen.ProtocolHTTP {
			cfg.Endpoint = "127.0.0.1:4318"
		}
	}
	if cfg.Duration == 0 && cfg.Count == 0 {
		cfg.Duration = 10 * time.Second
	}
	for _, s := range strings.Split(*signals, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cfg.Signals = append(cfg.Signals, loadgen.Signal(s))
		}
	}
	for name, v := range map[string]int{"connections": *connections, "batch": *batch, "pool": *pool} {
		if v < 1 {
			fmt.Fprintf(stderr, "loadgen: --%s: must be at least 1, got %d\n", name, v)
			return 2
		}
	}
	for name, v := range map[string]float64{"error-share": *errorShare, "slow-share": *slowShare, "health-share": *healthShare} {
		if !(v >= 0 && v <= 1) {
			fmt.Fprintf(stderr, "loadgen: --%s: must be in [0, 1], got %v\n", name, v)
			return 2
		}
	}

	sender, err := loadgen.NewSender(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: invalid flags: %v\n", err)
		return 2
	}
	defer sender.Close()

	limit := []string{}
	if cfg.Duration > 0 {
		limit = append(limit, "for "+cfg.Duration.String())
	}
	if cfg.Count > 0 {
		limit = append(limit, fmt.Sprintf("up to %d items per signal", cfg.Count))
	}
	pace := "as fast as the server answers"
	if cfg.Rate > 0 {
		pace = fmt.Sprintf("at %g items/s per signal", cfg.Rate)
	}
	fmt.Fprintf(stderr, "loadgen: sending %s to %s over %s, %d connection(s) per signal, %s, %s (seed %d)\n",
		strings.Join(signalNames(cfg.Signals), ","), cfg.Endpoint, cfg.Protocol, cfg.Connections, pace, strings.Join(limit, " and "), cfg.Generator.Seed)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, runErr := sender.Run(ctx)
	printResult(stdout, res, sender)
	if runErr != nil {
		fmt.Fprintf(stderr, "loadgen: interrupted: %v\n", runErr)
		return 1
	}
	if !res.OK() {
		fmt.Fprintln(stderr, "loadgen: not every item was acknowledged")
		return 1
	}
	return 0
}

// printFlags is flag.PrintDefaults with the "--name" spelling used in the
// examples.
func printFlags(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if typ != "" {
			line += " " + typ
		}
		line += "\n      " + usage
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "false" {
			line += " (default " + f.DefValue + ")"
		}
		fmt.Fprintln(fs.Output(), line)
	})
}

func signalNames(s []loadgen.Signal) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

func printResult(w io.Writer, res loadgen.Result, s *loadgen.Sender) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "signal\titems/request\trequests\titems sent\tacknowledged\trejected\tfailed requests\tfailed items\tMiB sent\tseconds\titems/s\t")
	for _, r := range res.Signals() {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t%.0f\t\n",
			r.Signal, s.ItemsPerRequest(r.Signal), r.Requests, r.Items, r.Acknowledged, r.Rejected,
			r.FailedRequests, r.FailedItems, float64(r.Bytes)/(1<<20), r.Duration.Seconds(), r.ItemsPerSecond())
	}
	_ = tw.Flush()
	for _, r := range res.Signals() {
		if len(r.Errors) > 0 {
			fmt.Fprintf(w, "\n%s errors:\n%s", r.Signal, r.ErrorSummary())
		}
	}
}
