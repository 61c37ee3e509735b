package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/otelgate/otelgate/internal/gatewayproc"
	"github.com/otelgate/otelgate/internal/loadgen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	bin, configs, out, also string
	duration, warmup        time.Duration
	connections             int
	spansPerTrace           int
	batch                   int
	protocol                string
	seed                    int64
	rounds                  int
	workloads               string
	rate                    string
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benche2e", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.bin, "bin", "bin/otelgate", "the otelgate binary")
	fs.StringVar(&o.configs, "configs", "bench", "folder of pipeline configs (*.yaml), run in name order")
	fs.StringVar(&o.also, "also", "", "comma-separated config files run after the folder's (e.g. config.yaml, the gateway itself)")
	fs.StringVar(&o.out, "out", "", "markdown file whose end-to-end section is replaced with the results (e.g. BENCHMARKS.md); empty: stdout only")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured load time per pipeline")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "load time per pipeline before measuring")
	fs.IntVar(&o.connections, "connections", 4, "concurrent load generator connections")
	fs.IntVar(&o.spansPerTrace, "spans-per-trace", 10, "spans per generated trace")
	fs.IntVar(&o.batch, "batch", 100, "spans per request")
	fs.StringVar(&o.protocol, "protocol", "grpc", "OTLP transport of the load: grpc or http")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the generated data")
	fs.StringVar(&o.workloads, "workloads", "default,wide,narrow", "comma-separated traffic shapes, each run on every config: default (--spans-per-trace, --batch), wide, narrow")
	fs.StringVar(&o.rate, "rate", "", "offered load in spans/s: one number for every workload, or workload=spans/s pairs (default=60000,wide=6000,narrow=15000); "+
		"empty or 0: as fast as the gateway acknowledges. At a fixed rate every row does the same work per second, so CPU per span compares rows without their different throughputs")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds over all configs (interleaved); each row reports its median round by spans/s (by CPU per span with --rate)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "benche2e: run the otelgate binary under load, one pipeline config after another.\n\n"+
			"For each bench/*.yaml (name order) it starts an in-process OTLP sink and the gateway on free\n"+
			"loopback ports (addresses in OTELGATE_* environment variables), drives traces into it for\n"+
			"--duration after --warmup, and reports spans/s, gateway CPU-seconds per million spans, peak\n"+
			"RSS and what reached the sink, with ratios to the passthrough row.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if o.protocol != "grpc" && o.protocol != "http" {
		fmt.Fprintf(stderr, "benche2e: --protocol: must be grpc or http, got %q\n", o.protocol)
		return 2
	}
	if o.duration <= 0 || o.warmup < 0 || o.connections < 1 || o.spansPerTrace < 1 || o.batch < 1 || o.rounds < 1 {
		fmt.Fprintln(stderr, "benche2e: --duration, --connections, --spans-per-trace, --batch and --rounds must be positive, --warmup not negative")
		return 2
	}
	wls, err := parseWorkloads(o.workloads, o)
	if err == nil {
		err = applyRates(wls, o.rate)
	}
	if err != nil {
		fmt.Fprintf(stderr, "benche2e: %v\n", err)
		return 2
	}
	bin, err := filepath.Abs(o.bin)
	if err == nil {
		_, err = os.Stat(bin)
	}
	if err != nil {
		fmt.Fprintf(stderr, "benche2e: --bin: %v (run `make build` first)\n", err)
		return 2
	}
	files, err := filepath.Glob(filepath.Join(o.configs, "*.yaml"))
	if err != nil || len(files) == 0 {
		fmt.Fprintf(stderr, "benche2e: --configs: no *.yaml in %q\n", o.configs)
		return 2
	}
	sort.Strings(files)
	for _, f := range strings.Split(o.also, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			fmt.Fprintf(stderr, "benche2e: --also: %v\n", err)
			return 2
		}
		files = append(files, f)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s := settings{
		command:     commandLine(args),
		viaMake:     os.Getenv("MAKELEVEL") != "",
		duration:    o.duration,
		warmup:      o.warmup,
		connections: o.connections,
		protocol:    map[string]string{"grpc": "gRPC", "http": "HTTP"}[o.protocol],
	}
	s.rounds = o.rounds
	m := describeMachine(bin)
	// runs[w][i] are the rounds of config i on workload w; rounds go over
	// every workload and config in turn, so the machine's load moves all
	// rows alike.
	runs := make([][][]row, len(wls))
	for w := range wls {
		runs[w] = make([][]row, len(files))
	}
	for round := 1; round <= o.rounds; round++ {
		for w, wl := range wls {
			for i, f := range files {
				if ctx.Err() != nil {
					break
				}
				fmt.Fprintf(stderr, "benche2e: round %d/%d: %s: %s ...\n", round, o.rounds, wl.name, filepath.Base(f))
				r := measure(ctx, bin, f, o, wl, stderr)
				if r.err != nil {
					fmt.Fprintf(stderr, "benche2e: %s: %v\n", r.config, r.err)
				}
				runs[w][i] = append(runs[w][i], r)
			}
		}
	}
	var results []result
	var all []row
	for w, wl := range wls {
		var rows []row
		for _, rs := range runs[w] {
			if len(rs) > 0 {
				rows = append(rows, medianRow(rs))
			}
		}
		pairedRatios(runs[w], rows)
		if len(rows) > 0 {
			results = append(results, result{workload: wl, rows: rows})
			all = append(all, rows...)
		}
	}
	if len(results) == 0 {
		return 1
	}

	for _, res := range results {
		fmt.Fprintf(stdout, "workload %s:\n%s\n", res.workload.name, renderTable(res.rows))
	}
	fmt.Fprintln(stdout, renderSummary(results))
	if o.out != "" {
		section := renderSection(m, s, results)
		doc, err := os.ReadFile(o.out)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "benche2e: --out: %v\n", err)
			return 1
		}
		if err := os.WriteFile(o.out, []byte(replaceSection(string(doc), section)), 0o644); err != nil {
			fmt.Fprintf(stderr, "benche2e: --out: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "benche2e: wrote section %q of %s\n", sectionTitle, o.out)
	}
	for _, r := range all {
		if r.err != nil || r.stopErr != nil || r.failed > 0 {
			return 1
		}
	}
	if ctx.Err() != nil {
		return 1
	}
	return 0
}

// commandLine is how this run can be repeated from the repository root.
func commandLine(args []string) string {
	quoted := make([]string, len(args))
	wd, _ := os.Getwd()
	for i, a := range args {
		if filepath.IsAbs(a) && wd != "" {
			if rel, err := filepath.Rel(wd, a); err == nil && !strings.HasPrefix(rel, "..") {
				a = rel
			}
		}
		if strings.ContainsAny(a, " \t\"'") {
			a = fmt.Sprintf("%q", a)
		}
		quoted[i] = a
	}
	return strings.TrimSpace("go run ./cmd/benche2e " + strings.Join(quoted, " "))
}

// measure runs one pipeline config.
func measure(ctx context.Context, bin, config string, o options, wl workload, log io.Writer) row {
	r := row{config: filepath.Base(config), description: describeConfig(config)}

	sk, err := startSink()
	if err != nil {
		r.err = fmt.Errorf("sink: %w", err)
		return r
	}
	defer sk.close()

	dir, err := os.MkdirTemp("", "benche2e-")
	if err != nil {
		r.err = err
		return r
	}
	defer os.RemoveAll(dir)
	abs, _ := filepath.Abs(config)
	p, err := gatewayproc.StartHealthy(gatewayproc.Options{
		Binary: bin,
		Config: abs,
		Dir:    dir,
		Env:    sk.env(),
	}, 60*time.Second)
	if err != nil {
		r.err = fmt.Errorf("%w\n%s", err, tail(p.Output(), 20))
		return r
	}
	stopped := false
	defer func() {
		if !stopped {
			p.Kill()
		}
	}()

	gen := loadgen.DefaultConfig()
	gen.Seed = o.seed
	gen.SpansPerTrace = wl.spansPerTrace
	gen.WideAttributes = wl.wide
	endpoint := p.GRPCEndpoint
	if o.protocol == string(loadgen.ProtocolHTTP) {
		endpoint = p.HTTPEndpoint
	}
	newSender := func(d time.Duration) (*loadgen.Sender, error) {
		return loadgen.NewSender(loadgen.RunConfig{
			Endpoint:    endpoint,
			Protocol:    loadgen.Protocol(o.protocol),
			Signals:     []loadgen.Signal{loadgen.SignalTraces},
			Connections: o.connections,
			Batch:       wl.batch,
			Rate:        wl.rate,
			Duration:    d,
			Generator:   gen,
			Headers:     p.AuthHeaders(),
		})
	}
	if o.warmup > 0 {
		warm, err := newSender(o.warmup)
		if err != nil {
			r.err = err
			return r
		}
		_, err = warm.Run(ctx)
		_ = warm.Close()
		if err != nil {
			r.err = err
			return r
		}
		waitDrained(ctx, sk)
	}
	measured, err := newSender(o.duration)
	if err != nil {
		r.err = err
		return r
	}
	defer measured.Close()
	r.batch = measured.ItemsPerRequest(loadgen.SignalTraces)

	before, err := p.Stats()
	if err != nil {
		r.err = fmt.Errorf("read /proc: %w", err)
		return r
	}
	sinkBefore := sk.counts()
	res, err := measured.Run(ctx)
	if err != nil {
		r.err = err
		return r
	}
	waitDrained(ctx, sk)
	after, err := p.Stats()
	if err != nil {
		r.err = fmt.Errorf("read /proc: %w", err)
		return r
	}
	sinkAfter := sk.counts()

	tr := res.Traces
	r.acked = tr.Acknowledged
	r.failed = tr.Items - tr.Acknowledged
	r.itemsPerSec = tr.ItemsPerSecond()
	r.cpuSeconds = after.CPUSeconds - before.CPUSeconds
	r.peakRSS = after.PeakRSS
	r.sinkItems = sinkAfter.items - sinkBefore.items
	r.sinkBytes = sinkAfter.bytes - sinkBefore.bytes
	if r.failed > 0 {
		fmt.Fprintf(log, "benche2e: %s: %d spans not acknowledged:\n%s", r.config, r.failed, tr.ErrorSummary())
	}

	stopped = true
	r.stopErr = p.Stop(60 * time.Second)
	r.offered = wl.rate
	fmt.Fprintf(log, "benche2e: %s: %s: %d spans acknowledged, %d spans at sink, %.0f spans/s, %.2f CPU-s per million spans\n",
		wl.name, r.config, r.acked, r.sinkItems, r.itemsPerSec, r.cpuPerMillion())
	return r
}

// medianRow is the round with the median spans/s of one config (at a fixed
// offered rate, where every round has about the same spans/s: the median
// CPU per span); it carries every round's spans/s and CPU per span, the sum
// of unacknowledged spans, and the first error of any round.
func medianRow(rs []row) row {
	var ok []row
	var rates, cpus []float64
	var failed int64
	var firstErr, stopErr error
	for _, r := range rs {
		failed += r.failed
		if firstErr == nil && r.err != nil {
			firstErr = r.err
		}
		if stopErr == nil && r.stopErr != nil {
			stopErr = r.stopErr
		}
		if r.err == nil {
			ok = append(ok, r)
			rates = append(rates, r.itemsPerSec)
			cpus = append(cpus, r.cpuPerMillion())
		}
	}
	if len(ok) == 0 {
		return rs[0]
	}
	if ok[0].offered > 0 {
		sort.Slice(ok, func(i, j int) bool { return ok[i].cpuPerMillion() < ok[j].cpuPerMillion() })
	} else {
		sort.Slice(ok, func(i, j int) bool { return ok[i].itemsPerSec < ok[j].itemsPerSec })
	}
	m := ok[(len(ok)-1)/2]
	m.rounds = rates
	m.roundCPU = cpus
	m.failed = failed
	m.stopErr = stopErr
	if firstErr != nil {
		m.err = firstErr
	}
	return m
}

// pairedRatios sets each row's pairedCPU: the median over rounds of its
// CPU per span over the passthrough's in the same round. The rows of a
// round run back to back, so a slow stretch of the machine moves both
// sides of each ratio; rows[i] is the median of rounds[i].
func pairedRatios(rounds [][]row, rows []row) {
	if len(rows) != len(rounds) {
		return
	}
	base := baselineIndex(rows)
	for i := range rows {
		var ratios []float64
		for r := 0; r < len(rounds[i]) && r < len(rounds[base]); r++ {
			x, b := rounds[i][r], rounds[base][r]
			if x.err == nil && b.err == nil && b.cpuPerMillion() > 0 && x.acked > 0 {
				ratios = append(ratios, x.cpuPerMillion()/b.cpuPerMillion())
			}
		}
		if len(ratios) == 0 {
			continue
		}
		sort.Float64s(ratios)
		m := ratios[len(ratios)/2]
		if len(ratios)%2 == 0 {
			m = (ratios[len(ratios)/2-1] + m) / 2
		}
		rows[i].pairedCPU = m
	}
}

// waitDrained waits until the sink has received nothing new for 1 s (the
// batch processor flushes every 200 ms), for at most 30 s.
func waitDrained(ctx context.Context, s *sink) {
	const quiet = time.Second
	deadline := time.Now().Add(30 * time.Second)
	last, since := s.counts().items, time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
		if c := s.counts().items; c != last {
			last, since = c, time.Now()
			continue
		}
		if time.Since(since) >= quiet {
			return
		}
	}
}

// describeConfig is the first comment line of a config file.
func describeConfig(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if t, ok := strings.CutPrefix(l, "#"); ok && strings.TrimSpace(t) != "" {
			return strings.TrimSpace(t)
		}
		if l != "" && !strings.HasPrefix(l, "#") {
			break
		}
	}
	return ""
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
