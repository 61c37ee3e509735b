package source

import (
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/client"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestActions(t *testing.T) {
	for _, c := range []struct {
		a       Action
		present bool
		want    string
		changed bool
	}{
		{Insert, false, "new", true}, {Insert, true, "old", false},
		{Update, false, "", false}, {Update, true, "new", true},
		{Upsert, false, "new", true}, {Upsert, true, "new", true},
	} {
		m := pcommon.NewMap()
		if c.present {
			m.PutStr("k", "old")
		}
		assert.Equal(t, c.changed, c.a.Put(m, "k", "new"))
		v, ok := m.Get("k")
		assert.Equal(t, c.want != "", ok)
		if ok {
			assert.Equal(t, c.want, v.Str())
		}
	}
	// Writing the value already there is not a change; a non-string is replaced.
	m := pcommon.NewMap()
	m.PutStr("k", "v")
	m.PutInt("n", 1)
	assert.False(t, Upsert.Put(m, "k", "v"))
	assert.True(t, Upsert.Put(m, "n", "1"))
	assert.Equal(t, pcommon.ValueTypeStr, func() pcommon.ValueType { v, _ := m.Get("n"); return v.Type() }())
}

func TestEnvironment(t *testing.T) {
	vars := map[string]string{"K8S_CLUSTER_NAME": "prod-eu", "K8S_POD_NAME": "otelgate-1", "MY_ZONE": "b", "CLOUD_REGION": ""}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	osHostname = func() (string, error) { return "gw-host", nil }
	t.Cleanup(func() { osHostname = defaultHostname })
	env, missing := NewEnvironment(EnvSettings{
		Keys:      []string{"k8s.cluster.name", "k8s.pod.name", "cloud.region", "cloud.availability_zone", "host.name", "os.type", "k8s.node.name"},
		Variables: map[string]string{"cloud.availability_zone": "MY_ZONE"},
		Action:    Insert, LookupEnv: lookup,
	})
	assert.ElementsMatch(t, []string{"cloud.region", "k8s.node.name"}, missing, "unset or empty variables are left out")
	m := pcommon.NewMap()
	m.PutStr("k8s.pod.name", "sender-pod")
	var st Stats
	env.Bind(context.Background()).Apply(m, m, &st)
	assert.Equal(t, map[string]any{
		"k8s.cluster.name": "prod-eu", "k8s.pod.name": "sender-pod", "cloud.availability_zone": "b",
		"host.name": "gw-host", "os.type": runtime.GOOS,
	}, m.AsRaw(), "insert never overwrites the sender's pod name")
	assert.EqualValues(t, 4, st.Added[KindEnvironment])
	assert.Equal(t, []string{"cloud.region", "deployment.environment.name", "k8s.cluster.name"}, DefaultEnvKeys())
}

// TestMetadataHeaderCase: configured header names match whatever case the
// request used; the receiver's include_metadata keeps the header names as
// sent and client.Metadata looks them up case-insensitively.
func TestMetadataHeaderCase(t *testing.T) {
	src := NewMetadata(LevelResource, []MetadataAttribute{{Header: "X-Tenant", Key: "tenant.id"}, {Header: "x-region", Key: "region", Action: Insert}})
	for _, h := range []map[string][]string{
		{"x-tenant": {"acme"}, "X-REGION": {"eu", "us"}},
		{"X-Tenant": {"acme"}, "x-region": {"eu", "us"}},
	} {
		ctx := client.NewContext(context.Background(), client.Info{Metadata: client.NewMetadata(h)})
		m := pcommon.NewMap()
		var st Stats
		b := src.Bind(ctx)
		require.NotNil(t, b)
		b.Apply(m, m, &st)
		assert.Equal(t, map[string]any{"tenant.id": "acme", "region": "eu,us"}, m.AsRaw())
		assert.EqualValues(t, 2, st.Added[KindMetadata])
	}
	assert.Nil(t, src.Bind(context.Background()), "no headers, nothing bound")
}

type authData map[string]any

func (d authData) GetAttribute(name string) any { return d[name] }
func (d authData) GetAttributeNames() []string {
	names := make([]string, 0, len(d))
	for k := range d {
		names = append(names, k)
	}
	return names
}

// TestAuthOverwritesClientValue: the auth source writes the authenticated
// tenant over whatever the client sent under the key; without an identity
// (or without the attribute) it removes the client's value.
func TestAuthOverwritesClientValue(t *testing.T) {
	src := NewAuth(LevelResource, []AuthAttribute{{Attribute: "tenant", Key: "tenant.id"}, {Attribute: "tier", Key: "tenant.tier"}})
	clientSent := func() pcommon.Map {
		m := pcommon.NewMap()
		m.PutStr("tenant.id", "globex")
		m.PutStr("tenant.tier", "gold")
		m.PutStr("service.name", "checkout")
		return m
	}
	for _, c := range []struct {
		name  string
		auth  client.AuthData
		want  map[string]any
		added int64
	}{
		{"authenticated", authData{"tenant": "acme", "tier": 2}, map[string]any{"tenant.id": "acme", "tenant.tier": "2", "service.name": "checkout"}, 2},
		{"attribute missing", authData{"tenant": "acme"}, map[string]any{"tenant.id": "acme", "service.name": "checkout"}, 1},
		{"empty tenant", authData{"tenant": ""}, map[string]any{"service.name": "checkout"}, 0},
		{"no identity", nil, map[string]any{"service.name": "checkout"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := client.NewContext(context.Background(), client.Info{Auth: c.auth})
			m := clientSent()
			var st Stats
			b := src.Bind(ctx)
			require.NotNil(t, b)
			b.Apply(m, m, &st)
			assert.Equal(t, c.want, m.AsRaw())
			assert.Equal(t, c.added, st.Added[KindAuth])
		})
	}
}
