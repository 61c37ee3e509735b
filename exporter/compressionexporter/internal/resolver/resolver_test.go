package resolver

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"golang.org/x/net/dns/dnsmessage"
)

// sets collects the sets a resolver reports.
type sets struct {
	mu  sync.Mutex
	all [][]string
}

func (s *sets) update(set []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, set)
}

func (s *sets) last() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.all) == 0 {
		return nil
	}
	return s.all[len(s.all)-1]
}

func (s *sets) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.all)
}

func TestStatic(t *testing.T) {
	var s sets
	require.NoError(t, Static{Endpoints: []string{"b:1", "a:1", "b:1"}}.Start(s.update))
	assert.Equal(t, [][]string{{"a:1", "b:1"}}, s.all)
}

func TestParseFile(t *testing.T) {
	set, err := ParseFile([]byte("- endpoint: b:4317\n- {endpoint: a:4317, ready: true}\n- {endpoint: c:4317, ready: false}\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"a:4317", "b:4317"}, set)
	set, err = ParseFile([]byte(`[{"endpoint": "x:1", "ready": true}, {"endpoint": "y:1", "ready": false}]`))
	require.NoError(t, err)
	assert.Equal(t, []string{"x:1"}, set, "JSON")
	_, err = ParseFile([]byte("- ready: true\n"))
	require.ErrorContains(t, err, "endpoint must not be empty")
	_, err = ParseFile([]byte("{not a list"))
	assert.Error(t, err)
}

func writeAtomic(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

// TestFileFollowsRenamesSymlinksAndKeepsLastGood: rename and ConfigMap-style
// symlink swaps are seen; a bad file keeps the last set; a change is
// applied only after it stayed for the debounce.
func TestFileFollowsRenamesSymlinksAndKeepsLastGood(t *testing.T) {
	dir := t.TempDir()
	// ConfigMap layout: endpoints.yaml -> ..data/endpoints.yaml, ..data -> ..v1
	require.NoError(t, os.Mkdir(filepath.Join(dir, "..v1"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "..v1", "endpoints.yaml"), []byte("- endpoint: a:1\n"), 0o600))
	require.NoError(t, os.Symlink("..v1", filepath.Join(dir, "..data")))
	path := filepath.Join(dir, "endpoints.yaml")
	require.NoError(t, os.Symlink(filepath.Join("..data", "endpoints.yaml"), path))

	var s sets
	f := &File{Path: path, PollInterval: 10 * time.Millisecond, Debounce: 100 * time.Millisecond, Logger: zap.NewNop()}
	require.NoError(t, f.Start(s.update))
	defer f.Shutdown()
	assert.Equal(t, []string{"a:1"}, s.last())

	// Swap the ..data symlink to a new directory, as the kubelet does.
	require.NoError(t, os.Mkdir(filepath.Join(dir, "..v2"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "..v2", "endpoints.yaml"), []byte("- endpoint: a:1\n- endpoint: b:1\n"), 0o600))
	require.NoError(t, os.Symlink("..v2", filepath.Join(dir, "..data.tmp")))
	swapped := time.Now()
	require.NoError(t, os.Rename(filepath.Join(dir, "..data.tmp"), filepath.Join(dir, "..data")))
	require.Eventually(t, func() bool { return len(s.last()) == 2 }, 10*time.Second, 5*time.Millisecond)
	assert.GreaterOrEqual(t, time.Since(swapped), 100*time.Millisecond, "applied only after the debounce")

	// Replace the link itself by a plain file (rename over it).
	writeAtomic(t, path, "- endpoint: c:1\n- {endpoint: d:1, ready: false}\n")
	require.Eventually(t, func() bool { return assert.ObjectsAreEqual([]string{"c:1"}, s.last()) }, 10*time.Second, 5*time.Millisecond)

	// A bad file and a missing file keep the last set.
	n := s.count()
	writeAtomic(t, path, "{{{")
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, os.Remove(path))
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, n, s.count())
	assert.Equal(t, []string{"c:1"}, s.last())

	writeAtomic(t, path, "- endpoint: e:1\n")
	require.Eventually(t, func() bool { return assert.ObjectsAreEqual([]string{"e:1"}, s.last()) }, 10*time.Second, 5*time.Millisecond)
}

// TestFileDebounceCollapsesBursts: several writes within the debounce
// produce one update with the final content.
func TestFileDebounceCollapsesBursts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.json")
	require.NoError(t, os.WriteFile(path, []byte(`[{"endpoint":"a:1"}]`), 0o600))
	var s sets
	f := &File{Path: path, PollInterval: 10 * time.Millisecond, Debounce: 400 * time.Millisecond, Logger: zap.NewNop()}
	require.NoError(t, f.Start(s.update))
	defer f.Shutdown()
	for _, c := range []string{`[{"endpoint":"b:1"}]`, `[{"endpoint":"c:1"}]`, `[{"endpoint":"d:1"}]`} {
		writeAtomic(t, path, c)
		time.Sleep(50 * time.Millisecond)
	}
	require.Eventually(t, func() bool { return s.count() == 2 }, 10*time.Second, 10*time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	assert.Equal(t, [][]string{{"a:1"}, {"d:1"}}, s.all)
}

func TestFileStartFailsOnMissingOrBadFile(t *testing.T) {
	f := &File{Path: filepath.Join(t.TempDir(), "nope"), PollInterval: time.Second, Logger: zap.NewNop()}
	require.Error(t, f.Start(func([]string) {}))
	bad := filepath.Join(t.TempDir(), "bad")
	require.NoError(t, os.WriteFile(bad, []byte("- ready: true\n"), 0o600))
	f = &File{Path: bad, PollInterval: time.Second, Logger: zap.NewNop()}
	assert.ErrorContains(t, f.Start(func([]string) {}), "endpoint must not be empty")
}

// dnsServer is a real UDP DNS server on loopback answering A and SRV
// questions from its current records; fail makes it answer SERVFAIL.
type dnsServer struct {
	mu   sync.Mutex
	a    []net.IP
	srv  []dnsmessage.SRVResource
	fail bool
	pc   net.PacketConn
}

func startDNS(t *testing.T) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &dnsServer{pc: pc}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := s.answer(buf[:n]); resp != nil {
				_, _ = pc.WriteTo(resp, addr)
			}
		}
	}()
	return s
}

func (s *dnsServer) answer(req []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(req)
	if err != nil {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: dnsmessage.RCodeSuccess}
	if s.fail {
		rh.RCode = dnsmessage.RCodeServerFailure
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(q)
	_ = b.StartAnswers()
	if !s.fail {
		hdr := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}
		switch q.Type {
		case dnsmessage.TypeA:
			for _, ip := range s.a {
				var a dnsmessage.AResource
				copy(a.A[:], ip.To4())
				_ = b.AResource(hdr, a)
			}
		case dnsmessage.TypeSRV:
			for _, r := range s.srv {
				_ = b.SRVResource(hdr, r)
			}
		}
	}
	out, _ := b.Finish()
	return out
}

func (s *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", s.pc.LocalAddr().String())
	}}
}

func (s *dnsServer) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// TestDNSRefreshesAndKeepsLastGood: A records are re-resolved every
// interval; SERVFAIL and empty answers keep the last set; recovery is seen.
func TestDNSRefreshesAndKeepsLastGood(t *testing.T) {
	srv := startDNS(t)
	srv.set(func() { srv.a = []net.IP{net.IPv4(127, 0, 0, 2), net.IPv4(127, 0, 0, 1)} })
	var s sets
	d := &DNS{Hostname: "collector.otelgate.test.", Port: 4317, Interval: 20 * time.Millisecond, Timeout: time.Second,
		Logger: zap.NewNop(), Resolver: srv.resolver()}
	require.NoError(t, d.Start(s.update))
	defer d.Shutdown()
	assert.Equal(t, []string{"127.0.0.1:4317", "127.0.0.2:4317"}, s.last(), "first set known at start")

	srv.set(func() { srv.a = append(srv.a, net.IPv4(127, 0, 0, 3)) })
	require.Eventually(t, func() bool { return len(s.last()) == 3 }, 10*time.Second, 5*time.Millisecond)

	n := s.count()
	srv.set(func() { srv.fail = true })
	time.Sleep(200 * time.Millisecond)
	srv.set(func() { srv.fail, srv.a = false, nil })
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, n, s.count(), "failures and empty answers keep the last set")
	assert.Len(t, s.last(), 3)

	srv.set(func() { srv.a = []net.IP{net.IPv4(127, 0, 0, 9)} })
	require.Eventually(t, func() bool { return assert.ObjectsAreEqual([]string{"127.0.0.9:4317"}, s.last()) }, 10*time.Second, 5*time.Millisecond)
}

func TestDNSSRV(t *testing.T) {
	srv := startDNS(t)
	target := dnsmessage.MustNewName("sink-0.otelgate.test.")
	srv.set(func() {
		srv.srv = []dnsmessage.SRVResource{{Target: target, Port: 14317}, {Target: dnsmessage.MustNewName("sink-1.otelgate.test."), Port: 24317}}
	})
	var s sets
	d := &DNS{Hostname: "_otlp._tcp.otelgate.test.", SRV: true, Interval: time.Hour, Timeout: time.Second,
		Logger: zap.NewNop(), Resolver: srv.resolver()}
	require.NoError(t, d.Start(s.update))
	defer d.Shutdown()
	assert.Equal(t, []string{"sink-0.otelgate.test:14317", "sink-1.otelgate.test:24317"}, s.last())
}

// TestDNSStartWithoutAnswer: a name that does not resolve yet is not fatal.
func TestDNSStartWithoutAnswer(t *testing.T) {
	srv := startDNS(t)
	srv.set(func() { srv.fail = true })
	var s sets
	d := &DNS{Hostname: "later.otelgate.test.", Port: 1, Interval: 20 * time.Millisecond, Timeout: time.Second,
		Logger: zap.NewNop(), Resolver: srv.resolver()}
	require.NoError(t, d.Start(s.update))
	defer d.Shutdown()
	assert.Equal(t, 0, s.count())
	srv.set(func() { srv.fail, srv.a = false, []net.IP{net.IPv4(127, 0, 0, 5)} })
	require.Eventually(t, func() bool { return s.count() == 1 }, 10*time.Second, 5*time.Millisecond)
}
