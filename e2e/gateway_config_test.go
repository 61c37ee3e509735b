package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/internal/gatewayproc"
	"github.com/otelgate/otelgate/internal/loadgen"
)

// TestGatewayConfigWithoutBackend: the gateway's config.yaml starts and stays
// healthy with nothing listening at the backend address, keeps accepting data,
// says clearly that exports fail and are retried, and exits cleanly on SIGTERM.
func TestGatewayConfigWithoutBackend(t *testing.T) {
	e2etest.SkipIfShort(t)
	nobody := e2etest.FreeAddr(t) // free, so nothing listens there
	gw := e2etest.StartGateway(t, e2etest.GatewayOptions{
		Config: "config.yaml",
		Env:    map[string]string{"OTELGATE_BACKEND_ENDPOINT": nobody},
	})
	gen := loadgen.New(loadgen.Config{Seed: 5, Services: 3, SpansPerTrace: 4})
	gw.SendTraces(t, gen.Traces(50))
	gw.SendLogs(t, gen.Logs(50))

	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(gw.Output(), "Exporting failed. Will retry the request after interval.") {
		if time.Now().After(deadline) {
			t.Fatalf("no retry log line after 30s with the backend down:\n%s", gw.Output())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(gw.Output(), nobody) {
		t.Errorf("the failure log does not name the backend address %s", nobody)
	}
	if err := gw.WaitHealthy(5 * time.Second); err != nil {
		t.Fatalf("gateway unhealthy with the backend down: %v", err)
	}
	if got := gw.Metric(t, "otelcol_receiver_accepted_spans", nil); got != 200 {
		t.Errorf("accepted spans = %v, want 200", got)
	}
	gw.Stop(t)
}

// TestGatewayConfigWithoutKeyRing: without its key file the gateway refuses
// to start (it would otherwise forward personal data in clear), and says which
// file is missing and how to create it.
func TestGatewayConfigWithoutKeyRing(t *testing.T) {
	e2etest.SkipIfShort(t)
	missing := filepath.Join(t.TempDir(), "keys.yaml")
	gw, err := gatewayproc.Start(gatewayproc.Options{
		Binary:  e2etest.Binary(t),
		Config:  "config.yaml",
		Dir:     t.TempDir(),
		Env:     map[string]string{gatewayproc.EnvKeysFile: missing},
		WorkDir: e2etest.RepoRoot(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Kill()
	exited, err := gw.Wait(30 * time.Second)
	if !exited {
		t.Fatalf("the gateway kept running without its key ring:\n%s", gw.Output())
	}
	if err == nil {
		t.Errorf("the gateway exited with status 0 without its key ring")
	}
	for _, want := range []string{missing, "otelgate-keys generate"} {
		if !strings.Contains(gw.Output(), want) {
			t.Errorf("the start-up error does not mention %q:\n%s", want, gw.Output())
		}
	}
}
