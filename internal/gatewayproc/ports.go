package gatewayproc

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Ports handed out by FreeAddr come from below the kernel's ephemeral range.
// A port taken from the ephemeral range (":0") is only free until the listener
// closes: any outgoing connection of this or another test process may pick it
// as its local port before the gateway binds it, and the gateway then fails
// with "address already in use". Ports below the range are never chosen for
// outgoing connections, so the window closes to other FreeAddr callers only,
// and those are avoided within a process by never handing a port out twice.
const lowestPort = 20000

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// ephemeralStart is the first port of the kernel's ephemeral range (32768 when
// it cannot be read).
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > lowestPort+1000 {
				return n
			}
		}
	}
	return 32768
}

// FreeAddr returns a loopback host:port that was free when asked and that this
// process has not handed out before.
func FreeAddr() (string, error) {
	hi := ephemeralStart()
	portsMu.Lock()
	defer portsMu.Unlock()
	var lastErr error
	for range 200 {
		port := lowestPort + rand.IntN(hi-lowestPort)
		if portsGiven[port] {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			lastErr = err
			continue
		}
		_ = l.Close()
		portsGiven[port] = true
		return l.Addr().String(), nil
	}
	return "", fmt.Errorf("no free loopback port in [%d, %d): %w", lowestPort, hi, lastErr)
}

func freeAddrs(n int) ([]string, error) {
	out := make([]string, n)
	for i := range out {
		a, err := FreeAddr()
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		out[i] = a
	}
	return out, nil
}

// IsAddrInUse reports whether text (an error or a process's output) says a
// listener could not bind because its port was taken.
func IsAddrInUse(text string) bool {
	return strings.Contains(text, "address already in use")
}
