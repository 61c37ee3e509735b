package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.yaml.in/yaml/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/internal/gatewayproc"
	"github.com/otelgate/otelgate/internal/redistest"
)

// kubeBase is the base kustomization of the gateway tier.
const kubeBase = "deploy/kubernetes/base"

// podSpec is the part of deploy/kubernetes/base/statefulset.yaml this test
// reproduces (the manifests themselves are validated against the Kubernetes
// API types in deploy/kubernetes/validate).
type podSpec struct {
	Spec struct {
		Template struct {
			Spec struct {
				SecurityContext struct {
					FSGroup *int64 `yaml:"fsGroup"`
				} `yaml:"securityContext"`
				Containers []struct {
					Name    string   `yaml:"name"`
					Args    []string `yaml:"args"`
					EnvFrom []struct {
						ConfigMapRef struct {
							Name string `yaml:"name"`
						} `yaml:"configMapRef"`
					} `yaml:"envFrom"`
					Env       []podEnv `yaml:"env"`
					Resources struct {
						Limits map[string]string `yaml:"limits"`
					} `yaml:"resources"`
					VolumeMounts []podMount `yaml:"volumeMounts"`
				} `yaml:"containers"`
				Volumes []podVolume `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
		VolumeClaimTemplates []struct {
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		} `yaml:"volumeClaimTemplates"`
	} `yaml:"spec"`
}

type podEnv struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		FieldRef *struct {
			FieldPath string `yaml:"fieldPath"`
		} `yaml:"fieldRef"`
		ResourceFieldRef *struct {
			Resource string `yaml:"resource"`
		} `yaml:"resourceFieldRef"`
		SecretKeyRef *struct {
			Name string `yaml:"name"`
			Key  string `yaml:"key"`
		} `yaml:"secretKeyRef"`
	} `yaml:"valueFrom"`
}

type podMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
}

type podVolume struct {
	Name      string `yaml:"name"`
	ConfigMap *struct {
		Name string `yaml:"name"`
	} `yaml:"configMap"`
	Secret *struct {
		SecretName  string `yaml:"secretName"`
		DefaultMode *int   `yaml:"defaultMode"`
	} `yaml:"secret"`
}

// absDefault matches an environment reference whose default is an absolute path.
var absDefault = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*):-(/[^}]*)\}`)

// podLayout is a gateway started in the StatefulSet's pod layout.
type podLayout struct {
	*gatewayproc.Process
	sink *e2etest.Sink
	// env is what the process was given.
	env map[string]string
	// volumeDirs are the mount directories of the ConfigMap and Secret
	// volumes, by ConfigMap or Secret name.
	volumeDirs map[string]string
	// clientTLS, when set, is how export reaches receivers that speak TLS.
	clientTLS *tls.Config
	// opts start the process again on the same files (start).
	opts gatewayproc.Options
}

// startPodLayout runs bin/otelgate the way the StatefulSet of
// deploy/kubernetes/base (with the named components' generators and JSON
// patches applied) runs it, read from the manifests: the same arguments; the
// same environment (the otelgate-env ConfigMap of gateway.env and of the
// components' generators, the literal values, the downward API, GOMEMLIMIT
// from the memory limit, Secret keys); the same files at the same paths under
// a temporary root (paths in the environment, the arguments and the configs'
// absolute defaults are moved under it), laid out as the
// kubelet lays out ConfigMap and Secret volumes (a timestamped directory, the
// ..data symlink, one symlink per key) with the modes a pod with fsGroup sees
// (Secret defaultMode 0400 plus group read: 0440; ConfigMap 0644); and the
// image's working directory. Only addresses differ: the listeners take free
// loopback ports instead of 0.0.0.0:4317..., the backend is a sink, and
// addresses names the variables holding other in-cluster addresses with
// their local replacement. secrets is what the operator put in each Secret.
func startPodLayout(t *testing.T, secrets map[string]map[string][]byte, components []string, addresses map[string]string) *podLayout {
	t.Helper()
	repo := e2etest.RepoRoot()
	raw, err := os.ReadFile(filepath.Join(repo, kubeBase, "statefulset.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var sts podSpec
	if err := yaml.Unmarshal(raw, &sts); err != nil {
		t.Fatal(err)
	}
	pod := sts.Spec.Template.Spec
	if len(pod.Containers) != 1 || pod.Containers[0].Name != "otelgate" {
		t.Fatalf("statefulset.yaml: want one container otelgate, got %d", len(pod.Containers))
	}
	ctr := pod.Containers[0]
	if pod.SecurityContext.FSGroup == nil {
		t.Fatal("statefulset.yaml: no fsGroup; this test lays out Secret files as a pod with fsGroup sees them")
	}
	generated := map[string]string{} // what the components merge into otelgate-env
	for _, c := range components {
		literals, add := readComponent(t, filepath.Join(repo, "deploy/kubernetes/components", c, "kustomization.yaml"))
		for k, v := range literals {
			generated[k] = v
		}
		ctr.Env = append(ctr.Env, add.env...)
		ctr.Args = append(ctr.Args, add.args...)
		ctr.VolumeMounts = append(ctr.VolumeMounts, add.mounts...)
		pod.Volumes = append(pod.Volumes, add.volumes...)
	}

	// The pod's file system under root: every volume mount of the container.
	root := t.TempDir()
	at := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	// What the kustomization generates the ConfigMaps from.
	configMapFiles := map[string]map[string]string{
		"otelgate-config": {"config.yaml": "config/config.yaml", "tls.yaml": "config/tls.yaml"},
		"otelgate-tables": {"ownership.csv": "tables/ownership.csv"},
	}
	claims := map[string]bool{}
	for _, c := range sts.Spec.VolumeClaimTemplates {
		claims[c.Metadata.Name] = true
	}
	volumeDirs := map[string]string{}
	for _, m := range ctr.VolumeMounts {
		dir := at(m.MountPath)
		if claims[m.Name] {
			if err := os.MkdirAll(dir, 0o770); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var vol *podVolume
		for i := range pod.Volumes {
			if pod.Volumes[i].Name == m.Name {
				vol = &pod.Volumes[i]
			}
		}
		switch {
		case vol == nil:
			t.Fatalf("volumeMount %s: no such volume", m.Name)
		case vol.ConfigMap != nil:
			files, ok := configMapFiles[vol.ConfigMap.Name]
			if !ok {
				t.Fatalf("ConfigMap %s: this test does not know its content", vol.ConfigMap.Name)
			}
			data := map[string][]byte{}
			for key, src := range files {
				b, err := os.ReadFile(filepath.Join(repo, kubeBase, src))
				if err != nil {
					t.Fatal(err)
				}
				data[key] = b
			}
			writeAtomic(t, dir, data, 0o644)
			volumeDirs[vol.ConfigMap.Name] = dir
		case vol.Secret != nil:
			data, ok := secrets[vol.Secret.SecretName]
			if !ok {
				t.Fatalf("Secret %s: this test was given no content for it", vol.Secret.SecretName)
			}
			if vol.Secret.DefaultMode == nil || *vol.Secret.DefaultMode != 0o400 {
				t.Fatalf("Secret volume %s: defaultMode %v, want 0400", m.Name, vol.Secret.DefaultMode)
			}
			// fsGroup adds group read to a read-only volume's files.
			writeAtomic(t, dir, data, os.FileMode(*vol.Secret.DefaultMode)|0o040)
			volumeDirs[vol.Secret.SecretName] = dir
		}
	}

	// The environment: envFrom the generated otelgate-env, then env.
	env := map[string]string{}
	for _, ef := range ctr.EnvFrom {
		if ef.ConfigMapRef.Name != "otelgate-env" {
			t.Fatalf("envFrom ConfigMap %s: this test does not know its content", ef.ConfigMapRef.Name)
		}
		for k, v := range readEnvFile(t, filepath.Join(repo, kubeBase, "gateway.env")) {
			env[k] = v
		}
	}
	for k, v := range generated {
		env[k] = v
	}
	downward := map[string]string{
		"metadata.name":      "otelgate-0",
		"metadata.uid":       "6f1c1d2e-0000-4000-8000-000000000001",
		"metadata.namespace": "otelgate",
		"spec.nodeName":      "node-a",
	}
	for _, e := range ctr.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
			if strings.HasPrefix(e.Value, "/") { // a path in the pod
				env[e.Name] = at(e.Value)
			}
		case e.ValueFrom.FieldRef != nil:
			v, ok := downward[e.ValueFrom.FieldRef.FieldPath]
			if !ok {
				t.Fatalf("env %s: fieldRef %s unknown to this test", e.Name, e.ValueFrom.FieldRef.FieldPath)
			}
			env[e.Name] = v
		case e.ValueFrom.ResourceFieldRef != nil && e.ValueFrom.ResourceFieldRef.Resource == "limits.memory":
			// The kubelet gives the limit in bytes (divisor 1).
			env[e.Name] = strconv.FormatInt(quantityBytes(t, ctr.Resources.Limits["memory"]), 10)
		case e.ValueFrom.SecretKeyRef != nil:
			v, ok := secrets[e.ValueFrom.SecretKeyRef.Name][e.ValueFrom.SecretKeyRef.Key]
			if !ok {
				t.Fatalf("env %s: Secret %s key %s: this test was given no content for it", e.Name, e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
			}
			env[e.Name] = string(v)
		default:
			t.Fatalf("env %s: valueFrom unknown to this test", e.Name)
		}
	}
	if env["GOMEMLIMIT"] == "" {
		t.Fatal("the StatefulSet sets no GOMEMLIMIT")
	}
	// Listen on free loopback ports (gatewayproc picks them) instead of
	// 0.0.0.0 and the fixed ports; send to the sink instead of the backend.
	for _, k := range []string{gatewayproc.EnvGRPCEndpoint, gatewayproc.EnvHTTPEndpoint, gatewayproc.EnvHealthEndpoint, gatewayproc.EnvMetricsPort, "OTELGATE_METRICS_HOST", gatewayproc.EnvBackendEndpoint} {
		if _, ok := env[k]; !ok {
			t.Fatalf("the StatefulSet does not set %s", k)
		}
		delete(env, k)
	}
	sink := e2etest.StartSink(t)
	env[gatewayproc.EnvBackendEndpoint] = sink.GRPCEndpoint
	env["OTELGATE_METRICS_HOST"] = "127.0.0.1"
	for k, v := range addresses {
		if _, ok := env[k]; !ok {
			t.Fatalf("the manifests do not set %s", k)
		}
		env[k] = v
	}

	// The arguments, with the pod's paths under root.
	args := make([]string, len(ctr.Args))
	for i, a := range ctr.Args {
		args[i] = a
		if strings.HasPrefix(a, "/") {
			args[i] = at(a)
		}
	}
	if len(args) < 2 || args[0] != "--config" {
		t.Fatalf("StatefulSet args %v: want --config <file> first", ctr.Args)
	}
	// A path the configs default to (${env:X:-/etc/...}) is a path in the
	// pod too: under root here.
	for i := 0; i+1 < len(args); i++ {
		if args[i] != "--config" {
			continue
		}
		cfg, err := os.ReadFile(args[i+1])
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range absDefault.FindAllStringSubmatch(string(cfg), -1) {
			if _, set := env[m[1]]; !set {
				env[m[1]] = at(m[2])
			}
		}
	}
	l := &podLayout{sink: sink, env: env, volumeDirs: volumeDirs, opts: gatewayproc.Options{
		Binary: e2etest.Binary(t),
		Config: args[1],
		Args:   args[2:],
		Env:    env,
		// The image's WORKDIR: nothing may depend on the repository's files.
		WorkDir: at("/var/lib/otelgate"),
	}}
	l.start(t)
	return l
}

// start starts the gateway process of the layout and waits for health.
func (l *podLayout) start(t *testing.T) {
	t.Helper()
	o := l.opts
	o.Dir = t.TempDir() // the log; OTELGATE_DATA_DIR comes from the manifest
	p, err := gatewayproc.StartHealthy(o, 60*time.Second)
	if err != nil {
		t.Fatalf("gateway in the pod layout: %v\n%s", err, p.Output())
	}
	t.Cleanup(func() {
		if err := p.Stop(60 * time.Second); err != nil {
			t.Errorf("stop: %v\n%s", err, p.Output())
		}
	})
	// The process got the memory limit as GOMEMLIMIT (a malformed value
	// would have stopped the Go runtime at start).
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", p.PID()))
	if err == nil && !bytes.Contains(environ, []byte("\x00GOMEMLIMIT="+l.env["GOMEMLIMIT"]+"\x00")) {
		t.Errorf("the process environment lacks GOMEMLIMIT=%s", l.env["GOMEMLIMIT"])
	}
	l.Process = p
}

// export sends one error span (always kept) of service, claiming tenant
// globex and carrying user.email, with token over OTLP/gRPC.
func (l *podLayout) export(t *testing.T, service, token string) error {
	t.Helper()
	creds := insecure.NewCredentials()
	if l.clientTLS != nil {
		creds = credentials.NewTLS(l.clientTLS)
	}
	conn, err := grpc.NewClient(l.GRPCEndpoint, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	td := spans(service, "globex")
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().PutStr("user.email", "alice@example.com")
	_, err = ptraceotlp.NewGRPCClient(conn).Export(metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token),
		ptraceotlp.NewExportRequestFromTraces(td))
	return err
}

// baseSecrets are the Secrets of the base, as README's "Deploy on
// Kubernetes" creates them: a key ring, and tokens with acme's token.
func baseSecrets(t *testing.T, tokens []byte) map[string]map[string][]byte {
	t.Helper()
	keys, err := gatewayproc.WriteThrowawayKeys(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keyRing, err := os.ReadFile(keys)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]map[string][]byte{
		"otelgate-keyring": {"keys.yaml": keyRing},
		"otelgate-tokens":  {"tokens.yaml": tokens},
	}
}

func acmeTokens(token string) []byte {
	return []byte("tokens:\n  - tenant: acme\n    token: " + token + "\n")
}

// TestKubernetesPodLayout runs the gateway in the pod layout of
// deploy/kubernetes/base (see startPodLayout). It checks that the gateway
// becomes healthy with GOMEMLIMIT; that spans sent with a token reach the
// sink with the token's tenant (not the one the client claims), the
// ownership table's columns and encrypted personal data; and that rotating
// the tokens Secret the way the kubelet does (swapping ..data) takes effect
// without a restart: the new token is accepted, the old one refused; and so
// do an update of the tables ConfigMap and a rotation of the key ring Secret
// (new ciphertexts name the new key).
func TestKubernetesPodLayout(t *testing.T) {
	e2etest.SkipIfShort(t)
	l := startPodLayout(t, baseSecrets(t, acmeTokens(tokenAcme)), nil, nil)
	if err := l.export(t, "checkout", tokenAcme); err != nil {
		t.Fatalf("export with acme's token: %v\n%s", err, l.Output())
	}
	l.sink.WaitForSpans(t, 1, 30*time.Second)
	checkPodLayoutSpan(t, l.sink.AllTraces(), "checkout")

	// Rotate the tokens Secret as the kubelet does: new token in, old out.
	const rotated = "acme-rotated-token-5e4d3c2b1a09"
	writeAtomic(t, l.volumeDirs["otelgate-tokens"], map[string][]byte{"tokens.yaml": acmeTokens(rotated)}, 0o440)
	deadline := time.Now().Add(60 * time.Second) // tenant_auth polls every 10s
	for {
		err := l.export(t, "checkout-rotated", rotated)
		if err == nil {
			break
		}
		if status.Code(err) != codes.Unauthenticated || time.Now().After(deadline) {
			t.Fatalf("export with the rotated token: %v\n%s", err, l.Output())
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err := l.export(t, "checkout-old", tokenAcme); status.Code(err) != codes.Unauthenticated {
		t.Errorf("the token removed from the Secret: %v, want Unauthenticated", err)
	}
	l.sink.WaitForSpans(t, 2, 30*time.Second)
	if got := tenantsBySink(l.sink)["checkout-rotated"]; strings.Join(got, ",") != "acme" {
		t.Errorf("after rotation the sink saw tenant.id %v, want [acme]", got)
	}
	if _, ok := tenantsBySink(l.sink)["checkout-old"]; ok {
		t.Error("spans sent with the removed token reached the sink")
	}

	// Update the tables ConfigMap in place as the kubelet does: the
	// enrichment processor re-reads the table, no restart.
	table, err := os.ReadFile(filepath.Join(e2etest.RepoRoot(), kubeBase, "tables/ownership.csv"))
	if err != nil {
		t.Fatal(err)
	}
	updated := strings.Replace(string(table), "checkout,payments-platform,", "checkout,checkout-squad,", 1)
	if updated == string(table) {
		t.Fatal("tables/ownership.csv has no checkout,payments-platform row: update this test")
	}
	writeAtomic(t, l.volumeDirs["otelgate-tables"], map[string][]byte{"ownership.csv": []byte(updated)}, 0o644)
	deadline = time.Now().Add(60 * time.Second)
	for attempt := 1; ; attempt++ {
		l.sink.Reset()
		if err := l.export(t, "checkout", rotated); err != nil {
			t.Fatal(err)
		}
		l.sink.WaitForSpans(t, 1, 30*time.Second)
		if team, _ := l.sink.AllTraces().ResourceSpans().At(0).Resource().Attributes().Get("team"); team.AsString() == "checkout-squad" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the updated ownership table was not applied within 60s (%d exports)", attempt)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// Rotate the key ring Secret: a new active key, the old one kept for
	// decryption. New ciphertexts name the new key, without a restart.
	ringFile, err := os.ReadFile(filepath.Join(l.volumeDirs["otelgate-keyring"], "keys.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.Parse(ringFile)
	if err != nil {
		t.Fatal(err)
	}
	next, err := keyring.GenerateKey("rotated-k2")
	if err != nil {
		t.Fatal(err)
	}
	rotatedRing, err := keyring.NewRing(append(ring.Keys(), next), next.ID())
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, l.volumeDirs["otelgate-keyring"], map[string][]byte{"keys.yaml": keyring.Marshal(rotatedRing)}, 0o440)
	deadline = time.Now().Add(60 * time.Second)
	for attempt := 1; ; attempt++ {
		l.sink.Reset()
		if err := l.export(t, "checkout", rotated); err != nil {
			t.Fatal(err)
		}
		l.sink.WaitForSpans(t, 1, 30*time.Second)
		email, _ := l.sink.AllTraces().ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get("user.email")
		if strings.Contains(email.AsString(), ":"+next.ID()+":") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("user.email = %q: the rotated key ring was not applied within 60s (%d exports)", email.AsString(), attempt)
		}
		time.Sleep(500 * time.Millisecond)
	}

	resp, err := http.Get("http://" + l.HealthEndpoint + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health after the updates: %d", resp.StatusCode)
	}
}

// TestKubernetesPodLayoutTLSRedis runs the pod layout with the components of
// examples/production: TLS on the receivers from the otelgate-tls Secret
// (tls.crt, tls.key), and sampling_state switched to a real redis-server that
// requires the password of the otelgate-redis Secret. The gateway is
// healthy; a client that trusts the certificate delivers over TLS, one in
// plaintext is refused; the sampling counts are in that Redis.
func TestKubernetesPodLayoutTLSRedis(t *testing.T) {
	e2etest.SkipIfShort(t)
	const password = "redis-e2e-password-7c6b5a49"
	srv := redistest.StartWithPassword(t, password)
	certFile, keyFile, pool := writeCert(t)
	secrets := baseSecrets(t, acmeTokens(tokenAcme))
	secrets["otelgate-redis"] = map[string][]byte{"password": []byte(password)}
	secrets["otelgate-tls"] = map[string][]byte{}
	for key, f := range map[string]string{"tls.crt": certFile, "tls.key": keyFile} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		secrets["otelgate-tls"][key] = b
	}
	l := startPodLayout(t, secrets, []string{"tls", "redis"}, map[string]string{"OTELGATE_REDIS_ENDPOINT": srv.Addr})
	if got := l.env["OTELGATE_SAMPLING_STATE_BACKEND"]; got != "redis" {
		t.Fatalf("OTELGATE_SAMPLING_STATE_BACKEND = %q with components/redis, want redis", got)
	}
	if err := l.export(t, "checkout-plaintext", tokenAcme); err == nil {
		t.Fatal("a plaintext export was accepted by receivers that should speak TLS only")
	}
	l.clientTLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if err := l.export(t, "checkout", tokenAcme); err != nil {
		t.Fatalf("export over TLS: %v\n%s", err, l.Output())
	}
	l.sink.WaitForSpans(t, 1, 30*time.Second)
	checkPodLayoutSpan(t, l.sink.AllTraces(), "checkout")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := goredis.NewClient(&goredis.Options{Addr: srv.Addr}).Ping(ctx).Err(); err == nil {
		t.Fatal("the test Redis answers without the password: it would not show the gateway authenticates")
	}
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr, Password: password})
	defer rdb.Close()
	for {
		n, err := rdb.DBSize(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no sampling_state key in Redis 30s after the spans were delivered\n%s", l.Output())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestKubernetesPodLayoutDrain: what a replica accepted while its backend
// was away survives SIGTERM in the replica's volume and is sent by the next
// process on that volume, as README's "Draining" says: the gateway in the
// base's pod layout accepts spans with no backend listening, stops cleanly
// on SIGTERM, and after a start on the same files with the backend up the
// backend receives every one of them.
func TestKubernetesPodLayoutDrain(t *testing.T) {
	e2etest.SkipIfShort(t)
	down := e2etest.FreeAddr(t) // nothing listens there
	l := startPodLayout(t, baseSecrets(t, acmeTokens(tokenAcme)), nil, map[string]string{gatewayproc.EnvBackendEndpoint: down})
	const n = 5
	for i := range n {
		if err := l.export(t, fmt.Sprintf("checkout-%d", i), tokenAcme); err != nil {
			t.Fatalf("export %d with the backend away: %v\n%s", i, err, l.Output())
		}
	}
	if err := l.Stop(60 * time.Second); err != nil {
		t.Fatalf("SIGTERM with a full queue: %v\n%s", err, l.Output())
	}
	if got := l.sink.Traces.SpanCount(); got != 0 {
		t.Fatalf("the sink, not the backend, received %d spans", got)
	}

	l.opts.Env[gatewayproc.EnvBackendEndpoint] = l.sink.GRPCEndpoint
	l.start(t)
	l.sink.WaitForSpans(t, n, 60*time.Second)
	// The replay arrives within milliseconds of the start, and the collector
	// installs its SIGTERM handler only after it reports ready
	// (otelcol.Collector.Run): a SIGTERM in that instant kills it without a
	// drain. One more round trip (the batch timeout is 1s) before the
	// cleanup's SIGTERM keeps the test out of that window.
	if err := l.export(t, "after-restart", tokenAcme); err != nil {
		t.Fatalf("export after the restart: %v\n%s", err, l.Output())
	}
	l.sink.WaitForSpans(t, n+1, 60*time.Second)
	got := tenantsBySink(l.sink)
	for i := range n {
		svc := fmt.Sprintf("checkout-%d", i)
		if strings.Join(got[svc], ",") != "acme" {
			t.Errorf("%s after the restart: tenant.id %v, want [acme] once", svc, got[svc])
		}
	}
}

// componentPatch is what a component's JSON patches add to the gateway's pod.
type componentPatch struct {
	env     []podEnv
	args    []string
	mounts  []podMount
	volumes []podVolume
}

// readComponent reads what a kustomize component adds to the gateway: the
// literals it merges into otelgate-env, and the env entries, arguments,
// volume mounts and volumes its JSON patches add to the pod.
func readComponent(t *testing.T, path string) (map[string]string, componentPatch) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		ConfigMapGenerator []struct {
			Name     string   `yaml:"name"`
			Behavior string   `yaml:"behavior"`
			Literals []string `yaml:"literals"`
		} `yaml:"configMapGenerator"`
		Patches []struct {
			Patch string `yaml:"patch"`
		} `yaml:"patches"`
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	literals := map[string]string{}
	for _, g := range c.ConfigMapGenerator {
		if g.Name != "otelgate-env" || g.Behavior != "merge" {
			t.Fatalf("%s: generator %s (%s) unknown to this test", path, g.Name, g.Behavior)
		}
		for _, l := range g.Literals {
			k, v, _ := strings.Cut(l, "=")
			literals[k] = v
		}
	}
	var add componentPatch
	for _, p := range c.Patches {
		var ops []struct {
			Op    string    `yaml:"op"`
			Path  string    `yaml:"path"`
			Value yaml.Node `yaml:"value"`
		}
		if err := yaml.Unmarshal([]byte(p.Patch), &ops); err != nil {
			t.Fatal(err)
		}
		for _, op := range ops {
			var err error
			switch {
			case op.Op != "add":
				t.Fatalf("%s: patch op %s %s unknown to this test", path, op.Op, op.Path)
			case op.Path == "/spec/template/spec/containers/0/env/-":
				var e podEnv
				err = op.Value.Decode(&e)
				add.env = append(add.env, e)
			case op.Path == "/spec/template/spec/containers/0/args/-":
				var a string
				err = op.Value.Decode(&a)
				add.args = append(add.args, a)
			case op.Path == "/spec/template/spec/containers/0/volumeMounts/-":
				var m podMount
				err = op.Value.Decode(&m)
				add.mounts = append(add.mounts, m)
			case op.Path == "/spec/template/spec/volumes/-":
				var v podVolume
				err = op.Value.Decode(&v)
				add.volumes = append(add.volumes, v)
			default:
				t.Fatalf("%s: patch path %s unknown to this test", path, op.Path)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return literals, add
}

// checkPodLayoutSpan: the tenant is the token's, the ownership table (from
// the tables ConfigMap) was applied, and user.email left encrypted (with the
// key ring from the Secret).
func checkPodLayoutSpan(t *testing.T, td ptrace.Traces, service string) {
	t.Helper()
	for _, rs := range td.ResourceSpans().All() {
		attrs := rs.Resource().Attributes().AsRaw()
		if attrs["service.name"] != service {
			continue
		}
		if attrs["tenant.id"] != "acme" {
			t.Errorf("tenant.id %v, want acme (the token's, not the claimed globex)", attrs["tenant.id"])
		}
		if attrs["team"] != "payments-platform" {
			t.Errorf("team %v, want payments-platform from the ownership table", attrs["team"])
		}
		for _, ss := range rs.ScopeSpans().All() {
			for _, s := range ss.Spans().All() {
				v, ok := s.Attributes().Get("user.email")
				if !ok || v.AsString() == "" || strings.Contains(v.AsString(), "alice@example.com") {
					t.Errorf("user.email = %q: want it encrypted", v.AsString())
				}
			}
		}
		return
	}
	t.Errorf("no spans of service %s at the sink", service)
}

// writeAtomic lays out (or updates) a ConfigMap or Secret volume as the
// kubelet's atomic writer does: the files in a new timestamped directory,
// ..data a symlink to it, swapped by rename, and one symlink per key to
// ..data/<key>.
func writeAtomic(t *testing.T, dir string, data map[string][]byte, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ts, err := os.MkdirTemp(dir, ".."+time.Now().UTC().Format("2006_01_02_15_04_05."))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ts, 0o755); err != nil {
		t.Fatal(err)
	}
	for key, b := range data {
		p := filepath.Join(ts, key)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	tmpLink := filepath.Join(dir, "..data_tmp")
	if err := os.Symlink(filepath.Base(ts), tmpLink); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmpLink, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for key := range data {
		link := filepath.Join(dir, key)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", key), link); err != nil {
			t.Fatal(err)
		}
	}
}

// readEnvFile reads a kustomize env file (KEY=VALUE lines, # comments).
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not KEY=VALUE", path, line)
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// quantityBytes converts a Kubernetes memory quantity with a binary suffix
// (Ki, Mi, Gi) or none to bytes.
func quantityBytes(t *testing.T, q string) int64 {
	t.Helper()
	mult := int64(1)
	for suffix, m := range map[string]int64{"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30} {
		if strings.HasSuffix(q, suffix) {
			q, mult = strings.TrimSuffix(q, suffix), m
		}
	}
	n, err := strconv.ParseInt(q, 10, 64)
	if err != nil || n <= 0 {
		t.Fatalf("memory limit %q: want an integer with Ki, Mi or Gi", q)
	}
	return n * mult
}
