package validate

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	kubeDir  = ".."       // deploy/kubernetes
	baseDir  = "../base"  // deploy/kubernetes/base
	repoRoot = "../../.." // the otelgate repository
)

// copies are the files the base kustomization ships as ConfigMaps, and the
// repository files they must equal.
var copies = map[string]string{
	"config/config.yaml":   "config.yaml",
	"config/tls.yaml":      "deploy/tls.yaml",
	"tables/ownership.csv": "tables/ownership.csv",
}

// operatorSecrets are the Secrets the manifests mount but do not ship (key
// material and credentials): the README's "Deploy on Kubernetes" section
// creates each of them.
var operatorSecrets = []string{"otelgate-keyring", "otelgate-tokens", "otelgate-tls", "otelgate-redis"}

// gatewayEnvOutsideConfig are the variables of the gateway container that
// no ${env:...} of its config reads but the process does: the Go runtime,
// and the enrichment processor's environment source (its README).
var gatewayEnvOutsideConfig = []string{
	"GOMEMLIMIT",
	"K8S_CLUSTER_NAME", "DEPLOYMENT_ENVIRONMENT_NAME", "CLOUD_REGION",
	"K8S_POD_NAME", "K8S_POD_UID", "K8S_NAMESPACE_NAME", "K8S_NODE_NAME",
}

// variant is one kustomization to build and check.
type variant struct {
	name  string
	dir   string
	tls   bool
	redis bool
	// namespace and image the build must set, when the overlay sets them.
	namespace, image string
}

var variants = []variant{
	{name: "base", dir: baseDir},
	{name: "tls", dir: "testdata/tls", tls: true},
	{name: "redis", dir: "testdata/redis", redis: true},
	{name: "examples/production", dir: filepath.Join(kubeDir, "examples/production"), tls: true, redis: true,
		namespace: "otelgate", image: "registry.example.com/otelgate:0.1.0"},
}

func build(t *testing.T, dir string) *Set {
	t.Helper()
	out, err := Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	objects, err := Decode("build of "+dir, out)
	if err != nil {
		t.Fatalf("strict decoding of the build of %s:\n%v", dir, err)
	}
	set, err := NewSet(objects)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestEveryManifestFileDecodesStrictly decodes every Kubernetes document
// shipped under deploy/kubernetes (not only those a build reaches) into its
// API type, rejecting unknown fields and kinds.
func TestEveryManifestFileDecodesStrictly(t *testing.T) {
	var files []string
	err := filepath.WalkDir(kubeDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "validate" || d.Name() == "config") {
			return filepath.SkipDir // Go module; collector configs
		}
		if !d.IsDir() && strings.HasSuffix(p, ".yaml") && d.Name() != "kustomization.yaml" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 6 {
		t.Fatalf("found only %d manifest files: %v", len(files), files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objects, err := Decode(f, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(objects) == 0 {
			t.Errorf("%s: no Kubernetes object in it", f)
		}
	}
}

// TestStrictDecodingRejectsMistakes shows the decoding catches what a
// lenient one would silently drop: a misspelled field, a field in the wrong
// case, a duplicate field, an unknown kind, a value of the wrong type.
func TestStrictDecodingRejectsMistakes(t *testing.T) {
	sts, err := os.ReadFile(filepath.Join(baseDir, "statefulset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode("statefulset.yaml", sts); err != nil {
		t.Fatalf("the shipped file must decode: %v", err)
	}
	cases := []struct {
		name, old, new, want string
	}{
		{"misspelled field", "readinessProbe:", "readinesProbe:", `unknown field "spec.template.spec.containers[0].readinesProbe"`},
		{"wrong case", "defaultMode: 0400", "defaultmode: 0400", `unknown field "spec.template.spec.volumes[2].secret.defaultmode"`},
		{"field at the wrong level", "      terminationGracePeriodSeconds: 60", "      template:\n        terminationGracePeriodSeconds: 60", "template"},
		{"unknown kind", "kind: StatefulSet", "kind: StatefulSets", `unknown kind "StatefulSets"`},
		{"wrong type", "replicas: 3", "replicas: three", "replicas"},
		{"duplicate field", "  podManagementPolicy: Parallel", "  podManagementPolicy: Parallel\n  podManagementPolicy: OrderedReady", "podManagementPolicy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !bytes.Contains(sts, []byte(c.old)) {
				t.Fatalf("statefulset.yaml no longer contains %q: update this case", c.old)
			}
			bad := bytes.Replace(sts, []byte(c.old), []byte(c.new), 1)
			_, err := Decode("statefulset.yaml", bad)
			if err == nil {
				t.Fatalf("accepted a manifest with %s", c.name)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not name %q", err, c.want)
			}
		})
	}
}

// TestKustomizeRejectsMisspelledKustomization: a typo in a kustomization
// (the file operators edit) fails the build instead of being ignored.
func TestKustomizeRejectsMisspelledKustomization(t *testing.T) {
	dir := t.TempDir()
	abs, err := filepath.Abs(baseDir)
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(dir, abs) // kustomize takes relative paths only
	if err != nil {
		t.Fatal(err)
	}
	good := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - " + rel + "\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(dir); err != nil {
		t.Fatalf("a correct overlay must build: %v", err)
	}
	bad := strings.Replace(good, "resources:", "resource:", 1)
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(dir); err == nil || !strings.Contains(err.Error(), "resource") {
		t.Fatalf("misspelled kustomization field: err = %v, want an error naming it", err)
	}
}

// TestConfigCopiesEqualRepository: the ConfigMaps ship exactly the
// repository's config.yaml, TLS overlay and ownership table
// (`make k8s-sync` copies them again).
func TestConfigCopiesEqualRepository(t *testing.T) {
	for copyPath, orig := range copies {
		want, err := os.ReadFile(filepath.Join(repoRoot, orig))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(baseDir, copyPath))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("deploy/kubernetes/base/%s differs from %s: run `make k8s-sync`", copyPath, orig)
		}
	}
}

// TestBuilds builds the base, each component on its own and the example
// production overlay, decodes the result strictly and checks what the
// gateway depends on.
func TestBuilds(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			set := build(t, v.dir)
			checkReferences(t, set)
			for _, w := range set.Workloads() {
				checkRestricted(t, w)
			}
			checkServices(t, set)
			checkGateway(t, set, v)
			checkRedis(t, set, v)
			if v.namespace != "" {
				for _, o := range set.Objects {
					if ns := o.Value.(interface{ GetNamespace() string }).GetNamespace(); ns != v.namespace {
						t.Errorf("%s %s: namespace %q, want %q", o.Kind, o.Name, ns, v.namespace)
					}
				}
			}
		})
	}
}

// checkReferences: every ConfigMap a pod uses is in the build; every Secret
// is in the build or is one the README tells the operator to create.
func checkReferences(t *testing.T, set *Set) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range set.Workloads() {
		spec := &w.Template.Spec
		if spec.ServiceAccountName != "" {
			if _, ok := set.Accounts[spec.ServiceAccountName]; !ok {
				t.Errorf("%s %s: ServiceAccount %q is not in the manifests", w.Kind, w.Name, spec.ServiceAccountName)
			}
		}
		secretUse := map[string]bool{}
		for _, vol := range spec.Volumes {
			switch {
			case vol.ConfigMap != nil:
				cm, ok := set.ConfigMaps[vol.ConfigMap.Name]
				if !ok {
					t.Errorf("%s %s: volume %s: ConfigMap %q is not in the manifests", w.Kind, w.Name, vol.Name, vol.ConfigMap.Name)
					continue
				}
				for _, it := range vol.ConfigMap.Items {
					if _, ok := cm.Data[it.Key]; !ok {
						t.Errorf("%s %s: volume %s: ConfigMap %q has no key %q", w.Kind, w.Name, vol.Name, cm.Name, it.Key)
					}
				}
			case vol.Secret != nil:
				secretUse[vol.Secret.SecretName] = true
			}
		}
		for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
			if _, err := ContainerEnv(&c, set.ConfigMaps); err != nil {
				t.Errorf("%s %s: %v", w.Kind, w.Name, err)
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					secretUse[e.ValueFrom.SecretKeyRef.Name] = true
				}
			}
		}
		for name := range secretUse {
			if _, ok := set.Secrets[name]; ok {
				continue
			}
			if !slices.Contains(operatorSecrets, name) {
				t.Errorf("%s %s: Secret %q is neither in the manifests nor one the operator creates", w.Kind, w.Name, name)
				continue
			}
			create := regexp.MustCompile(`kubectl [^\n]*create secret [a-z]+ ` + regexp.QuoteMeta(name) + `\b`)
			if !create.Match(readme) {
				t.Errorf("Secret %q: README.md has no `kubectl ... create secret ... %s` command", name, name)
			}
		}
	}
}

// checkServices: every Service selects the pods of a workload and every
// port targets a port of its container.
func checkServices(t *testing.T, set *Set) {
	t.Helper()
	for name, svc := range set.Services {
		var w *Workload
		for _, cand := range set.Workloads() {
			if SelectsMap(svc.Spec.Selector, cand.Template.Labels) {
				w = &cand
				break
			}
		}
		if w == nil {
			t.Errorf("Service %s: selector %v matches no pod template", name, svc.Spec.Selector)
			continue
		}
		for _, p := range svc.Spec.Ports {
			if !targetsContainerPort(&w.Template.Spec, p.TargetPort) {
				t.Errorf("Service %s port %s: targetPort %s is no container port of %s %s", name, p.Name, p.TargetPort.String(), w.Kind, w.Name)
			}
		}
	}
}

func targetsContainerPort(spec *corev1.PodSpec, tp intstr.IntOrString) bool {
	for i := range spec.Containers {
		c := &spec.Containers[i]
		if tp.Type == intstr.String {
			if _, ok := PortNumber(c, tp.StrVal, 0); ok {
				return true
			}
		} else if _, ok := PortNumber(c, "", tp.IntVal); ok {
			return true
		}
	}
	return false
}

// checkGateway checks the gateway StatefulSet against the collector config
// it runs, as it runs it: the --config files read from their ConfigMap,
// ${env:...} expanded with the container's environment.
func checkGateway(t *testing.T, set *Set, v variant) {
	t.Helper()
	sts, ok := set.StatefulSets["otelgate"]
	if !ok {
		t.Fatal("no StatefulSet otelgate")
	}
	spec := &sts.Spec.Template.Spec
	c := Container(spec, "otelgate")
	if c == nil {
		t.Fatal("StatefulSet otelgate has no container otelgate")
	}
	replicas := int32(1)
	if sts.Spec.Replicas != nil {
		replicas = *sts.Spec.Replicas
	}
	if replicas < 2 {
		t.Errorf("replicas = %d: one replica is a single point of failure", replicas)
	}
	if ok, err := Selects(sts.Spec.Selector, sts.Spec.Template.Labels); err != nil || !ok {
		t.Errorf("StatefulSet selector %v does not select its pod labels %v (%v)", sts.Spec.Selector, sts.Spec.Template.Labels, err)
	}
	if hs, ok := set.Services[sts.Spec.ServiceName]; !ok || hs.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("serviceName %q: want a headless Service (clusterIP None) in the manifests", sts.Spec.ServiceName)
	}
	if v.image != "" && c.Image != v.image {
		t.Errorf("image %q, want %q", c.Image, v.image)
	}

	checkSecurity(t, spec, c)
	checkAvailability(t, set, sts.Name, replicas, sts.Spec.Template.Labels, c)

	// Memory: GOMEMLIMIT is the container's memory limit.
	limit, hasLimit := c.Resources.Limits[corev1.ResourceMemory]
	if !hasLimit || limit.IsZero() {
		t.Error("container otelgate: no resources.limits.memory")
	}
	if _, ok := c.Resources.Requests[corev1.ResourceCPU]; !ok {
		t.Error("container otelgate: no resources.requests.cpu (the HPA's CPU utilization is relative to it)")
	}
	var gomemlimit *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == "GOMEMLIMIT" {
			gomemlimit = &c.Env[i]
		}
	}
	if gomemlimit == nil || gomemlimit.ValueFrom == nil || gomemlimit.ValueFrom.ResourceFieldRef == nil ||
		gomemlimit.ValueFrom.ResourceFieldRef.Resource != "limits.memory" ||
		(gomemlimit.ValueFrom.ResourceFieldRef.ContainerName != "" && gomemlimit.ValueFrom.ResourceFieldRef.ContainerName != c.Name) ||
		(gomemlimit.ValueFrom.ResourceFieldRef.Divisor.Value() > 1) {
		t.Errorf("GOMEMLIMIT must come from resourceFieldRef limits.memory of container %s in bytes, got %+v", c.Name, gomemlimit)
	}

	// The configuration the container runs.
	env, err := ContainerEnv(c, set.ConfigMaps)
	if err != nil {
		t.Fatal(err)
	}
	configs := configArgs(t, c)
	if want := 1 + b2i(v.tls); len(configs) != want {
		t.Fatalf("args %v: %d --config files, want %d", c.Args, len(configs), want)
	}
	var merged any
	used := map[string]bool{}
	for _, p := range configs {
		src := mountedFile(t, set, spec, c, p)
		if src.configMap == nil {
			t.Fatalf("--config %s is not a file of a mounted ConfigMap", p)
		}
		data := src.configMap.Data[src.key]
		repoFile := map[string]string{"config.yaml": "config.yaml", "tls.yaml": "deploy/tls.yaml"}[src.key]
		want, err := os.ReadFile(filepath.Join(repoRoot, repoFile))
		if repoFile == "" || err != nil || data != string(want) {
			t.Errorf("--config %s (ConfigMap %s key %s) is not the repository's %s (%v)", p, src.configMap.Name, src.key, repoFile, err)
		}
		tree, err := ParseConfig([]byte(data))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, r := range EnvRefs(tree) {
			used[r.Name] = true
			if _, set := env[r.Name]; !set && !r.HasDefault {
				t.Errorf("%s reads ${env:%s}, which has no default and is not set in the container", p, r.Name)
			}
		}
		expanded, err := Expand(tree, func(name string) (string, bool) {
			e, ok := env[name]
			if ok && !e.Known {
				return "<" + e.From + ">", true
			}
			return e.Value, ok
		})
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		merged = Merge(merged, expanded)
	}
	for name, e := range env {
		if !used[name] && !slices.Contains(gatewayEnvOutsideConfig, name) {
			t.Errorf("container env %s (from %s) is read by nothing: a typo, or a variable the config lost", name, e.From)
		}
	}

	// Listeners on every interface, on the ports the pod declares.
	for _, l := range []struct {
		port string
		path []string
	}{
		{"otlp-grpc", []string{"receivers", "otlp", "protocols", "grpc", "endpoint"}},
		{"otlp-http", []string{"receivers", "otlp", "protocols", "http", "endpoint"}},
		{"health", []string{"extensions", "health_check", "endpoint"}},
	} {
		ep, _ := GetString(merged, l.path...)
		host, port, err := net.SplitHostPort(ep)
		if err != nil || host != "0.0.0.0" {
			t.Errorf("%s = %q: want 0.0.0.0:<port> (reachable from other pods)", strings.Join(l.path, "."), ep)
			continue
		}
		want, ok := PortNumber(c, l.port, 0)
		if !ok || strconv.Itoa(int(want)) != port {
			t.Errorf("%s = %q, container port %s = %d", strings.Join(l.path, "."), ep, l.port, want)
		}
	}
	readers, _ := Get(merged, "service", "telemetry", "metrics", "readers")
	rs, _ := readers.([]any)
	if len(rs) != 1 {
		t.Fatalf("service.telemetry.metrics.readers: want one pull reader, got %v", readers)
	}
	mhost, _ := GetString(rs[0], "pull", "exporter", "prometheus", "host")
	mport, _ := GetString(rs[0], "pull", "exporter", "prometheus", "port")
	if want, _ := PortNumber(c, "metrics", 0); mhost != "0.0.0.0" || mport != strconv.Itoa(int(want)) {
		t.Errorf("own metrics on %s:%s, want 0.0.0.0:%d (container port metrics)", mhost, mport, want)
	}

	// Probes: health_check's port and path.
	healthPort, _ := PortNumber(c, "health", 0)
	for name, p := range map[string]*corev1.Probe{"startupProbe": c.StartupProbe, "readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s: want an httpGet probe of health_check", name)
			continue
		}
		n := p.HTTPGet.Port.IntVal
		if p.HTTPGet.Port.Type == intstr.String {
			n, _ = PortNumber(c, p.HTTPGet.Port.StrVal, 0)
		}
		if n != healthPort || p.HTTPGet.Path != "/" {
			t.Errorf("%s: GET %s on port %s (%d); health_check answers GET / on %d", name, p.HTTPGet.Path, p.HTTPGet.Port.String(), n, healthPort)
		}
	}

	// Files the config reads: key material from Secrets, the rest from
	// ConfigMaps, state on the claim.
	secretFiles := [][]string{
		{"extensions", "keyring", "file"},
		{"extensions", "tenant_auth", "file"},
	}
	if v.tls {
		secretFiles = append(secretFiles,
			[]string{"receivers", "otlp", "protocols", "grpc", "tls", "cert_file"},
			[]string{"receivers", "otlp", "protocols", "grpc", "tls", "key_file"},
			[]string{"receivers", "otlp", "protocols", "http", "tls", "cert_file"},
			[]string{"receivers", "otlp", "protocols", "http", "tls", "key_file"})
	} else if _, has := Get(merged, "receivers", "otlp", "protocols", "grpc", "tls"); has {
		t.Error("receivers have tls without the TLS component")
	}
	for _, fp := range secretFiles {
		p, ok := GetString(merged, fp...)
		if !ok {
			t.Errorf("%s: not in the config", strings.Join(fp, "."))
			continue
		}
		src := mountedFile(t, set, spec, c, p)
		if src.secret == nil {
			t.Errorf("%s = %s: want a file of a mounted Secret", strings.Join(fp, "."), p)
			continue
		}
		if m := src.secret.DefaultMode; m == nil || *m != 0o400 {
			t.Errorf("%s = %s: Secret volume defaultMode %s, want 0400", strings.Join(fp, "."), p, octal(m))
		}
	}
	lookups, _ := Get(merged, "processors", "enrichment", "lookups")
	ls, _ := lookups.([]any)
	if len(ls) == 0 {
		t.Error("processors.enrichment.lookups: none")
	}
	for i, l := range ls {
		p, _ := GetString(l, "file")
		if src := mountedFile(t, set, spec, c, p); src.configMap == nil {
			t.Errorf("processors.enrichment.lookups[%d].file = %s: want a file of a mounted ConfigMap", i, p)
		} else if want, err := os.ReadFile(filepath.Join(repoRoot, "tables", src.key)); err != nil || string(want) != src.configMap.Data[src.key] {
			t.Errorf("ConfigMap %s key %s is not the repository's tables/%s (%v)", src.configMap.Name, src.key, src.key, err)
		}
	}
	dir, _ := GetString(merged, "extensions", "file_storage", "directory")
	var onClaim bool
	for _, m := range c.VolumeMounts {
		if strings.HasPrefix(dir+"/", strings.TrimSuffix(m.MountPath, "/")+"/") && !m.ReadOnly {
			for _, ct := range sts.Spec.VolumeClaimTemplates {
				onClaim = onClaim || ct.Name == m.Name
			}
		}
	}
	if !onClaim {
		t.Errorf("extensions.file_storage.directory = %s: want a writable volumeClaimTemplate mount (the persistent queue)", dir)
	}
	for _, ct := range sts.Spec.VolumeClaimTemplates {
		if _, ok := ct.Spec.Resources.Requests[corev1.ResourceStorage]; !ok {
			t.Errorf("volumeClaimTemplate %s: no storage request", ct.Name)
		}
	}
	if v.redis {
		if p, _ := GetString(merged, "extensions", "sampling_state", "backend"); p != "redis" {
			t.Errorf("extensions.sampling_state.backend = %q with the Redis component, want redis", p)
		}
	} else if p, _ := GetString(merged, "extensions", "sampling_state", "backend"); p != "memory" {
		t.Errorf("extensions.sampling_state.backend = %q without the Redis component, want memory", p)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func octal(m *int32) string {
	if m == nil {
		return "unset (0644)"
	}
	return fmt.Sprintf("%04o", *m)
}

// configArgs returns the --config files of the container's arguments.
func configArgs(t *testing.T, c *corev1.Container) []string {
	t.Helper()
	var out []string
	args := append(slices.Clone(c.Command), c.Args...)
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "--config" && i+1 < len(args):
			out = append(out, args[i+1])
			i++
		case strings.HasPrefix(args[i], "--config="):
			out = append(out, strings.TrimPrefix(args[i], "--config="))
		}
	}
	return out
}

// fileSource is where a mounted file comes from.
type fileSource struct {
	configMap *corev1.ConfigMap
	secret    *corev1.SecretVolumeSource
	key       string
}

// mountedFile finds the volume a file path of the container lives on, and
// the ConfigMap or Secret key it is; it fails the test when there is none.
func mountedFile(t *testing.T, set *Set, spec *corev1.PodSpec, c *corev1.Container, p string) fileSource {
	t.Helper()
	dir, base := path.Split(p)
	for _, m := range c.VolumeMounts {
		if strings.TrimSuffix(m.MountPath, "/")+"/" != dir || m.SubPath != "" {
			continue
		}
		vol := Volume(spec, m.Name)
		if vol == nil {
			t.Fatalf("volumeMount %s: no such volume", m.Name)
		}
		switch {
		case vol.ConfigMap != nil:
			cm := set.ConfigMaps[vol.ConfigMap.Name]
			if cm == nil {
				t.Fatalf("volume %s: ConfigMap %s is not in the manifests", vol.Name, vol.ConfigMap.Name)
			}
			key := base
			for _, it := range vol.ConfigMap.Items {
				if it.Path == base {
					key = it.Key
				}
			}
			if _, ok := cm.Data[key]; !ok {
				t.Fatalf("%s: ConfigMap %s has no key %s", p, cm.Name, key)
			}
			return fileSource{configMap: cm, key: key}
		case vol.Secret != nil:
			// The Secret is created by the operator: its keys are pinned
			// by items, so a missing key stops the pod instead of leaving
			// the file absent.
			for _, it := range vol.Secret.Items {
				if it.Path == base {
					return fileSource{secret: vol.Secret, key: it.Key}
				}
			}
			t.Fatalf("%s: Secret volume %s has no item with path %s", p, vol.Name, base)
		default:
			t.Fatalf("%s: volume %s is neither a ConfigMap nor a Secret", p, vol.Name)
		}
	}
	t.Fatalf("%s: no volume is mounted at %s", p, dir)
	return fileSource{}
}

// checkSecurity: non-root with the image's uid, read-only root, no
// capabilities, no service account token, and fsGroup (see statefulset.yaml).
func checkSecurity(t *testing.T, spec *corev1.PodSpec, c *corev1.Container) {
	t.Helper()
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 10001 {
		t.Errorf("pod securityContext: want runAsNonRoot and runAsUser 10001 (the image's user), got %+v", psc)
	}
	if psc == nil || psc.FSGroup == nil || *psc.FSGroup != 10001 {
		t.Error("pod securityContext.fsGroup: want 10001; without it uid 10001 cannot read the 0400 Secret files (owned by root) nor write the queue volume")
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("pod securityContext.seccompProfile: want RuntimeDefault")
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
		t.Errorf("container securityContext: want readOnlyRootFilesystem, no privilege escalation, drop ALL capabilities, got %+v", sc)
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Error("automountServiceAccountToken: want false (the gateway does not call the API)")
	}
}

// checkAvailability: PDB and HPA over the StatefulSet, and a grace period
// that covers the preStop pause and the drain.
func checkAvailability(t *testing.T, set *Set, name string, replicas int32, podLabels map[string]string, c *corev1.Container) {
	t.Helper()
	found := 0
	for hname, h := range set.HPAs {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "StatefulSet" || ref.Name != name || ref.APIVersion != "apps/v1" {
			t.Errorf("HPA %s targets %s %s (%s), want apps/v1 StatefulSet %s", hname, ref.Kind, ref.Name, ref.APIVersion, name)
			continue
		}
		found++
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas != replicas || h.Spec.MaxReplicas <= *h.Spec.MinReplicas {
			t.Errorf("HPA %s: minReplicas %v, maxReplicas %d; want minReplicas = the StatefulSet's %d < maxReplicas", hname, h.Spec.MinReplicas, h.Spec.MaxReplicas, replicas)
		}
		if len(h.Spec.Metrics) == 0 {
			t.Errorf("HPA %s: no metrics", hname)
		}
	}
	if found != 1 {
		t.Errorf("%d HPAs target StatefulSet %s, want 1", found, name)
	}
	found = 0
	for pname, p := range set.PDBs {
		ok, err := Selects(p.Spec.Selector, podLabels)
		if err != nil || !ok {
			continue
		}
		found++
		n := replicas // = the HPA's minReplicas, checked above
		var allowed int
		switch {
		case p.Spec.MaxUnavailable != nil:
			v, err := intstr.GetScaledValueFromIntOrPercent(p.Spec.MaxUnavailable, int(n), true)
			if err != nil {
				t.Fatal(err)
			}
			allowed = v
		case p.Spec.MinAvailable != nil:
			v, err := intstr.GetScaledValueFromIntOrPercent(p.Spec.MinAvailable, int(n), true)
			if err != nil {
				t.Fatal(err)
			}
			allowed = int(n) - v
		}
		if allowed < 1 || allowed > int(n)-1 {
			t.Errorf("PDB %s: allows %d of %d replicas down at once; want at least 1 (drains can proceed) and at most %d (one stays)", pname, allowed, n, n-1)
		}
	}
	if found != 1 {
		t.Errorf("%d PDBs select the gateway pods, want 1", found)
	}
	sts := set.StatefulSets[name]
	grace := int64(30)
	if g := sts.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = *g
	}
	var pause int64
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		if c.Lifecycle.PreStop.Sleep == nil {
			t.Error("preStop: only a sleep action runs in the image (no shell)")
		} else {
			pause = c.Lifecycle.PreStop.Sleep.Seconds
		}
	}
	// The collector's shutdown: batch and aggregation flush, in-flight
	// exports finish within their 5s timeout; 30s of margin beyond the pause.
	if grace < pause+30 {
		t.Errorf("terminationGracePeriodSeconds %d < preStop %ds + 30s of drain", grace, pause)
	}
}

// checkRedis: with the Redis component, the gateway reaches a Redis Service
// of the build with the password the Redis server requires.
func checkRedis(t *testing.T, set *Set, v variant) {
	t.Helper()
	redis, ok := set.Deployments["otelgate-redis"]
	if !v.redis {
		if ok {
			t.Error("Deployment otelgate-redis without the Redis component")
		}
		return
	}
	if !ok {
		t.Fatal("no Deployment otelgate-redis with the Redis component")
	}
	gw := Container(&set.StatefulSets["otelgate"].Spec.Template.Spec, "otelgate")
	env, err := ContainerEnv(gw, set.ConfigMaps)
	if err != nil {
		t.Fatal(err)
	}
	host, port, err := net.SplitHostPort(env["OTELGATE_REDIS_ENDPOINT"].Value)
	if err != nil {
		t.Fatalf("OTELGATE_REDIS_ENDPOINT = %q: %v", env["OTELGATE_REDIS_ENDPOINT"].Value, err)
	}
	svc, ok := set.Services[host]
	if !ok {
		t.Fatalf("OTELGATE_REDIS_ENDPOINT host %q is no Service of the build", host)
	}
	if !SelectsMap(svc.Spec.Selector, redis.Spec.Template.Labels) {
		t.Errorf("Service %s does not select the Redis pods", host)
	}
	var servesPort bool
	for _, p := range svc.Spec.Ports {
		servesPort = servesPort || strconv.Itoa(int(p.Port)) == port
	}
	if !servesPort {
		t.Errorf("Service %s has no port %s", host, port)
	}
	rc := Container(&redis.Spec.Template.Spec, "redis")
	if rc == nil {
		t.Fatal("Deployment otelgate-redis has no container redis")
	}
	renv, err := ContainerEnv(rc, set.ConfigMaps)
	if err != nil {
		t.Fatal(err)
	}
	if gwPass, rPass := env["OTELGATE_REDIS_PASSWORD"].From, renv["REDIS_PASSWORD"].From; gwPass == "" || gwPass != rPass || !strings.HasPrefix(gwPass, "secret ") {
		t.Errorf("the gateway's OTELGATE_REDIS_PASSWORD (%q) and the server's REDIS_PASSWORD (%q) must come from the same Secret key", gwPass, rPass)
	}
	if !slices.Contains(rc.Args, "$(REDIS_PASSWORD)") {
		t.Errorf("redis args %v do not pass $(REDIS_PASSWORD) to --requirepass", rc.Args)
	}

	// The NetworkPolicy admits the gateway pods, and only them, to Redis.
	gwLabels := set.StatefulSets["otelgate"].Spec.Template.Labels
	var guarded bool
	for name, np := range set.Policies {
		if ok, _ := Selects(&np.Spec.PodSelector, redis.Spec.Template.Labels); !ok {
			continue
		}
		guarded = true
		for _, rule := range np.Spec.Ingress {
			if len(rule.From) == 0 {
				t.Errorf("NetworkPolicy %s admits every pod to Redis", name)
			}
			for _, peer := range rule.From {
				if peer.PodSelector == nil || peer.NamespaceSelector != nil || peer.IPBlock != nil {
					t.Errorf("NetworkPolicy %s: a peer other than pods of the namespace: %+v", name, peer)
					continue
				}
				if ok, _ := Selects(peer.PodSelector, gwLabels); !ok {
					t.Errorf("NetworkPolicy %s: peer %v does not select the gateway pods", name, peer.PodSelector.MatchLabels)
				}
				if ok, _ := Selects(peer.PodSelector, redis.Spec.Template.Labels); ok {
					t.Errorf("NetworkPolicy %s: peer %v selects Redis itself", name, peer.PodSelector.MatchLabels)
				}
			}
		}
	}
	if !guarded {
		t.Error("no NetworkPolicy selects the Redis pods")
	}
}

// TestReadmeShowsProductionOverlay: the overlay the README's "Deploy on
// Kubernetes" shows is the one TestBuilds builds and checks.
func TestReadmeShowsProductionOverlay(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	overlay, err := os.ReadFile(filepath.Join(kubeDir, "examples/production/kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	body := overlay[bytes.Index(overlay, []byte("apiVersion:")):]
	if !bytes.Contains(readme, append([]byte("```yaml\n"), body...)) {
		t.Error("README.md does not show examples/production/kustomization.yaml as it is (from apiVersion on)")
	}
	for _, cmd := range []string{
		"kubectl apply -k deploy/kubernetes/examples/production",
		"kubectl -n otelgate apply -k deploy/kubernetes/base",
		"make k8s-sync",
	} {
		if !bytes.Contains(readme, []byte(cmd)) {
			t.Errorf("README.md lacks %q", cmd)
		}
	}
}

// checkRestricted checks a workload's pods against the Pod Security
// Standard "restricted" (and so "baseline"): no host namespaces, ports or
// paths, no privileged containers; only configMap, secret, emptyDir,
// persistentVolumeClaim, projected, downwardAPI volumes; every container
// non-root, without privilege escalation, with all capabilities dropped and
// the RuntimeDefault seccomp profile.
func checkRestricted(t *testing.T, w Workload) {
	t.Helper()
	spec := &w.Template.Spec
	where := w.Kind + " " + w.Name
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		t.Errorf("%s: host namespaces", where)
	}
	for _, v := range spec.Volumes {
		src := v.VolumeSource
		if src.ConfigMap == nil && src.Secret == nil && src.EmptyDir == nil && src.PersistentVolumeClaim == nil &&
			src.Projected == nil && src.DownwardAPI == nil {
			t.Errorf("%s: volume %s is of a type the restricted profile forbids", where, v.Name)
		}
	}
	psc := spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		sc := c.SecurityContext
		if sc == nil {
			sc = &corev1.SecurityContext{}
		}
		nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) || (sc.RunAsNonRoot == nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot)
		uid := sc.RunAsUser
		if uid == nil {
			uid = psc.RunAsUser
		}
		if !nonRoot || (uid != nil && *uid == 0) {
			t.Errorf("%s container %s: want runAsNonRoot and a non-zero runAsUser", where, c.Name)
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("%s container %s: privileged", where, c.Name)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s container %s: want allowPrivilegeEscalation: false", where, c.Name)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			t.Errorf("%s container %s: want capabilities.drop [ALL]", where, c.Name)
		} else {
			for _, a := range sc.Capabilities.Add {
				if a != "NET_BIND_SERVICE" {
					t.Errorf("%s container %s: adds capability %s", where, c.Name, a)
				}
			}
		}
		seccomp := sc.SeccompProfile
		if seccomp == nil {
			seccomp = psc.SeccompProfile
		}
		if seccomp == nil || (seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault && seccomp.Type != corev1.SeccompProfileTypeLocalhost) {
			t.Errorf("%s container %s: want seccompProfile RuntimeDefault", where, c.Name)
		}
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				t.Errorf("%s container %s: hostPort %d", where, c.Name, p.HostPort)
			}
		}
	}
}
