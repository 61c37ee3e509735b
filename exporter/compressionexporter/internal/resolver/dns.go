package resolver

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// DNS resolves a name every Interval in its own goroutine: A/AAAA records
// joined with Port, or SRV records (their targets and ports). A failed or
// empty answer keeps the last good set, so a DNS outage during a rollout
// does not empty the ring.
type DNS struct {
	Hostname string
	Port     int
	SRV      bool
	Interval time.Duration
	Timeout  time.Duration
	Logger   *zap.Logger
	// Resolver is net.DefaultResolver when nil.
	Resolver *net.Resolver

	stop chan struct{}
	wg   sync.WaitGroup
}

func (d *DNS) resolve(ctx context.Context) ([]string, error) {
	r := d.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	var out []string
	if d.SRV {
		_, srvs, err := r.LookupSRV(ctx, "", "", d.Hostname)
		if err != nil {
			return nil, err
		}
		for _, s := range srvs {
			out = append(out, net.JoinHostPort(strings.TrimSuffix(s.Target, "."), strconv.Itoa(int(s.Port))))
		}
	} else {
		addrs, err := r.LookupHost(ctx, d.Hostname)
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			out = append(out, net.JoinHostPort(a, strconv.Itoa(d.Port)))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no records for %q", d.Hostname)
	}
	return normalize(out), nil
}

// Start resolves once (a failure is logged, not fatal: the name may not
// exist yet) and keeps resolving until Shutdown.
func (d *DNS) Start(update func([]string)) error {
	d.stop = make(chan struct{})
	var last []string
	if set, err := d.lookup(); err == nil {
		last = set
		update(set)
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		tick := time.NewTicker(d.Interval)
		defer tick.Stop()
		for {
			select {
			case <-d.stop:
				return
			case <-tick.C:
			}
			set, err := d.lookup()
			if err != nil || slices.Equal(set, last) {
				continue
			}
			last = set
			update(set)
		}
	}()
	return nil
}

func (d *DNS) lookup() ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d.Timeout)
	defer cancel()
	set, err := d.resolve(ctx)
	if err != nil {
		d.Logger.Warn("DNS resolution failed; keeping the last set", zap.String("hostname", d.Hostname), zap.Error(err))
	}
	return set, err
}

// Shutdown stops resolving.
func (d *DNS) Shutdown() {
	if d.stop != nil {
		close(d.stop)
		d.wg.Wait()
		d.stop = nil
	}
}
