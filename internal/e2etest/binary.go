package e2etest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// SkipIfShort skips a test that starts the built binary when running with
// -short or with OTELGATE_SKIP_E2E=1.
func SkipIfShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	if os.Getenv("OTELGATE_SKIP_E2E") == "1" {
		t.Skip("end-to-end test: skipped with OTELGATE_SKIP_E2E=1")
	}
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildLog  []byte
)

// RepoRoot is the root of the otelgate repository (the directory holding the
// root go.mod and the Makefile).
func RepoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if ok {
		root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
		if _, err := os.Stat(filepath.Join(root, "builder-config.yaml")); err == nil {
			return root
		}
	}
	dir, _ := os.Getwd()
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "builder-config.yaml")); err == nil {
			return d
		}
	}
	return dir
}

// Binary returns the path of the otelgate binary under test: $OTELGATE_BIN when
// set (make test sets it after building), otherwise bin/otelgate built once per
// test process with `make build` (the Makefile serialises concurrent builds).
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("OTELGATE_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("OTELGATE_BIN=%s: %v", p, err)
		}
		return p
	}
	buildOnce.Do(func() {
		root := RepoRoot()
		cmd := exec.Command("make", "--no-print-directory", "build")
		cmd.Dir = root
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		buildErr = cmd.Run()
		buildLog = out.Bytes()
		buildPath = filepath.Join(root, "bin", "otelgate")
	})
	if buildErr != nil {
		t.Fatalf("make build: %v\n%s", buildErr, buildLog)
	}
	return buildPath
}

// FreeAddr returns a loopback host:port that was free when asked.
func FreeAddr(t testing.TB) string {
	t.Helper()
	a, err := gatewayproc.FreeAddr()
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	return a
}

// FreePort returns a loopback port that was free when asked.
func FreePort(t testing.TB) int {
	t.Helper()
	_, p, _ := net.SplitHostPort(FreeAddr(t))
	n, _ := strconv.Atoi(p)
	return n
}
