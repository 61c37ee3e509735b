package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/otelgate/otelgate/internal/faultsink"
	"github.com/otelgate/otelgate/internal/gatewayproc"
)

type options struct {
	Binary     string
	Config     string
	Overlay    string // merged over Config when set
	SinkConfig string
	Slow       slowdown
	Out        string
	Duration   time.Duration
	Rate       int
	Seed       int64
	Verbose    bool
	// FixedTimestamps keeps the load generator's reproducible metric timestamps.
	FixedTimestamps bool
	PrepareEnv      func(gatewayDir string) (map[string]string, error)
}

func main() {
	var o options
	flag.StringVar(&o.Binary, "bin", "bin/otelgate", "the otelgate binary")
	flag.StringVar(&o.Config, "config", "config.yaml", "the gateway config to demonstrate")
	flag.StringVar(&o.Overlay, "overlay", "", "a config merged over --config (for example demo/overload.yaml)")
	flag.DurationVar(&o.Slow.Delay, "slow-delay", 0, "hold each acknowledgement of the backend this long between --slow-from and --slow-until (0: a normal backend)")
	flag.DurationVar(&o.Slow.From, "slow-from", 5*time.Second, "when the backend slows down, after the load starts")
	flag.DurationVar(&o.Slow.Until, "slow-until", 15*time.Second, "when the backend recovers, after the load starts")
	flag.StringVar(&o.SinkConfig, "sink-config", "demo/sink.yaml", "the config of the stand-in backend")
	flag.StringVar(&o.Out, "out", "demo-output", "folder for the sink's files and both processes' logs")
	flag.DurationVar(&o.Duration, "duration", 5*time.Second, "how long to drive load")
	flag.IntVar(&o.Rate, "rate", 2000, "items per second per signal")
	flag.Int64Var(&o.Seed, "seed", 1, "load generator seed")
	flag.BoolVar(&o.Verbose, "v", false, "print the processes' output as it comes")
	flag.BoolVar(&o.FixedTimestamps, "fixed-timestamps", false, "stamp metric points with the load generator's reproducible timestamps (from 2026-01-01) instead of wall-clock time")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := run(ctx, o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	s.print(os.Stdout)
}

// run does the whole demo and returns the summary; every process it starts is
// stopped before it returns.
func run(ctx context.Context, o options, w io.Writer) (summary, error) {
	sinkDir := filepath.Join(o.Out, "sink")
	gwDir := filepath.Join(o.Out, "gateway")
	for _, d := range []string{sinkDir, gwDir} {
		if err := os.RemoveAll(d); err != nil {
			return summary{}, err
		}
		if err := os.MkdirAll(d, 0o750); err != nil {
			return summary{}, err
		}
	}
	var procOut io.Writer
	if o.Verbose {
		procOut = w
	}

	var sink *gatewayproc.Process
	var fault *faultsink.Sink
	var backendGRPC, backendHTTP string
	if o.Slow.enabled() {
		fmt.Fprintf(w, "starting the backend (an OTLP sink in this process, slow from %s to %s) ...\n", o.Slow.From, o.Slow.Until)
		var err error
		if fault, err = faultsink.Start(); err != nil {
			return summary{}, err
		}
		defer fault.Stop()
		backendGRPC, backendHTTP = fault.GRPCEndpoint, fault.HTTPEndpoint
	} else {
		fmt.Fprintf(w, "starting the sink (%s) ...\n", o.SinkConfig)
		var err error
		sink, err = gatewayproc.StartHealthy(gatewayproc.Options{Binary: o.Binary, Config: o.SinkConfig, Dir: sinkDir, Output: procOut}, 60*time.Second)
		if err != nil {
			return summary{}, fmt.Errorf("sink: %w\n%s", err, sink.Output())
		}
		defer sink.Kill()
		backendGRPC, backendHTTP = sink.GRPCEndpoint, sink.HTTPEndpoint
	}

	env := map[string]string{
		gatewayproc.EnvBackendEndpoint:     backendGRPC,
		gatewayproc.EnvBackendHTTPEndpoint: backendHTTP,
		// Short aggregation windows, so they close while the demo watches.
		"OTELGATE_AGGREGATION_INTERVAL": demoAggregationInterval.String(),
	}
	if o.PrepareEnv != nil {
		extra, err := o.PrepareEnv(gwDir)
		if err != nil {
			return summary{}, err
		}
		for k, v := range extra {
			env[k] = v
		}
	}
	fmt.Fprintf(w, "starting the gateway (%s) -> sink %s ...\n", o.Config, backendGRPC)
	// Relative paths in the config (lookup tables) are relative to its folder.
	cfg, err := filepath.Abs(o.Config)
	if err != nil {
		return summary{}, err
	}
	gwDir, err = filepath.Abs(gwDir)
	if err != nil {
		return summary{}, err
	}
	var args []string
	if o.Overlay != "" {
		overlay, err := filepath.Abs(o.Overlay)
		if err != nil {
			return summary{}, err
		}
		args = []string{"--config", overlay}
	}
	gw, err := gatewayproc.StartHealthy(gatewayproc.Options{Binary: o.Binary, Config: cfg, Args: args, Dir: gwDir, Env: env, Output: procOut, WorkDir: filepath.Dir(cfg)}, 60*time.Second)
	if err != nil {
		return summary{}, fmt.Errorf("gateway: %w\n%s", err, gw.Output())
	}
	defer gw.Kill()

	fmt.Fprintf(w, "sending traces, metrics and logs for %s at %d items/s each ...\n", o.Duration, o.Rate)
	var ov *overload
	if fault != nil {
		ov = startOverload(fault, gw, o.Slow, w)
		defer ov.stop()
	}
	sent, err := sendLoad(ctx, gw.GRPCEndpoint, gw.AuthHeaders(), o)
	if err != nil {
		return summary{}, fmt.Errorf("load: %w", err)
	}
	if ov != nil {
		// The factor rises back only while the gateway runs.
		ov.waitRecovered(60 * time.Second)
	}

	// Read the gateway's own metrics once its pipelines drained (the exported
	// counts stopped moving), then stop it: SIGTERM flushes what is still held
	// (open aggregation windows, batches, the exporter queue) into the sink.
	gwMetrics, scrapeErr := scrapeDrained(gw, 2*demoAggregationInterval+time.Second, 20*time.Second)
	var timeline []factorPoint
	if ov != nil {
		timeline = ov.stop()
	}
	if err := gw.Stop(60 * time.Second); err != nil {
		return summary{}, fmt.Errorf("gateway did not stop cleanly: %w\n%s", err, tail(gw.Output(), 40))
	}
	if scrapeErr != nil {
		return summary{}, fmt.Errorf("gateway metrics: %w", scrapeErr)
	}
	if fault != nil {
		received := map[string]int64{"traces": fault.Spans(), "metrics": fault.DataPoints(), "logs": fault.LogRecords()}
		fmt.Fprintf(w, "done: gateway log in %s/gateway.log\n\n", gwDir)
		s := summarise(gwMetrics, sent, received, pipelineOrder(cfg))
		s.Shed = summariseShed(o.Slow, timeline, gwMetrics, fault)
		return s, nil
	}
	if err := sink.Stop(60 * time.Second); err != nil {
		return summary{}, fmt.Errorf("sink did not stop cleanly: %w\n%s", err, tail(sink.Output(), 40))
	}
	received, err := countSinkFiles(sinkDir)
	if err != nil {
		return summary{}, err
	}
	fmt.Fprintf(w, "done: sink files in %s, process logs in %s/*/gateway.log\n\n", sinkDir, o.Out)
	return summarise(gwMetrics, sent, received, pipelineOrder(cfg)), nil
}

// demoAggregationInterval replaces config.yaml's aggregation window in the
// demo; a window is emitted at its end plus the config's flush_delay (2s).
const demoAggregationInterval = 3 * time.Second

// scrapeDrained scrapes the gateway, after at least minWait, until the items
// its exporters sent stay the same over a second, or until timeout, and
// returns the last scrape.
func scrapeDrained(p *gatewayproc.Process, minWait, timeout time.Duration) ([]gatewayproc.Sample, error) {
	start := time.Now()
	last := -1.0
	for {
		time.Sleep(time.Second)
		samples, err := p.Scrape()
		if err != nil {
			return nil, err
		}
		sent := 0.0
		for _, u := range signalUnits {
			sent += gatewayproc.SumSamples(samples, "otelcol_exporter_sent_"+u.exporter, nil)
		}
		waited := time.Since(start)
		if (sent == last && waited >= minWait) || waited >= timeout {
			return samples, nil
		}
		last = sent
	}
}

func tail(s string, lines int) string {
	n := 0
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			n++
			if n > lines {
				return s[i+1:]
			}
		}
	}
	return s
}
