package testutil

import (
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/processor"
	"go.yaml.in/yaml/v3"
)

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// ReadmeExample is one component configured in a ```yaml block of a README.
type ReadmeExample struct {
	Block int // index of the block among the README's yaml blocks
	ID    component.ID
	Conf  *confmap.Conf
}

func (e ReadmeExample) String() string { return fmt.Sprintf("yaml block %d: %s", e.Block, e.ID) }

// ReadmeExamples returns every component of type typ under section
// ("processors", "exporters" or "extensions") of the yaml blocks of the
// README at path, as written (${env:...} references are not resolved).
// Blocks that are not a map (a table file, a list) are not configurations.
func ReadmeExamples(t testing.TB, path, section string, typ component.Type) []ReadmeExample {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []ReadmeExample
	for i, b := range yamlBlock.FindAllStringSubmatch(string(raw), -1) {
		var doc any
		require.NoError(t, yaml.Unmarshal([]byte(b[1]), &doc), "%s: yaml block %d", path, i)
		m, isMap := doc.(map[string]any)
		if !isMap {
			continue // a table, a list of tokens: not a collector configuration
		}
		cm := confmap.NewFromStringMap(m)
		if !cm.IsSet(section) {
			continue
		}
		sec, err := cm.Sub(section)
		require.NoError(t, err)
		for key := range sec.ToStringMap() {
			var id component.ID
			require.NoError(t, id.UnmarshalText([]byte(key)), "%s: yaml block %d", path, i)
			if id.Type() != typ {
				continue
			}
			sub, err := sec.Sub(key)
			require.NoError(t, err)
			out = append(out, ReadmeExample{Block: i, ID: id, Conf: sub})
		}
	}
	return out
}

// CheckReadme unmarshals every example of the factory's component in the
// README at path into the factory's default config, lets fix (when not nil)
// fill in what the example reads from the environment, and validates it. It
// returns the examples it checked.
func CheckReadme(t testing.TB, path string, f component.Factory, fix func(ReadmeExample, component.Config)) []ReadmeExample {
	t.Helper()
	examples := ReadmeExamples(t, path, section(t, f), f.Type())
	for _, e := range examples {
		cfg := f.CreateDefaultConfig()
		require.NoError(t, e.Conf.Unmarshal(cfg), "%s: %s", path, e)
		if fix != nil {
			fix(e, cfg)
		}
		require.NoError(t, confmap.Validate(cfg), "%s: %s", path, e)
	}
	return examples
}

func section(t testing.TB, f component.Factory) string {
	t.Helper()
	switch f.(type) {
	case processor.Factory:
		return "processors"
	case exporter.Factory:
		return "exporters"
	case extension.Factory:
		return "extensions"
	}
	t.Fatalf("factory %T is not a processor, exporter or extension factory", f)
	return ""
}

// LoadConfig unmarshals the section id (a component ID such as
// "enrichment/lookups"; "" for the whole file) of the collector-style YAML
// file at path over the factory's default config. Validation is the
// caller's: a test of bad configs wants the error.
func LoadConfig(t testing.TB, path, id string, f component.Factory) component.Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(path)
	require.NoError(t, err)
	if id != "" {
		cm, err = cm.Sub(id)
		require.NoError(t, err)
	}
	cfg := f.CreateDefaultConfig()
	require.NoError(t, cm.Unmarshal(cfg), "%s: %s", path, id)
	return cfg
}
