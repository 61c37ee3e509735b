package loadgen

import (
	"math/rand/v2"
)

// Generator builds telemetry for a Config. Each of Traces, Metrics and Logs
// continues its own stream from where the previous call of the same method
// stopped. A Generator is not safe for concurrent use.
type Generator struct {
	cfg      Config
	services []service

	nextTrace uint64
	nextPoint uint64
	nextLog   uint64

	// cumulative is the running value of each series of the cumulative sum.
	cumulative []int64
}

// New returns a Generator for cfg, with out-of-range fields corrected as
// documented on Config.
func New(cfg Config) *Generator {
	cfg = cfg.normalized()
	g := &Generator{cfg: cfg, services: make([]service, cfg.Services)}
	for i := range g.services {
		g.services[i] = serviceCatalog(i)
	}
	g.cumulative = make([]int64, cfg.MetricSeries)
	return g
}

// Config is the configuration in use, after correction.
func (g *Generator) Config() Config { return g.cfg }

// Stream tags keep the random streams of the signals apart.
const (
	streamTraces  = 0x7472616365730001
	streamMetrics = 0x6d65747269630002
	streamLogs    = 0x6c6f677300000003

	streamCategories = 0x6b696e6473000004
)

// itemRand is the random source of item index of a stream: a pure function
// of (seed, stream, index).
func (g *Generator) itemRand(stream, index uint64) *rand.Rand {
	return rand.New(rand.NewPCG(splitmix(uint64(g.cfg.Seed)^stream), splitmix(index^0x9e3779b97f4a7c15)))
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func resourceIndex(svc, inst int) int { return svc*instancesPerService + inst }

// instanceFor draws the pod of a service for a trace in the given environment.
func instanceFor(r *rand.Rand, staging bool) int {
	if staging {
		return stagingInstance
	}
	return r.IntN(stagingInstance)
}
