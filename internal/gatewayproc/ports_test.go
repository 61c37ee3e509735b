package gatewayproc

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFreeAddrBelowEphemeralRangeAndUnique(t *testing.T) {
	hi := ephemeralStart()
	seen := map[string]bool{}
	for range 50 {
		a, err := FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		if seen[a] {
			t.Fatalf("%s handed out twice", a)
		}
		seen[a] = true
		_, ps, _ := net.SplitHostPort(a)
		p, _ := strconv.Atoi(ps)
		if p < lowestPort || p >= hi {
			t.Fatalf("port %d outside [%d, %d)", p, lowestPort, hi)
		}
		l, err := net.Listen("tcp", a)
		if err != nil {
			t.Fatalf("%s not bindable: %v", a, err)
		}
		_ = l.Close()
	}
}

// fakeBinary writes a script that records each start in dir/attempts, prints
// msg and exits 1.
func fakeBinary(t *testing.T, msg string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "otelgate")
	script := "#!/bin/sh\necho start >> \"$OTELGATE_DATA_DIR/attempts\"\necho '" + msg + "'\nexit 1\n"
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

func attempts(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "attempts"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "start")
}

func TestStartHealthyRetriesOnlyLostPorts(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs /bin/sh")
	}
	cases := []struct {
		msg  string
		want int
	}{
		{"Error: cannot start pipelines: listen tcp 127.0.0.1:33167: bind: address already in use", StartAttempts},
		{"Error: invalid configuration: processors::attribute_filter: unknown field", 1},
	}
	for _, c := range cases {
		dir := t.TempDir()
		p, err := StartHealthy(Options{Binary: fakeBinary(t, c.msg), Config: "unused.yaml", Dir: dir}, 10*time.Second)
		if err == nil {
			t.Fatalf("%q: a process that exited was reported healthy", c.msg)
		}
		if p == nil || !strings.Contains(p.Output(), c.msg) {
			t.Errorf("%q: the failed process's output is not kept", c.msg)
		}
		if got := attempts(t, dir); got != c.want {
			t.Errorf("%q: %d starts, want %d", c.msg, got, c.want)
		}
	}
}
