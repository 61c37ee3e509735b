package main

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// sectionTitle heads the section of BENCHMARKS.md this program owns.
const sectionTitle = "## End-to-end pipelines (make bench-e2e)"

// row is the measurement of one pipeline config.
type row struct {
	config      string // file name
	description string // first comment line of the file
	err         error  // set when the pipeline could not be measured

	acked       int64 // items the gateway acknowledged during the measured window
	failed      int64 // items not acknowledged (failed or rejected)
	itemsPerSec float64
	cpuSeconds  float64
	peakRSS     int64 // bytes
	sinkItems   int64
	sinkBytes   int64
	stopErr     error // the gateway's exit after SIGTERM

	rounds   []float64 // spans/s of every round, in run order
	roundCPU []float64 // CPU-s per million spans of every round, in run order
	batch    int64     // spans per request
	offered  float64   // offered spans/s; 0: as fast as acknowledged
	// pairedCPU is the median over rounds of the row's CPU per span over
	// the passthrough's in the same round; 0 when not computed.
	pairedCPU float64
}

// shortOfOffered is true when the row acknowledged less than 95% of a
// fixed offered rate: it could not keep up, so it was not measured at that
// rate.
func (r row) shortOfOffered() bool {
	return r.offered > 0 && r.itemsPerSec < 0.95*r.offered
}

// result is the rows of one workload.
type result struct {
	workload workload
	rows     []row
}

func (r row) cpuPerMillion() float64 {
	if r.acked == 0 {
		return 0
	}
	return r.cpuSeconds / (float64(r.acked) / 1e6)
}

// machine describes where the numbers were taken.
type machine struct {
	cpus       int
	cpuModel   string
	memory     string
	goVersion  string
	binVersion string
	loadAvg    string // 1, 5 and 15 minute load averages when the run started
	date       time.Time
}

func describeMachine(bin string) machine {
	m := machine{cpus: runtime.NumCPU(), goVersion: runtime.Version(), date: time.Now().UTC(), cpuModel: "unknown", memory: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpuModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					m.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.loadAvg = strings.Join(f[:3], " ")
		}
	}
	if info, err := buildinfo.ReadFile(bin); err == nil {
		m.binVersion = info.GoVersion
	}
	return m
}

// settings are the load shape, printed with the table.
type settings struct {
	command     string
	duration    time.Duration
	warmup      time.Duration
	connections int
	protocol    string
	rounds      int
	viaMake     bool // started by make (MAKELEVEL is set)
}

// renderSection writes the section: heading, context, one table per
// workload, a summary of the ratios and notes.
func renderSection(m machine, s settings, results []result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", sectionTitle)
	fmt.Fprintf(&b, "The gateway binary under load from the load generator, one pipeline config of `bench/` after another, on every workload, in one run.\n\n")
	if s.viaMake {
		fmt.Fprintf(&b, "- Command: `make bench-e2e`, which runs `%s`\n", s.command)
	} else {
		fmt.Fprintf(&b, "- Command: `%s`\n", s.command)
	}
	fmt.Fprintf(&b, "- Date: %s\n", m.date.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "- Machine: %d CPUs (`nproc`), %s, %s memory\n", m.cpus, m.cpuModel, m.memory)
	gov := m.goVersion
	if m.binVersion != "" && m.binVersion != m.goVersion {
		gov += " (gateway built with " + m.binVersion + ")"
	}
	fmt.Fprintf(&b, "- Go: %s\n", gov)
	if m.loadAvg != "" {
		fmt.Fprintf(&b, "- Load average when the run started: %s (1, 5, 15 min; other work on the machine moves the absolute numbers)\n", m.loadAvg)
	}
	if offered := offeredRates(results); offered != "" {
		fmt.Fprintf(&b, "- Load: OTLP/%s, %d connections, at a fixed offered rate (%s), %s measured after %s of warm-up, "+
			"%d rounds over all workloads and pipelines in turn; each row is its median round by CPU per span. "+
			"Every row does the same work per second, so per-second costs (timers, telemetry, the runtime) weigh the same in every row; "+
			"a row that acknowledged less than 95%% of the offered rate is listed under Problems.\n\n",
			s.protocol, s.connections, offered, s.duration, s.warmup, s.rounds)
	} else {
		fmt.Fprintf(&b, "- Load: OTLP/%s, %d connections, as fast as the gateway acknowledges, %s measured after %s of warm-up, "+
			"%d rounds over all workloads and pipelines in turn; each row is its median round by spans/s. "+
			"The load generator and the sink run in one process on the same machine as the gateway, so they share its CPUs: "+
			"read the ratios between rows rather than the absolute spans/s.\n\n",
			s.protocol, s.connections, s.duration, s.warmup, s.rounds)
	}

	b.WriteString(renderSummary(results))
	if s.rounds > 1 {
		b.WriteString("\nIn this summary, CPU vs passthrough is the median over rounds of each round's CPU per span over the passthrough's in the same round " +
			"(the rows of a round run back to back, so the machine's slow stretches move both sides of a ratio); " +
			"the tables below give each row's median round and its ratio to the passthrough's median round.\n")
	}
	b.WriteString("\n")
	for _, res := range results {
		w := res.workload
		var batch int64
		for _, r := range res.rows {
			batch = max(batch, r.batch)
		}
		fmt.Fprintf(&b, "### Workload %s\n\nTraces of %d spans, %d spans per request: %s.\n\n", w.name, w.spansPerTrace, batch, w.about)
		b.WriteString(renderTable(res.rows))
		b.WriteString("\n")
	}
	b.WriteString("- **spans/s**: spans the gateway acknowledged per second of the measured window.\n")
	b.WriteString("- **CPU-s / M spans**: the gateway's user+system CPU time (`/proc/<pid>/stat`) over the measured window and the drain that follows it, per million spans acknowledged.\n")
	b.WriteString("- **peak RSS**: the gateway's `VmHWM` (`/proc/<pid>/status`) at the end of the run.\n")
	b.WriteString("- **at sink**: spans and protobuf MiB the sink received for the measured window; **kept** is spans at sink / spans acknowledged.\n")
	b.WriteString("- **vs passthrough**: spans/s, CPU-s / M spans and peak RSS as a ratio to the passthrough row of the same workload. " +
		"A pipeline that drops spans leaves more of the shared CPUs to the load generator and the sink, so its spans/s can exceed the passthrough's; " +
		"CPU-s / M spans is the gateway's own cost.\n\n")
	b.WriteString("Pipelines:\n\n")
	for i, r := range results[0].rows {
		fmt.Fprintf(&b, "- `%s`: %s", r.config, r.description)
		for _, res := range results {
			if i < len(res.rows) && len(res.rows[i].rounds) > 1 {
				rates := make([]string, len(res.rows[i].rounds))
				for j, v := range res.rows[i].rounds {
					rates[j] = fmt.Sprintf("%.0f", v)
				}
				fmt.Fprintf(&b, " (%s spans/s by round: %s)", res.workload.name, strings.Join(rates, ", "))
			}
			if i < len(res.rows) && len(res.rows[i].roundCPU) > 1 && res.rows[i].offered > 0 {
				cpus := make([]string, len(res.rows[i].roundCPU))
				for j, v := range res.rows[i].roundCPU {
					cpus[j] = fmt.Sprintf("%.2f", v)
				}
				fmt.Fprintf(&b, " (%s CPU-s / M spans by round: %s)", res.workload.name, strings.Join(cpus, ", "))
			}
		}
		b.WriteString("\n")
	}
	var problems []string
	for _, res := range results {
		for _, r := range res.rows {
			if r.err != nil {
				problems = append(problems, fmt.Sprintf("- %s `%s`: not measured: %v\n", res.workload.name, r.config, r.err))
			}
			if r.err == nil && r.shortOfOffered() {
				problems = append(problems, fmt.Sprintf("- %s `%s`: acknowledged %.0f spans/s of the %.0f offered: it could not keep up, so its CPU per span is not at the offered rate\n",
					res.workload.name, r.config, r.itemsPerSec, r.offered))
			}
			if r.failed > 0 {
				problems = append(problems, fmt.Sprintf("- %s `%s`: %d spans were not acknowledged by the gateway\n", res.workload.name, r.config, r.failed))
			}
			if r.stopErr != nil {
				problems = append(problems, fmt.Sprintf("- %s `%s`: gateway exit after SIGTERM: %v\n", res.workload.name, r.config, r.stopErr))
			}
		}
	}
	if len(problems) > 0 {
		b.WriteString("\nProblems:\n\n")
		b.WriteString(strings.Join(problems, ""))
	}
	return b.String()
}

// offeredRates describes the fixed offered rates of a run, empty when every
// workload ran as fast as acknowledged.
func offeredRates(results []result) string {
	var parts []string
	for _, res := range results {
		if res.workload.rate > 0 {
			parts = append(parts, fmt.Sprintf("%s %.0f spans/s", res.workload.name, res.workload.rate))
		} else {
			parts = append(parts, res.workload.name+" as fast as acknowledged")
		}
	}
	for _, res := range results {
		if res.workload.rate > 0 {
			return strings.Join(parts, ", ")
		}
	}
	return ""
}

// renderSummary is one line per pipeline with its CPU per span and peak RSS
// as ratios to the passthrough, per workload; the CPU ratio is the paired
// one (median over rounds of each round's ratio) when computed.
func renderSummary(results []result) string {
	var b strings.Builder
	b.WriteString("| pipeline |")
	for _, res := range results {
		fmt.Fprintf(&b, " %s: CPU vs passthrough | %s: peak RSS vs passthrough |", res.workload.name, res.workload.name)
	}
	b.WriteString("\n|---|")
	for range results {
		b.WriteString("---:|---:|")
	}
	b.WriteString("\n")
	for i, r := range results[0].rows {
		fmt.Fprintf(&b, "| `%s` |", r.config)
		for _, res := range results {
			if i >= len(res.rows) || res.rows[i].err != nil {
				b.WriteString(" - | - |")
				continue
			}
			base := res.rows[baselineIndex(res.rows)]
			x := res.rows[i]
			cpu := ratio(x.cpuPerMillion(), base.cpuPerMillion())
			if x.pairedCPU > 0 {
				cpu = fmt.Sprintf("%.2f×", x.pairedCPU)
			}
			fmt.Fprintf(&b, " %s | %s |", cpu, ratio(float64(x.peakRSS), float64(base.peakRSS)))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// baselineIndex is the passthrough row: the first whose file name contains
// "passthrough", else the first row.
func baselineIndex(rows []row) int {
	for i, r := range rows {
		if strings.Contains(r.config, "passthrough") && r.err == nil {
			return i
		}
	}
	return 0
}

func renderTable(rows []row) string {
	var b strings.Builder
	b.WriteString("| pipeline | spans/s | CPU-s / M spans | peak RSS MiB | spans at sink | MiB at sink | kept | spans/s vs passthrough | CPU vs passthrough | peak RSS vs passthrough |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	base := rows[baselineIndex(rows)]
	for _, r := range rows {
		if r.err != nil {
			fmt.Fprintf(&b, "| `%s` | not measured | | | | | | | | |\n", r.config)
			continue
		}
		kept := "-"
		if r.acked > 0 {
			kept = fmt.Sprintf("%.1f%%", 100*float64(r.sinkItems)/float64(r.acked))
		}
		fmt.Fprintf(&b, "| `%s` | %.0f | %.2f | %.0f | %d | %.1f | %s | %s | %s | %s |\n",
			r.config, r.itemsPerSec, r.cpuPerMillion(), float64(r.peakRSS)/(1<<20), r.sinkItems,
			float64(r.sinkBytes)/(1<<20), kept, ratio(r.itemsPerSec, base.itemsPerSec), ratio(r.cpuPerMillion(), base.cpuPerMillion()),
			ratio(float64(r.peakRSS), float64(base.peakRSS)))
	}
	return b.String()
}

func ratio(v, base float64) string {
	if base == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", v/base)
}

// replaceSection returns doc with the section titled sectionTitle replaced
// by section (which starts with that title), keeping every other section;
// the section is appended when doc has none, and doc gets a title when
// empty.
func replaceSection(doc, section string) string {
	section = strings.TrimRight(section, "\n") + "\n"
	if strings.TrimSpace(doc) == "" {
		return "# otelgate benchmarks\n\n" + section
	}
	lines := strings.SplitAfter(doc, "\n")
	start, end := -1, len(lines)
	for i, l := range lines {
		t := strings.TrimRight(l, "\r\n")
		if start < 0 {
			if t == sectionTitle {
				start = i
			}
			continue
		}
		if strings.HasPrefix(t, "## ") || t == "##" {
			end = i
			break
		}
	}
	if start < 0 {
		doc = strings.TrimRight(doc, "\n") + "\n\n"
		return doc + section
	}
	before := strings.Join(lines[:start], "")
	after := strings.Join(lines[end:], "")
	if after != "" {
		section += "\n"
	}
	return before + section + after
}
