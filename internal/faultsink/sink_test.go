package faultsink

import (
	"context"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

func TestAdjustedCount(t *testing.T) {
	for _, tc := range []struct {
		ts   string
		want float64
	}{
		{"", 1},
		{"ot=th:0", 1},
		{"ot=th:8", 2},                    // p = 1/2
		{"ot=th:c", 4},                    // p = 1/4
		{"vendor=x,ot=rv:abcdef;th:e", 8}, // p = 1/8, another vendor first
		{"ot=th:fd70a3d70a3d71", 1 / (1 - float64(0xfd70a3d70a3d71)/(1<<56))},
		{"ot=th:zz", 1},
	} {
		if got := AdjustedCount(tc.ts); math.Abs(got-tc.want) > 1e-9*tc.want {
			t.Errorf("AdjustedCount(%q) = %v, want %v", tc.ts, got, tc.want)
		}
	}
}

func traces(n int, th string) ptrace.Traces {
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	for i := range n {
		s := ss.Spans().AppendEmpty()
		s.SetTraceID([16]byte{byte(i), 1})
		s.SetSpanID([8]byte{1})
		s.TraceState().FromRaw("ot=th:" + th)
	}
	return td
}

// TestFaults drives the sink through its faults over real OTLP/gRPC: a
// delayed acknowledgement, a client giving up during the delay (refused, not
// counted), every other request refused with Unavailable, and recovery.
func TestFaults(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	conn, err := grpc.NewClient(s.GRPCEndpoint, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := ptraceotlp.NewGRPCClient(conn)
	export := func(timeout time.Duration, td ptrace.Traces) (time.Duration, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		start := time.Now()
		_, err := client.Export(ctx, ptraceotlp.NewExportRequestFromTraces(td))
		return time.Since(start), err
	}

	if _, err := export(30*time.Second, traces(10, "8")); err != nil {
		t.Fatal(err)
	}
	s.SetDelay(300 * time.Millisecond)
	took, err := export(30*time.Second, traces(4, "c"))
	if err != nil || took < 300*time.Millisecond {
		t.Fatalf("delayed export: %v after %s, want success after at least 300ms", err, took)
	}
	s.SetDelay(time.Minute)
	if _, err := export(200*time.Millisecond, traces(100, "0")); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("client giving up during the delay: %v, want DeadlineExceeded", err)
	}
	s.SetDelay(0)
	s.SetErrorRate(0.5)
	unavailable := 0
	for range 10 {
		_, err := export(30*time.Second, traces(1, "0"))
		switch status.Code(err) {
		case codes.OK:
		case codes.Unavailable:
			unavailable++
		default:
			t.Fatalf("refused export: %v, want Unavailable", err)
		}
	}
	if unavailable != 5 {
		t.Fatalf("error rate 0.5: %d of 10 refused, want 5", unavailable)
	}
	s.Recover()
	if _, err := export(30*time.Second, traces(2, "0")); err != nil {
		t.Fatalf("after recovery: %v", err)
	}

	// Accepted: 10 at p=1/2, 4 at p=1/4, 5 single spans at p=1, 2 at p=1.
	if s.Spans() != 21 || s.AdjustedCount() != 10*2+4*4+5+2 {
		t.Fatalf("spans %d adjusted %v, want 21 and 43", s.Spans(), s.AdjustedCount())
	}
	// The request given up on waits out its minute only in the server's
	// goroutine; it is refused once the client's context ends.
	deadline := time.Now().Add(10 * time.Second)
	for s.Refused() != 6 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.Requests() != 14 || s.Refused() != 6 {
		t.Fatalf("requests %d refused %d, want 14 and 6", s.Requests(), s.Refused())
	}
}
