package testutil

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/golden"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/pmetrictest"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/ptracetest"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

var update = flag.Bool("update", false, "rewrite the expected files of testdata/golden/<case>/ from the component's output")

// Update reports whether the test binary runs with -update.
func Update() bool { return *update }

// GoldenDir is where a component's golden cases live, one directory each.
var GoldenDir = filepath.Join("testdata", "golden")

// GoldenCase is one directory testdata/golden/<Name>/ holding config.yaml
// (the component's configuration over its defaults), input.yaml (what goes
// in) and expected.yaml (what must come out). A component may keep further
// files of its own in the directory (more inputs, a second output).
type GoldenCase struct {
	Name string
	Dir  string
	// T is the case's subtest under RunGolden and RunGoldenSignals.
	T *testing.T
}

// Path is the path of file in the case's directory.
func (c GoldenCase) Path(file string) string { return filepath.Join(c.Dir, file) }

// Exists reports whether file is in the case's directory.
func (c GoldenCase) Exists(file string) bool {
	_, err := os.Stat(c.Path(file))
	return err == nil
}

// LoadConfig unmarshals config.yaml over cfg (the factory's default config)
// and validates the result.
func (c GoldenCase) LoadConfig(t testing.TB, cfg component.Config) {
	t.Helper()
	cm, err := confmaptest.LoadConf(c.Path("config.yaml"))
	require.NoError(t, err)
	require.NoError(t, cm.Unmarshal(cfg), "%s: config.yaml", c.Name)
	require.NoError(t, confmap.Validate(cfg), "%s: config.yaml", c.Name)
}

// Traces reads file of the case (input.yaml when file is empty).
func (c GoldenCase) Traces(t testing.TB, file string) ptrace.Traces {
	t.Helper()
	td, err := golden.ReadTraces(c.Path(orInput(file)))
	require.NoError(t, err)
	return td
}

// Metrics reads file of the case (input.yaml when file is empty).
func (c GoldenCase) Metrics(t testing.TB, file string) pmetric.Metrics {
	t.Helper()
	md, err := golden.ReadMetrics(c.Path(orInput(file)))
	require.NoError(t, err)
	return md
}

// Logs reads file of the case (input.yaml when file is empty).
func (c GoldenCase) Logs(t testing.TB, file string) plog.Logs {
	t.Helper()
	ld, err := golden.ReadLogs(c.Path(orInput(file)))
	require.NoError(t, err)
	return ld
}

func orInput(file string) string {
	if file == "" {
		return "input.yaml"
	}
	return file
}

// ExpectTraces compares got with the case's file (expected.yaml when file is
// empty), after rewriting the file from got under -update.
func (c GoldenCase) ExpectTraces(t testing.TB, file string, got ptrace.Traces, opts ...ptracetest.CompareTracesOption) {
	t.Helper()
	expect(t, c, file, got, ptrace.Traces.CopyTo, ptrace.NewTraces,
		func(path string, td ptrace.Traces) error { return golden.WriteTracesToFile(path, td) },
		golden.ReadTraces,
		func(want, got ptrace.Traces) error { return ptracetest.CompareTraces(want, got, opts...) })
}

// ExpectMetrics compares got with the case's file (expected.yaml when file
// is empty), after rewriting the file from got under -update. Timestamps are
// written as they are.
func (c GoldenCase) ExpectMetrics(t testing.TB, file string, got pmetric.Metrics, opts ...pmetrictest.CompareMetricsOption) {
	t.Helper()
	expect(t, c, file, got, pmetric.Metrics.CopyTo, pmetric.NewMetrics,
		func(path string, md pmetric.Metrics) error {
			return golden.WriteMetricsToFile(path, md, golden.SkipMetricTimestampNormalization())
		},
		golden.ReadMetrics,
		func(want, got pmetric.Metrics) error { return pmetrictest.CompareMetrics(want, got, opts...) })
}

// ExpectLogs compares got with the case's file (expected.yaml when file is
// empty), after rewriting the file from got under -update.
func (c GoldenCase) ExpectLogs(t testing.TB, file string, got plog.Logs, opts ...plogtest.CompareLogsOption) {
	t.Helper()
	expect(t, c, file, got, plog.Logs.CopyTo, plog.NewLogs,
		func(path string, ld plog.Logs) error { return golden.WriteLogsToFile(path, ld) },
		golden.ReadLogs,
		func(want, got plog.Logs) error { return plogtest.CompareLogs(want, got, opts...) })
}

// expect is the comparison of the three signals. The golden writer sorts
// what it is given, so it gets a copy and the comparison sees the
// component's own order.
func expect[T any](t testing.TB, c GoldenCase, file string, got T,
	copyTo func(T, T), create func() T,
	write func(string, T) error, read func(string) (T, error), compare func(want, got T) error,
) {
	t.Helper()
	path := c.Path(orExpected(file))
	if *update {
		cp := create()
		copyTo(got, cp)
		require.NoError(t, write(path, cp))
	}
	want, err := read(path)
	require.NoError(t, err)
	require.NoError(t, compare(want, got), "%s: %s", c.Name, path)
}

func orExpected(file string) string {
	if file == "" {
		return "expected.yaml"
	}
	return file
}

// GoldenCases lists the case directories under testdata/golden (every
// directory holding a config.yaml), failing the test when there is none.
func GoldenCases(t testing.TB) []GoldenCase {
	t.Helper()
	entries, err := os.ReadDir(GoldenDir)
	require.NoError(t, err)
	var cases []GoldenCase
	for _, e := range entries {
		dir := filepath.Join(GoldenDir, e.Name())
		if _, err := os.Stat(filepath.Join(dir, "config.yaml")); e.IsDir() && err == nil {
			cases = append(cases, GoldenCase{Name: e.Name(), Dir: dir})
		}
	}
	require.NotEmpty(t, cases, "no golden cases under %s", GoldenDir)
	return cases
}

// RunGolden runs fn as a subtest for every golden case; c.T is the subtest.
func RunGolden(t *testing.T, fn func(c GoldenCase)) {
	t.Helper()
	for _, c := range GoldenCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			c.T = t
			fn(c)
		})
	}
}

// Signals is what a case of RunGoldenSignals runs: for each signal, how the
// component turns the input into its output, and how the output compares
// with expected.yaml. A nil function fails the cases of that signal. The
// functions run in the case's subtest (the c.T setup was given).
type Signals struct {
	Traces         func(in ptrace.Traces) ptrace.Traces
	Metrics        func(in pmetric.Metrics) pmetric.Metrics
	Logs           func(in plog.Logs) plog.Logs
	TracesOptions  []ptracetest.CompareTracesOption
	MetricsOptions []pmetrictest.CompareMetricsOption
	LogsOptions    []plogtest.CompareLogsOption
}

// RunGoldenSignals runs the golden cases of a component with several
// signals: a case named traces_<...>, metrics_<...> or logs_<...> reads
// input.yaml as that signal, gives it to the function setup returns for the
// signal, and compares the output with expected.yaml.
func RunGoldenSignals(t *testing.T, setup func(c GoldenCase) Signals) {
	t.Helper()
	RunGolden(t, func(c GoldenCase) {
		t := c.T
		s := setup(c)
		signal, _, _ := strings.Cut(c.Name, "_")
		switch {
		case signal == "traces" && s.Traces != nil:
			c.ExpectTraces(t, "", s.Traces(c.Traces(t, "")), s.TracesOptions...)
		case signal == "metrics" && s.Metrics != nil:
			c.ExpectMetrics(t, "", s.Metrics(c.Metrics(t, "")), s.MetricsOptions...)
		case signal == "logs" && s.Logs != nil:
			c.ExpectLogs(t, "", s.Logs(c.Logs(t, "")), s.LogsOptions...)
		default:
			t.Fatalf("case %s: the name must start with traces_, metrics_ or logs_ of a signal the component runs", c.Name)
		}
	})
}
