package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

func startReceiver(t *testing.T, tc consumer.Traces, lc consumer.Logs) (grpcAddr, httpAddr string) {
	t.Helper()
	free := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	grpcAddr, httpAddr = free(), free()
	f := otlpreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*otlpreceiver.Config)
	g := cfg.Protocols.GRPC.GetOrInsertDefault()
	g.NetAddr.Endpoint = grpcAddr
	h := cfg.Protocols.HTTP.GetOrInsertDefault()
	h.ServerConfig.NetAddr.Endpoint = httpAddr
	cfg.Protocols.GRPC = configoptional.Some(*g)
	cfg.Protocols.HTTP = configoptional.Some(*h)
	set := receivertest.NewNopSettings(f.Type())
	tr, err := f.CreateTraces(context.Background(), set, cfg, tc)
	if err != nil {
		t.Fatal(err)
	}
	lr, err := f.CreateLogs(context.Background(), set, cfg, lc)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []component.Component{tr, lr} {
		if err := c.Start(context.Background(), componenttest.NewNopHost()); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_ = tr.Shutdown(context.Background())
		_ = lr.Shutdown(context.Background())
	})
	return grpcAddr, httpAddr
}

// rowItems returns the "items sent" and "acknowledged" columns of a signal's row.
func rowItems(t *testing.T, out, signal string) (sent, acked int64) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && f[0] == signal {
			sent, _ = strconv.ParseInt(f[3], 10, 64)
			acked, _ = strconv.ParseInt(f[4], 10, 64)
			return sent, acked
		}
	}
	t.Fatalf("no %s row in:\n%s", signal, out)
	return 0, 0
}

func TestLoadgenSendsAndReports(t *testing.T) {
	traces, logs := new(consumertest.TracesSink), new(consumertest.LogsSink)
	grpcAddr, httpAddr := startReceiver(t, traces, logs)
	for _, c := range []struct{ proto, endpoint string }{{"grpc", grpcAddr}, {"http", httpAddr}} {
		traces.Reset()
		logs.Reset()
		var stdout, stderr bytes.Buffer
		code := run([]string{"--protocol", c.proto, "--endpoint", c.endpoint, "--signals", "traces,logs",
			"--count", "1200", "--batch", "200", "--connections", "2", "--spans-per-trace", "5", "--pii"}, &stdout, &stderr)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", c.proto, code, stdout.String(), stderr.String())
		}
		sent, acked := rowItems(t, stdout.String(), "traces")
		if sent != 1200 || acked != 1200 || traces.SpanCount() != 1200 {
			t.Fatalf("%s: traces row sent %d acked %d, received %d; want 1200\n%s", c.proto, sent, acked, traces.SpanCount(), stdout.String())
		}
		sent, acked = rowItems(t, stdout.String(), "logs")
		if sent != 1200 || acked != 1200 || logs.LogRecordCount() != 1200 {
			t.Fatalf("%s: logs row sent %d acked %d, received %d; want 1200", c.proto, sent, acked, logs.LogRecordCount())
		}
	}
}

func TestLoadgenExitsNonZeroOnFailures(t *testing.T) {
	grpcAddr, _ := startReceiver(t, consumertest.NewErr(errors.New("refused by backend")), consumertest.NewNop())
	var stdout, stderr bytes.Buffer
	code := run([]string{"--endpoint", grpcAddr, "--count", "300"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stdout.String())
	}
	if sent, acked := rowItems(t, stdout.String(), "traces"); sent != 300 || acked != 0 {
		t.Fatalf("sent %d acked %d, want 300 and 0", sent, acked)
	}
	if !strings.Contains(stdout.String(), "refused by backend") {
		t.Fatalf("the server's error is not printed:\n%s", stdout.String())
	}
}

func TestLoadgenRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--protocol", "udp", "--count", "1"},
		{"--signals", "traces,profiles", "--count", "1"},
		{"--batch", "0"},
		{"--error-share", "1.5"},
		{"--rate", "-1"},
		{"--nope"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Fatalf("%v: exit %d, want 2 (stderr %q)", args, code, stderr.String())
		}
		if stderr.Len() == 0 {
			t.Fatalf("%v: no message", args)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--help"}, &stdout, &stderr); code != 0 || !strings.Contains(stderr.String(), "--spans-per-trace") {
		t.Fatalf("--help: exit %d, output %q", code, stderr.String())
	}
}
