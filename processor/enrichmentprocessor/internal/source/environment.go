package source

import (
	"context"
	"os"
	"runtime"
	"sort"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Describes says whose context an environment key reports.
type Describes string

const (
	// Shared keys describe a context the gateway shares with the senders it
	// serves (the cluster, the environment, the region a per-cluster gateway
	// runs in), so stamping them on a sender's data is accurate.
	Shared Describes = "shared"
	// Gateway keys describe the gateway process itself (its pod, node, host);
	// on a sender's data they would be wrong, so they are opt-in.
	Gateway Describes = "gateway"
)

// EnvKey is a semantic-convention key the environment source can set.
type EnvKey struct {
	Key       string
	Variable  string // the environment variable feeding it; "" for host facts
	Describes Describes
	// Fact reads a host fact when Variable is empty.
	Fact func() (string, bool)
}

// EnvKeys is the table of keys the environment source knows, by key.
var EnvKeys = map[string]EnvKey{
	"k8s.cluster.name":            {Key: "k8s.cluster.name", Variable: "K8S_CLUSTER_NAME", Describes: Shared},
	"deployment.environment.name": {Key: "deployment.environment.name", Variable: "DEPLOYMENT_ENVIRONMENT_NAME", Describes: Shared},
	"cloud.region":                {Key: "cloud.region", Variable: "CLOUD_REGION", Describes: Shared},
	"k8s.namespace.name":          {Key: "k8s.namespace.name", Variable: "K8S_NAMESPACE_NAME", Describes: Gateway},
	"k8s.node.name":               {Key: "k8s.node.name", Variable: "K8S_NODE_NAME", Describes: Gateway},
	"k8s.pod.name":                {Key: "k8s.pod.name", Variable: "K8S_POD_NAME", Describes: Gateway},
	"k8s.pod.uid":                 {Key: "k8s.pod.uid", Variable: "K8S_POD_UID", Describes: Gateway},
	"host.name":                   {Key: "host.name", Describes: Gateway, Fact: hostName},
	"host.arch":                   {Key: "host.arch", Describes: Gateway, Fact: hostArch},
	"os.type":                     {Key: "os.type", Describes: Gateway, Fact: osType},
}

// DefaultEnvKeys are the keys set when none are configured: the shared ones.
func DefaultEnvKeys() []string {
	var keys []string
	for k, e := range EnvKeys {
		if e.Describes == Shared {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Environment writes facts about where the gateway runs, read once when it starts.
type Environment struct {
	Static
}

// EnvSettings configures NewEnvironment.
type EnvSettings struct {
	Keys      []string          // semantic-convention keys to set
	Variables map[string]string // key -> variable, overriding EnvKeys
	Prefix    string            // prepended to every key
	Action    Action
	Level     Level
	// LookupEnv reads a variable (os.LookupEnv in production).
	LookupEnv func(string) (string, bool)
}

// NewEnvironment reads the environment now. It also returns the keys left out
// because their variable is unset or empty.
func NewEnvironment(s EnvSettings) (*Environment, []string) {
	var attrs []StaticAttribute
	var missing []string
	for _, k := range s.Keys {
		e := EnvKeys[k]
		e.Key = k
		if v, ok := s.Variables[k]; ok {
			e.Variable, e.Fact = v, nil
		}
		var val string
		var ok bool
		if e.Variable != "" {
			val, ok = s.LookupEnv(e.Variable)
		} else if e.Fact != nil {
			val, ok = e.Fact()
		}
		if !ok || val == "" {
			missing = append(missing, k)
			continue
		}
		attrs = append(attrs, StaticAttribute{Key: s.Prefix + k, Value: val, Action: s.Action})
	}
	return &Environment{Static: Static{level: s.Level, attrs: attrs}}, missing
}

func (e *Environment) Bind(context.Context) Binding {
	if len(e.attrs) == 0 {
		return nil
	}
	return e
}

func (e *Environment) Apply(attrs, _ pcommon.Map, st *Stats) {
	for i := range e.attrs {
		a := &e.attrs[i]
		if a.Action.Put(attrs, a.Key, a.Value) {
			st.Added[KindEnvironment]++
		}
	}
}

func hostName() (string, bool) {
	h, err := osHostname()
	return h, err == nil
}

// hostArch maps GOARCH to the semantic conventions' host.arch values.
func hostArch() (string, bool) {
	switch runtime.GOARCH {
	case "amd64", "arm64", "s390x":
		return runtime.GOARCH, true
	case "arm":
		return "arm32", true
	case "386":
		return "x86", true
	case "ppc64", "ppc64le":
		return "ppc64", true
	}
	return runtime.GOARCH, true
}

// osType maps GOOS to the semantic conventions' os.type values.
func osType() (string, bool) {
	switch runtime.GOOS {
	case "dragonfly":
		return "dragonflybsd", true
	case "illumos":
		return "solaris", true
	}
	return runtime.GOOS, true
}

var osHostname = defaultHostname

var defaultHostname = os.Hostname
