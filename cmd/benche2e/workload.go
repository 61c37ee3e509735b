package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// workload is one traffic shape every pipeline is measured on.
type workload struct {
	name          string
	spansPerTrace int
	batch         int     // spans per request
	wide          int     // loadgen WideAttributes
	rate          float64 // offered spans/s; 0: as fast as acknowledged
	about         string
}

// workloads are the shapes --workloads picks from. default is the load
// the --spans-per-trace and --batch flags describe (today's load).
func knownWorkloads(o options) map[string]workload {
	return map[string]workload{
		"default": {name: "default", spansPerTrace: o.spansPerTrace, batch: o.batch,
			about: "the load generator's realistic mix (about 8 attributes per server span, 5 per client span)"},
		"wide": {name: "wide", spansPerTrace: 10, batch: 500, wide: 24,
			about: "every span also carries 24 high-cardinality attributes drawn per span: random URLs, e-mail, IP and postal addresses, " +
				"text of 256 to 1,023 bytes, IDs and numbers (loadgen WideAttributes), so 29 to 32 attributes per span"},
		"narrow": {name: "narrow", spansPerTrace: 5, batch: 5,
			about: "a few spans per request: many small requests"},
	}
}

// parseWorkloads resolves the comma-separated --workloads list.
func parseWorkloads(list string, o options) ([]workload, error) {
	known := knownWorkloads(o)
	var out []workload
	seen := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" || seen[n] {
			continue
		}
		w, ok := known[n]
		if !ok {
			return nil, fmt.Errorf("--workloads: unknown workload %q (want default, wide or narrow)", n)
		}
		seen[n] = true
		out = append(out, w)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--workloads: no workload in %q", list)
	}
	return out, nil
}

// applyRates sets each workload's offered rate from --rate: empty, one
// number for every workload, or comma-separated workload=spans/s pairs (a
// workload not named runs as fast as acknowledged).
func applyRates(wls []workload, spec string) error {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil
	}
	parse := func(s string) (float64, error) {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			return 0, fmt.Errorf("--rate: %q is not a number of spans per second (0 or more)", s)
		}
		return v, nil
	}
	if !strings.Contains(spec, "=") {
		v, err := parse(spec)
		if err != nil {
			return err
		}
		for i := range wls {
			wls[i].rate = v
		}
		return nil
	}
	rates := map[string]float64{}
	for _, pair := range strings.Split(spec, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		name, val, ok := strings.Cut(pair, "=")
		if !ok {
			return fmt.Errorf("--rate: %q: want workload=spans/s", pair)
		}
		name = strings.TrimSpace(name)
		if _, dup := rates[name]; dup {
			return fmt.Errorf("--rate: workload %q given twice", name)
		}
		v, err := parse(val)
		if err != nil {
			return err
		}
		rates[name] = v
	}
	for name := range rates {
		found := false
		for _, w := range wls {
			found = found || w.name == name
		}
		if !found {
			return fmt.Errorf("--rate: workload %q is not in --workloads", name)
		}
	}
	for i := range wls {
		wls[i].rate = rates[wls[i].name]
	}
	return nil
}
