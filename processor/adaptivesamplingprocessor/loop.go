package adaptivesamplingprocessor

import (
	"context"
	"time"
)

// every runs step at the instants until names (the wait from now to the next
// one) until stop is closed: the adjustment loop, the fleet brake, the tail
// flush and the load-shedding evaluation all keep wall-clock boundaries this way.
func every(stop <-chan struct{}, until func(time.Time) time.Duration, step func(context.Context)) {
	t := time.NewTimer(until(time.Now()))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			step(context.Background())
			t.Reset(until(time.Now()))
		}
	}
}
