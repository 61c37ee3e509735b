package gatewayproc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Environment variables through which configs read their addresses.
const (
	EnvGRPCEndpoint        = "OTELGATE_OTLP_GRPC_ENDPOINT"
	EnvHTTPEndpoint        = "OTELGATE_OTLP_HTTP_ENDPOINT"
	EnvHealthEndpoint      = "OTELGATE_HEALTH_ENDPOINT"
	EnvMetricsPort         = "OTELGATE_METRICS_PORT"
	EnvBackendEndpoint     = "OTELGATE_BACKEND_ENDPOINT"
	EnvBackendHTTPEndpoint = "OTELGATE_BACKEND_HTTP_ENDPOINT"
	EnvDataDir             = "OTELGATE_DATA_DIR"
	// EnvKeysFile names the keyring extension's key file in config.yaml.
	EnvKeysFile = "OTELGATE_KEYS_FILE"
	// EnvTokensFile names the tenant_auth extension's tokens file in config.yaml.
	EnvTokensFile = "OTELGATE_TOKENS_FILE"
)

// Options says how to start a process.
type Options struct {
	Binary string            // the otelgate executable
	Config string            // path of the collector YAML
	Dir    string            // data dir, exported as OTELGATE_DATA_DIR; the log goes to Dir/gateway.log
	Env    map[string]string // added to (and overriding) the defaults below
	Args   []string          // extra command-line arguments
	// WorkDir is the process's working directory (default: current directory).
	WorkDir string
	// Output, when set, also receives what the process prints.
	Output io.Writer
}

// Process is a running otelgate.
type Process struct {
	GRPCEndpoint   string // host:port of the OTLP/gRPC receiver
	HTTPEndpoint   string // http://host:port of the OTLP/HTTP receiver
	HealthEndpoint string // host:port of the health_check extension
	MetricsURL     string // the process's own Prometheus metrics
	Dir            string
	Env            map[string]string // the OTELGATE_* variables it was given
	// Token authenticates senders when the process got a throwaway tokens
	// file (see AuthHeaders); empty when Options.Env named one.
	Token string

	cmd     *exec.Cmd
	out     *lockedBuffer
	done    chan struct{}
	waitErr error
}

// Start starts the process on free loopback ports. It does not wait for health.
func Start(o Options) (*Process, error) {
	addrs, err := freeAddrs(4)
	if err != nil {
		return nil, err
	}
	_, metricsPort, _ := net.SplitHostPort(addrs[3])
	if o.Dir == "" {
		return nil, errors.New("gatewayproc: Options.Dir is required")
	}
	p := &Process{
		GRPCEndpoint:   addrs[0],
		HTTPEndpoint:   "http://" + addrs[1],
		HealthEndpoint: addrs[2],
		MetricsURL:     "http://127.0.0.1:" + metricsPort + "/metrics",
		Dir:            o.Dir,
		out:            &lockedBuffer{},
		done:           make(chan struct{}),
	}
	p.Env = map[string]string{
		EnvGRPCEndpoint:   addrs[0],
		EnvHTTPEndpoint:   addrs[1],
		EnvHealthEndpoint: addrs[2],
		EnvMetricsPort:    metricsPort,
		EnvDataDir:        o.Dir,
	}
	for k, v := range o.Env {
		p.Env[k] = v
	}
	if _, given := p.Env[EnvKeysFile]; !given {
		path, err := WriteThrowawayKeys(o.Dir)
		if err != nil {
			return nil, err
		}
		p.Env[EnvKeysFile] = path
	}
	if _, given := p.Env[EnvTokensFile]; !given {
		path, token, err := WriteThrowawayTokens(o.Dir)
		if err != nil {
			return nil, err
		}
		p.Env[EnvTokensFile], p.Token = path, token
	}
	args := append([]string{"--config", o.Config}, o.Args...)
	p.cmd = exec.Command(o.Binary, args...)
	p.cmd.Dir = o.WorkDir
	p.cmd.Env = os.Environ()
	for k, v := range p.Env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	logFile, err := os.Create(filepath.Join(o.Dir, "gateway.log"))
	if err != nil {
		return nil, err
	}
	writers := []io.Writer{p.out, logFile}
	if o.Output != nil {
		writers = append(writers, o.Output)
	}
	w := io.MultiWriter(writers...)
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("start %s: %w", o.Binary, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// StartAttempts bounds the starts of a listener whose port was taken between
// its choice and the bind (see StartHealthy).
const StartAttempts = 3

// StartHealthy starts the process and waits up to timeout until it is healthy.
// A process that failed because one of its ports was taken between the choice
// and the bind (another process got there first) is started again on fresh
// ports, up to StartAttempts times. On failure the returned Process, when not
// nil, has exited and still holds its output (Output of a nil Process is "").
func StartHealthy(o Options, timeout time.Duration) (*Process, error) {
	for attempt := 1; ; attempt++ {
		p, err := Start(o)
		if err != nil {
			return nil, err
		}
		err = p.WaitHealthy(timeout)
		if err == nil {
			return p, nil
		}
		p.Kill()
		if attempt < StartAttempts && IsAddrInUse(p.Output()) {
			continue
		}
		return p, err
	}
}

// WaitHealthy polls the health_check extension until it answers 200.
func (p *Process) WaitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-p.done:
			return fmt.Errorf("process exited: %w", p.waitErr)
		default:
		}
		resp, err := client.Get("http://" + p.HealthEndpoint + "/")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no healthy answer from %s within %s (last error: %w)", p.HealthEndpoint, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Output is what the process printed on stdout and stderr so far.
func (p *Process) Output() string {
	if p == nil {
		return ""
	}
	return p.out.String()
}

// PID is the operating-system process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has exited, and its error.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Wait waits up to timeout for the process to exit on its own; it reports
// whether it exited and with which error.
func (p *Process) Wait(timeout time.Duration) (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	case <-time.After(timeout):
		return false, nil
	}
}

// ErrStopTimeout is returned by Stop when the process outlived its grace period
// and was killed.
var ErrStopTimeout = errors.New("process did not exit after SIGTERM and was killed")

// Stop sends SIGTERM and waits up to grace for the exit; it returns the exit
// error (nil for exit code 0). A process that outlives grace is killed.
func (p *Process) Stop(grace time.Duration) error {
	if exited, err := p.Exited(); exited {
		return err
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.waitErr
	case <-time.After(grace):
		p.Kill()
		return ErrStopTimeout
	}
}

// Kill ends the process at once and waits for it.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Scrape reads the process's own metrics.
func (p *Process) Scrape() ([]Sample, error) { return ScrapeURL(p.MetricsURL) }

// ProcStats is what /proc says of a running process.
type ProcStats struct {
	CPUSeconds float64 // user + system
	PeakRSS    int64   // bytes (VmHWM)
}

// Stats reads CPU time and peak RSS from /proc (Linux only).
func (p *Process) Stats() (ProcStats, error) {
	var st ProcStats
	pid := strconv.Itoa(p.PID())
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return st, err
	}
	// Fields after the parenthesised command name; utime and stime are fields 14 and 15.
	rest := stat[bytes.LastIndexByte(stat, ')')+2:]
	fields := bytes.Fields(rest)
	if len(fields) < 13 {
		return st, fmt.Errorf("short /proc/%s/stat", pid)
	}
	utime, _ := strconv.ParseFloat(string(fields[11]), 64)
	stime, _ := strconv.ParseFloat(string(fields[12]), 64)
	const clockTicks = 100 // USER_HZ on Linux
	st.CPUSeconds = (utime + stime) / clockTicks
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return st, err
	}
	for _, line := range bytes.Split(status, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, _ := strconv.ParseInt(string(bytes.Fields(v)[0]), 10, 64)
			st.PeakRSS = kb * 1024
		}
	}
	return st, nil
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
