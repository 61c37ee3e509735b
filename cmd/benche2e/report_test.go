package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReplaceSectionKeepsOtherSections(t *testing.T) {
	section := sectionTitle + "\n\nnew table\n"
	cases := []struct{ name, doc, want string }{
		{"empty file", "", "# otelgate benchmarks\n\n" + section},
		{"no section yet", "# Benchmarks\n\n## sampler\n\nold numbers\n",
			"# Benchmarks\n\n## sampler\n\nold numbers\n\n" + section},
		{"section in the middle", "# B\n\n## sampler\n\ns\n\n" + sectionTitle + "\n\nold table\nmore\n\n## codec\n\nc\n",
			"# B\n\n## sampler\n\ns\n\n" + section + "\n## codec\n\nc\n"},
		{"section last", "# B\n\n" + sectionTitle + "\n\nold table\n",
			"# B\n\n" + section},
		{"subsections belong to the section", "# B\n\n" + sectionTitle + "\n\nold\n### detail\nold detail\n## codec\nc\n",
			"# B\n\n" + section + "\n## codec\nc\n"},
	}
	for _, c := range cases {
		if got := replaceSection(c.doc, section); got != c.want {
			t.Errorf("%s:\ngot:\n%q\nwant:\n%q", c.name, got, c.want)
		}
	}
	// Replacing twice gives the same document.
	doc := replaceSection("# B\n\n## sampler\n\ns\n", section)
	if again := replaceSection(doc, section); again != doc {
		t.Fatalf("not idempotent:\n%q\n%q", doc, again)
	}
}

func TestTableRatiosToPassthrough(t *testing.T) {
	rows := []row{
		{config: "00-passthrough.yaml", acked: 2_000_000, itemsPerSec: 100_000, cpuSeconds: 10, peakRSS: 100 << 20, sinkItems: 2_000_000, sinkBytes: 300 << 20},
		{config: "10-contrib-twins.yaml", acked: 1_000_000, itemsPerSec: 50_000, cpuSeconds: 10, peakRSS: 80 << 20, sinkItems: 250_000, sinkBytes: 40 << 20},
		{config: "20-broken.yaml", err: errors.New("did not start")},
	}
	table := renderTable(rows)
	for _, want := range []string{
		"| `00-passthrough.yaml` | 100000 | 5.00 | 100 | 2000000 | 300.0 | 100.0% | 1.00× | 1.00× | 1.00× |",
		"| `10-contrib-twins.yaml` | 50000 | 10.00 | 80 | 250000 | 40.0 | 25.0% | 0.50× | 2.00× | 0.80× |",
		"| `20-broken.yaml` | not measured |",
	} {
		if !strings.Contains(table, want) {
			t.Fatalf("table lacks %q:\n%s", want, table)
		}
	}
	section := renderSection(machine{cpus: 2, cpuModel: "Test CPU", memory: "1.0 GiB", goVersion: "go1.26"}, settings{command: "go run ./cmd/benche2e --out B.md", protocol: "gRPC", connections: 4},
		[]result{{workload: workload{name: "default", spansPerTrace: 10}, rows: rows}, {workload: workload{name: "wide", spansPerTrace: 10}, rows: rows}})
	for _, want := range []string{sectionTitle, "`go run ./cmd/benche2e --out B.md`", "2 CPUs", "Test CPU", "1.0 GiB", "go1.26", "not measured: did not start", "### Workload wide",
		"| `10-contrib-twins.yaml` | 2.00× | 0.80× | 2.00× | 0.80× |"} {
		if !strings.Contains(section, want) {
			t.Fatalf("section lacks %q:\n%s", want, section)
		}
	}
}

func TestBaselineIsThePassthroughRow(t *testing.T) {
	rows := []row{{config: "05-other.yaml"}, {config: "10-passthrough.yaml"}}
	if i := baselineIndex(rows); i != 1 {
		t.Fatalf("baseline %d, want 1", i)
	}
	if i := baselineIndex([]row{{config: "a.yaml"}, {config: "b.yaml"}}); i != 0 {
		t.Fatalf("baseline without passthrough %d, want 0", i)
	}
}

func TestDescribeConfigAndMachine(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.yaml")
	if err := os.WriteFile(p, []byte("#\n# Passthrough: the floor.\n# more\nreceivers: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := describeConfig(p); got != "Passthrough: the floor." {
		t.Fatalf("description %q", got)
	}
	if got := describeConfig(filepath.Join(dir, "missing.yaml")); got != "" {
		t.Fatalf("description of a missing file %q", got)
	}
	m := describeMachine(filepath.Join(dir, "no-binary"))
	if m.cpus < 1 || m.goVersion == "" || m.date.IsZero() {
		t.Fatalf("machine %+v", m)
	}
}

func TestMedianRowPicksTheMiddleRound(t *testing.T) {
	rs := []row{
		{config: "a", itemsPerSec: 300, cpuSeconds: 3, failed: 1},
		{config: "a", itemsPerSec: 100, cpuSeconds: 1},
		{config: "a", itemsPerSec: 200, cpuSeconds: 2, stopErr: errors.New("exit 1")},
	}
	m := medianRow(rs)
	if m.itemsPerSec != 200 || m.cpuSeconds != 2 || m.failed != 1 || m.stopErr == nil || len(m.rounds) != 3 || m.rounds[0] != 300 {
		t.Fatalf("median %+v", m)
	}
	rs[1].err = errors.New("did not start")
	if m := medianRow(rs); m.err == nil || m.itemsPerSec != 200 {
		t.Fatalf("a failed round must be reported: %+v", m)
	}
}

func TestParseWorkloads(t *testing.T) {
	ws, err := parseWorkloads("default, wide,narrow,wide", options{spansPerTrace: 7, batch: 70})
	if err != nil || len(ws) != 3 || ws[0].spansPerTrace != 7 || ws[0].batch != 70 || ws[1].wide == 0 || ws[2].batch >= 10 {
		t.Fatalf("got %+v, %v", ws, err)
	}
	if _, err := parseWorkloads("default,huge", options{}); err == nil || !strings.Contains(err.Error(), `"huge"`) {
		t.Fatalf("unknown workload: got %v", err)
	}
}

func TestApplyRates(t *testing.T) {
	base := func() []workload { return []workload{{name: "default"}, {name: "wide"}, {name: "narrow"}} }
	got := func(wls []workload) []float64 {
		out := make([]float64, len(wls))
		for i, w := range wls {
			out[i] = w.rate
		}
		return out
	}
	for _, c := range []struct {
		spec string
		want []float64
	}{
		{"", []float64{0, 0, 0}},
		{"0", []float64{0, 0, 0}},
		{"5000", []float64{5000, 5000, 5000}},
		{"default=60000, narrow=15000", []float64{60000, 0, 15000}},
	} {
		wls := base()
		if err := applyRates(wls, c.spec); err != nil {
			t.Fatalf("%q: %v", c.spec, err)
		}
		if g := got(wls); !slices.Equal(g, c.want) {
			t.Fatalf("%q: rates %v, want %v", c.spec, g, c.want)
		}
	}
	for _, bad := range []string{"fast", "-1", "default=x", "default", "default=1,default=2", "huge=10", "NaN", "+Inf"} {
		if err := applyRates(base(), bad); err == nil || !strings.Contains(err.Error(), "--rate") {
			t.Fatalf("%q: error %v, want one naming --rate", bad, err)
		}
	}
}

// At a fixed offered rate the median round is the one with the median CPU
// per span, and a row that fell short of the rate is reported as such.
func TestFixedRateMedianAndShortfall(t *testing.T) {
	rs := []row{
		{config: "a.yaml", acked: 1e6, itemsPerSec: 9_990, cpuSeconds: 30, offered: 10_000},
		{config: "a.yaml", acked: 1e6, itemsPerSec: 10_000, cpuSeconds: 10, offered: 10_000},
		{config: "a.yaml", acked: 1e6, itemsPerSec: 9_995, cpuSeconds: 20, offered: 10_000},
	}
	m := medianRow(rs)
	if m.cpuPerMillion() != 20 || !slices.Equal(m.roundCPU, []float64{30, 10, 20}) {
		t.Fatalf("median %v CPU-s/M spans, rounds %v; want 20 of [30 10 20]", m.cpuPerMillion(), m.roundCPU)
	}
	// Unlimited: the median by spans/s.
	for i := range rs {
		rs[i].offered = 0
	}
	if m := medianRow(rs); m.itemsPerSec != 9_995 {
		t.Fatalf("unlimited: median %v spans/s, want 9995", m.itemsPerSec)
	}
	short := row{config: "slow.yaml", acked: 1e6, itemsPerSec: 8_000, cpuSeconds: 10, offered: 10_000}
	kept := row{config: "00-passthrough.yaml", acked: 1e6, itemsPerSec: 9_600, cpuSeconds: 10, offered: 10_000}
	section := renderSection(machine{}, settings{protocol: "gRPC", connections: 4},
		[]result{{workload: workload{name: "default", rate: 10_000}, rows: []row{kept, short}}})
	for _, want := range []string{"at a fixed offered rate (default 10000 spans/s)", "default `slow.yaml`: acknowledged 8000 spans/s of the 10000 offered"} {
		if !strings.Contains(section, want) {
			t.Fatalf("section lacks %q:\n%s", want, section)
		}
	}
	if strings.Contains(section, "`00-passthrough.yaml`: acknowledged") {
		t.Fatalf("a row at 96%% of the offered rate is reported short:\n%s", section)
	}
}

// The summary's CPU ratio pairs rows by round: a round where the whole
// machine was slow moves the passthrough and the row alike, and the median
// of the per-round ratios ignores it.
func TestPairedRatiosMedianOfRounds(t *testing.T) {
	r := func(cpu float64) row { return row{acked: 1e6, cpuSeconds: cpu, itemsPerSec: 1000} }
	rounds := [][]row{
		{r(10), r(20), r(10)}, // passthrough; round 2 slow
		{r(11), r(22), r(12)}, // ratios 1.1, 1.1, 1.2
		{r(9), r(30), r(10)},  // ratios 0.9, 1.5, 1.0
	}
	rows := []row{medianRow(rounds[0]), medianRow(rounds[1]), medianRow(rounds[2])}
	rows[0].config = "00-passthrough.yaml"
	pairedRatios(rounds, rows)
	for i, want := range []float64{1, 1.1, 1.0} {
		if got := rows[i].pairedCPU; got < want-1e-9 || got > want+1e-9 {
			t.Fatalf("row %d: paired ratio %v, want %v", i, got, want)
		}
	}
	summary := renderSummary([]result{{workload: workload{name: "default"}, rows: rows}})
	if !strings.Contains(summary, "| 1.10× |") {
		t.Fatalf("summary does not use the paired ratio:\n%s", summary)
	}
	// A round that failed on either side is left out.
	rounds[1][2].err = errors.New("down")
	pairedRatios(rounds, rows)
	if got := rows[1].pairedCPU; got < 1.1-1e-9 || got > 1.1+1e-9 {
		t.Fatalf("with a failed round: %v, want 1.1", got)
	}
}
