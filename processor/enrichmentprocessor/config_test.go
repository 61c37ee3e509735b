package enrichmentprocessor

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelgate/otelgate/internal/testutil"
)

func TestConfigStruct(t *testing.T) {
	require.NoError(t, componenttest.CheckConfigStruct(createDefaultConfig()))
}

func TestLoadConfig(t *testing.T) {
	path := testdata("config.yaml")
	gw := loadConfig(t, path, "enrichment/gateway")
	assert.Equal(t, []AuthAttribute{{Attribute: "tenant", Key: "tenant.id"}}, gw.Auth)
	assert.True(t, gw.Environment.HasValue(), "environment: {} enables the source")
	assert.Equal(t, []LookupConfig{{
		Name: "ownership", File: "testdata/tables/ownership.csv", Key: []string{"service.name"},
		Columns: []string{"team", "owner", "tier", "cost_center"}, DefaultKey: "*", Action: ActionInsert,
	}}, gw.Lookups)

	env := loadConfig(t, path, "enrichment/environment")
	assert.Equal(t, EnvironmentConfig{
		Keys:      []string{"k8s.cluster.name", "k8s.pod.name", "k8s.node.name", "host.name"},
		Variables: map[string]string{"k8s.cluster.name": "CLUSTER"},
		Prefix:    "otelgate.gateway.", Action: ActionUpsert,
	}, *env.Environment.Get())

	lk := loadConfig(t, path, "enrichment/lookups")
	assert.Equal(t, LookupConfig{
		Name: "routes", File: "testdata/golden/tables/routes.yaml", Format: "yaml",
		Key: []string{"service.name", "http.route"}, KeyColumns: []string{"service.name", "http.route"},
		Columns: []string{"slo"}, Prefix: "route.", Action: ActionUpsert, Level: LevelRecord,
		ReloadInterval: 10 * time.Second, MaxRows: 5000,
	}, lk.Lookups[0])

	// Every example also starts.
	for _, id := range []string{"enrichment/gateway", "enrichment/environment", "enrichment/lookups"} {
		cfg := loadConfig(t, path, id)
		startAll(t, cfg, nopSettings())
	}
}

// TestStaticValuesFromEnv resolves the config the way the collector does, so
// ${env:VAR} is expanded by the collector's env provider, inside a string too.
func TestStaticValuesFromEnv(t *testing.T) {
	t.Setenv("DEPLOY_ENV", "production")
	t.Setenv("REGION", "eu-west-1")
	t.Setenv("BUILD_NUMBER", "0042")
	abs, err := filepath.Abs(testdata("config.yaml"))
	require.NoError(t, err)
	r, err := confmap.NewResolver(confmap.ResolverSettings{
		URIs:              []string{"file:" + abs},
		ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory()},
		DefaultScheme:     "env",
	})
	require.NoError(t, err)
	conf, err := r.Resolve(context.Background())
	require.NoError(t, err)
	sub, err := conf.Sub("enrichment/static")
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	require.NoError(t, cfg.Validate())
	assert.Equal(t, []StaticAttribute{
		{Key: "deployment.environment.name", Value: "production", Action: ActionInsert},
		{Key: "otelgate.gateway.region", Value: "region-eu-west-1"},
		// The string keeps its leading zeros: values are strings.
		{Key: "build.number", Value: "0042", Level: LevelRecord},
	}, cfg.Static)
}

func TestValidate(t *testing.T) {
	env := configoptional.Some(EnvironmentConfig{Keys: []string{"k8s.pod.name", "my.key"}, Action: "replace"})
	for _, c := range []struct {
		name string
		cfg  Config
		want []string
	}{
		{"empty", Config{}, []string{"no source configured"}},
		{"static", Config{Static: []StaticAttribute{{Value: "x"}, {Key: "k", Action: "delete", Level: "scope"}}}, []string{
			"static[0].key: must not be empty",
			`static[1].action: must be insert, update or upsert, got "delete"`,
			`static[1].level: must be resource or record, got "scope"`,
		}},
		{"environment", Config{Environment: env}, []string{
			`environment.keys[1]: unknown key "my.key"`,
			`environment.action: must be insert, update or upsert, got "replace"`,
		}},
		{"lookups", Config{Lookups: []LookupConfig{
			{File: "t.txt", Key: []string{"a", ""}, KeyColumns: []string{"x"}, ReloadInterval: -time.Second, MaxRows: -1},
			{File: "dir/t.csv", Format: "xml"},
			{File: "other/t.csv", Key: []string{"a"}},
			{File: "k.csv", Key: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}},
		}}, []string{
			`lookups[0].format: cannot tell from the file name "t.txt"`,
			"lookups[0].key[1]: must not be empty",
			"lookups[0].key_columns: must name as many columns as key (2), got 1",
			"lookups[0].reload_interval: must not be negative, got -1s",
			"lookups[0].max_rows: must not be negative, got -1",
			`lookups[1].format: must be csv, json or yaml, got "xml"`,
			"lookups[1].key: must name at least one attribute",
			`lookups[2].name: "t" is also the name of lookups[1]`,
			"lookups[3].key: at most 8 attributes, got 9",
		}},
		{"metadata", Config{Metadata: []MetadataAttribute{{Key: "k"}, {Header: "Authorization", Key: "auth"}, {Header: "Cookie"}}}, []string{
			"metadata[0].header: must not be empty",
			`metadata[1].header: "Authorization" carries credentials and is never copied into telemetry`,
			`metadata[2].header: "Cookie" carries credentials`,
			"metadata[2].key: must not be empty",
		}},
		{"auth", Config{Auth: []AuthAttribute{{Key: "tenant.id"}, {Attribute: "tenant", Key: "tenant.id"}, {Attribute: "tenant", Level: "scope"}}}, []string{
			"auth[0].attribute: must name an attribute of the authenticated identity",
			`auth[1].key: "tenant.id" is also written by auth[0]`,
			"auth[2].key: must not be empty",
			`auth[2].level: must be resource or record, got "scope"`,
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.cfg.Validate()
			require.Error(t, err)
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestReadmeExamples: every enrichment processor in a YAML example of
// README.md validates and is one of the entries of testdata/config.yaml
// (which TestLoadConfig loads and starts), so the README cannot drift from
// them.
func TestReadmeExamples(t *testing.T) {
	tested, err := confmaptest.LoadConf(testdata("config.yaml"))
	require.NoError(t, err)
	examples := testutil.CheckReadme(t, "README.md", NewFactory(), nil)
	for _, e := range examples {
		want, err := tested.Sub(e.ID.String())
		require.NoError(t, err)
		require.Equal(t, want.ToStringMap(), e.Conf.ToStringMap(), "README example %s differs from testdata/config.yaml", e.ID)
	}
	require.Len(t, examples, 4, "README examples found")
}

// TestGatewayKeyWithoutPrefixWarns: writing the gateway's own pod or host
// under the sender's keys is allowed (an agent next to the sender may want
// it) but warned about at start.
func TestGatewayKeyWithoutPrefixWarns(t *testing.T) {
	for _, c := range []struct {
		prefix string
		warns  int
	}{{"", 2}, {"otelgate.gateway.", 0}} {
		core, logs := observer.New(zap.WarnLevel)
		set := nopSettings()
		set.Logger = zap.New(core)
		cfg := &Config{Environment: configoptional.Some(EnvironmentConfig{
			Keys: []string{"k8s.cluster.name", "k8s.pod.name", "host.name"}, Prefix: c.prefix,
		})}
		require.NoError(t, cfg.Validate())
		startAll(t, cfg, set)
		warned := logs.FilterMessageSnippet("describes the gateway itself").All()
		require.Len(t, warned, c.warns, "prefix %q", c.prefix)
		for _, w := range warned {
			assert.Contains(t, []string{"k8s.pod.name", "host.name"}, w.ContextMap()["key"])
		}
	}
}
