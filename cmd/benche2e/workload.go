package main

import (
	"fmt"
	"strings"
)

// workload is one traffic shape every pipeline is measured on.
type workload struct {
	name          string
	spansPerTrace int
	batch         int // spans per request
	wide          int // loadgen WideAttributes
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
