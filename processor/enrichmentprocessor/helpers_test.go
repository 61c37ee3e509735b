package enrichmentprocessor

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelgate/otelgate/internal/testutil"
	"github.com/otelgate/otelgate/processor/enrichmentprocessor/internal/metadata"
)

// loadConfig reads the enrichment section named id from a collector-style YAML file.
func loadConfig(t testing.TB, path, id string) *Config {
	t.Helper()
	cfg := testutil.LoadConfig(t, path, id, NewFactory()).(*Config)
	require.NoError(t, confmap.Validate(cfg))
	return cfg
}

// requestContext carries the client metadata an OTLP receiver with
// include_metadata passes on.
func requestContext(headers map[string][]string) context.Context {
	return client.NewContext(context.Background(), client.Info{Metadata: client.NewMetadata(headers)})
}

// gatewayEnv is the environment of a gateway pod in the golden cases.
func setGatewayEnv(t *testing.T) {
	t.Helper()
	t.Setenv("K8S_CLUSTER_NAME", "gw-cluster")
	t.Setenv("DEPLOYMENT_ENVIRONMENT_NAME", "production")
	t.Setenv("CLOUD_REGION", "eu-west-1")
	t.Setenv("K8S_POD_NAME", "otelgate-0")
	t.Setenv("K8S_NODE_NAME", "node-7")
}

// startAll creates and starts the processor for the three signals with settings set.
func startAll(t testing.TB, cfg *Config, set processor.Settings) *testutil.Processors {
	t.Helper()
	return testutil.StartProcessors(t, NewFactory(), set, cfg, nil)
}

func nopSettings() processor.Settings { return processortest.NewNopSettings(metadata.Type) }

func testdata(parts ...string) string {
	return filepath.Join(append([]string{"testdata"}, parts...)...)
}
