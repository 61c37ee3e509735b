package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/otelgate/otelgate/internal/e2etest"
	"github.com/otelgate/otelgate/internal/gatewayproc"
)

// imageUID is the numeric user of the image (Dockerfile USER).
const imageUID = 10001

// TestImageSmoke builds the image with `make image` (buildah, into a private
// storage under a temporary directory), checks its configuration (non-root
// numeric user, entrypoint, no key material inside), then mounts it and runs
// its entrypoint under chroot as the image's user, with the image's
// environment, key ring and tokens mounted the way Kubernetes does, on a
// read-only root with a writable volume at /var/lib/otelgate:
// health_check answers 200 and data sent with a token reaches a sink with the
// token's tenant.
func TestImageSmoke(t *testing.T) {
	e2etest.SkipIfShort(t)
	buildah, err := exec.LookPath("buildah")
	if err != nil {
		t.Skip("buildah is not installed (apt-get install -y buildah): the image smoke test needs it")
	}
	if os.Geteuid() != 0 {
		t.Skip("the image smoke test runs the image's entrypoint under chroot, which needs root")
	}
	root := e2etest.RepoRoot()
	store := t.TempDir()
	flags := []string{"--root", filepath.Join(store, "root"), "--runroot", filepath.Join(store, "run"), "--storage-driver", "vfs"}
	run := func(name string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = root
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out.String(), errOut.String())
		}
		return strings.TrimSpace(out.String())
	}
	const tag = "localhost/otelgate:smoke"
	run("make", "--no-print-directory", "image", "IMAGE="+tag,
		"BUILDAH_FLAGS=--root "+flags[1]+" --runroot "+flags[3])
	t.Cleanup(func() { _ = exec.Command(buildah, append(flags, "rmi", "-f", tag)...).Run() })

	var inspect struct {
		OCIv1 struct {
			Config struct {
				User       string
				Env        []string
				Entrypoint []string
				Cmd        []string
			} `json:"config"`
		}
	}
	if err := json.Unmarshal([]byte(run(buildah, append(flags, "inspect", "--type", "image", tag)...)), &inspect); err != nil {
		t.Fatal(err)
	}
	cfg := inspect.OCIv1.Config
	if cfg.User != fmt.Sprintf("%d:%d", imageUID, imageUID) {
		t.Errorf("image user %q, want %d:%d (numeric, non-root)", cfg.User, imageUID, imageUID)
	}
	if strings.Join(cfg.Entrypoint, " ") != "/otelgate" || strings.Join(cfg.Cmd, " ") != "--config /etc/otelgate/config.yaml" {
		t.Errorf("entrypoint %v cmd %v", cfg.Entrypoint, cfg.Cmd)
	}

	ctr := run(buildah, append(flags, "from", tag)...)
	t.Cleanup(func() { _ = exec.Command(buildah, append(flags, "rm", ctr)...).Run() })
	mnt := run(buildah, append(flags, "mount", ctr)...)
	t.Cleanup(func() { _ = exec.Command(buildah, append(flags, "umount", ctr)...).Run() })

	// Nothing secret is baked in: no key ring, no tokens, no private key.
	walkErr := filepath.WalkDir(mnt, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch filepath.Base(p) {
		case "keys.yaml", "tokens.yaml", "tls.key":
			t.Errorf("the image contains %s", strings.TrimPrefix(p, mnt))
		}
		return nil
	})
	if walkErr != nil {
		t.Fatal(walkErr)
	}
	for _, f := range []string{"otelgate", "etc/otelgate/config.yaml", "etc/otelgate/tls.yaml", "etc/otelgate/tables/ownership.csv", "etc/ssl/certs/ca-certificates.crt"} {
		if _, err := os.Stat(filepath.Join(mnt, f)); err != nil {
			t.Errorf("the image lacks /%s: %v", f, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(mnt, "var/lib/otelgate")); err != nil || fi.Sys().(*syscall.Stat_t).Uid != imageUID {
		t.Errorf("/var/lib/otelgate must exist and belong to uid %d: %v", imageUID, err)
	}

	// Mount the secrets as a Kubernetes Secret volume would (mode 0400, the pod's user).
	keys, err := gatewayproc.WriteThrowawayKeys(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	keyData, err := os.ReadFile(keys)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string][]byte{
		"etc/otelgate/keys/keys.yaml":     keyData,
		"etc/otelgate/tokens/tokens.yaml": []byte("tokens:\n  - tenant: acme\n    token: " + tokenAcme + "\n"),
	}
	for rel, data := range secrets {
		p := filepath.Join(mnt, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o400); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, imageUID, imageUID); err != nil {
			t.Fatal(err)
		}
	}

	// A container runtime gives the process /proc (memory_limiter reads the
	// cgroup limit there); chroot does not, so mount it as the runtime would.
	procDir := filepath.Join(mnt, "proc")
	if err := os.MkdirAll(procDir, 0o555); err != nil {
		t.Fatal(err)
	}

	// deploy/kubernetes runs the container with readOnlyRootFilesystem and a
	// volume (the queue claim) at /var/lib/otelgate: remount the image's root
	// read-only, with a writable directory there, so that a write anywhere
	// else fails the start (EROFS binds root too).
	if err := syscall.Mount(mnt, mnt, "", syscall.MS_BIND, ""); err != nil {
		t.Skipf("cannot bind-mount the image's root (%v): the read-only root needs it", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(mnt, syscall.MNT_DETACH) })
	if err := syscall.Mount("", mnt, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount the image's root read-only: %v", err)
	}
	claim := t.TempDir()
	if err := os.Chown(claim, imageUID, imageUID); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount(claim, filepath.Join(mnt, "var/lib/otelgate"), "", syscall.MS_BIND, ""); err != nil {
		t.Fatalf("mount the queue volume: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(filepath.Join(mnt, "var/lib/otelgate"), syscall.MNT_DETACH) })
	if err := os.WriteFile(filepath.Join(mnt, "etc/otelgate/probe"), nil, 0o600); err == nil {
		t.Fatal("the image's root is still writable after the read-only remount")
	}

	if err := syscall.Mount("proc", procDir, "proc", 0, ""); err != nil {
		t.Skipf("cannot mount /proc into the image's root (%v): the entrypoint needs it", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(procDir, syscall.MNT_DETACH) })

	sink := e2etest.StartSink(t)
	grpcAddr, httpAddr, healthAddr := e2etest.FreeAddr(t), e2etest.FreeAddr(t), e2etest.FreeAddr(t)
	cmd := exec.Command("chroot", fmt.Sprintf("--userspec=%d:%d", imageUID, imageUID), mnt)
	cmd.Args = append(cmd.Args, append(cfg.Entrypoint, cfg.Cmd...)...)
	cmd.Env = append(append([]string{}, cfg.Env...),
		"OTELGATE_OTLP_GRPC_ENDPOINT="+grpcAddr,
		"OTELGATE_OTLP_HTTP_ENDPOINT="+httpAddr,
		"OTELGATE_HEALTH_ENDPOINT="+healthAddr,
		"OTELGATE_METRICS_PORT="+strconv.Itoa(e2etest.FreePort(t)),
		"OTELGATE_BACKEND_ENDPOINT="+sink.GRPCEndpoint,
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			_ = cmd.Process.Kill()
			if err := <-exited; err == nil {
				t.Log("the killed gateway exited with status 0")
			}
		}
	}()

	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + healthAddr + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			stopped = true
			t.Fatalf("the image's entrypoint exited: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("health_check never answered 200 within 60s\n%s", out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}

	conn, err := grpc.NewClient(grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tokenAcme)
	if _, err := ptraceotlp.NewGRPCClient(conn).Export(ctx, ptraceotlp.NewExportRequestFromTraces(spans("image-smoke", "globex"))); err != nil {
		t.Fatalf("export: %v\n%s", err, out.String())
	}
	sink.WaitForSpans(t, 1, 30*time.Second)
	if got := tenantsBySink(sink)["image-smoke"]; strings.Join(got, ",") != "acme" {
		t.Errorf("sink saw tenant.id %v, want [acme]", got)
	}

	if entries, err := os.ReadDir(claim); err != nil || len(entries) == 0 {
		t.Errorf("nothing written to the queue volume at /var/lib/otelgate (%v)", err)
	}

	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("the gateway did not exit cleanly on SIGTERM: %v\n%s", err, out.String())
		}
	case <-time.After(60 * time.Second):
		t.Errorf("the gateway did not stop within 60s of SIGTERM")
	}
}
