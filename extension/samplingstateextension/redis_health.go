package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Backend health in Redis. Every source (an exporter of a replica) writes its
// latest signal to a hash <key_prefix>health:source:<source> (fields
// latency_ns, error_rate, queue_fill, open_breaker_share) and its deadline to
// the sorted set <key_prefix>health:deadlines (member: the source, score: the
// deadline in Unix milliseconds of the Redis server's clock). Both scripts
// first remove the sources whose deadline passed, by the server's clock
// (TIME), so replicas with skewed clocks agree on who is live. Each hash also
// expires on its own (PEXPIRE) in case no script runs after its deadline.

// healthPublishScript records one source's signal.
// KEYS[1] the deadlines set; ARGV[1] the source hash key prefix; ARGV[2] the
// source; ARGV[3] ttl in milliseconds; ARGV[4] the maximum number of live
// sources; ARGV[5..8] latency_ns, error_rate, queue_fill, open_breaker_share.
// Returns the number of live sources, or -1 when the source is new and the
// maximum is reached (nothing written).
const healthPublishScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, s in ipairs(stale) do redis.call('DEL', ARGV[1] .. s) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ttl = tonumber(ARGV[3])
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return -1
end
local key = ARGV[1] .. ARGV[2]
redis.call('HSET', key, 'latency_ns', ARGV[5], 'error_rate', ARGV[6], 'queue_fill', ARGV[7], 'open_breaker_share', ARGV[8])
redis.call('PEXPIRE', key, ttl)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return redis.call('ZCARD', KEYS[1])
`

// healthCombineScript returns the per-field maximum over live sources.
// KEYS[1] the deadlines set; ARGV[1] the source hash key prefix.
// Returns {live sources, latency_ns, error_rate, queue_fill,
// open_breaker_share}, the values as the strings the sources wrote (a Lua
// number would be truncated to an integer in the reply).
const healthCombineScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, s in ipairs(stale) do redis.call('DEL', ARGV[1] .. s) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local fields = {'latency_ns', 'error_rate', 'queue_fill', 'open_breaker_share'}
local best = {'0', '0', '0', '0'}
local live = 0
for _, s in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('HMGET', ARGV[1] .. s, unpack(fields))
  if v[1] then
    live = live + 1
    for i = 1, 4 do
      if v[i] and tonumber(v[i]) and tonumber(v[i]) > tonumber(best[i]) then best[i] = v[i] end
    end
  end
end
return {live, best[1], best[2], best[3], best[4]}
`

var (
	healthPublish = redis.NewScript(healthPublishScript)
	healthCombine = redis.NewScript(healthCombineScript)
)

func (s *redisStore) healthKeys() (deadlines, sourcePrefix string) {
	return s.cfg.KeyPrefix + "health:deadlines", s.cfg.KeyPrefix + "health:source:"
}

// PublishHealth records source's signal until ttl from now by the Redis
// server's clock; at most maxHealthSources sources are live at once.
func (s *redisStore) PublishHealth(ctx context.Context, source string, sig Signal, ttl time.Duration) error {
	if s.client == nil {
		return errors.New("redis backend not started")
	}
	if ttl <= 0 {
		return fmt.Errorf("health ttl: must be positive, got %s", ttl)
	}
	deadlines, prefix := s.healthKeys()
	n, err := healthPublish.Run(ctx, s.client, []string{deadlines},
		prefix, source, max(ttl.Milliseconds(), 1), maxHealthSources,
		strconv.FormatInt(int64(sig.LatencyEWMA), 10), formatShare(sig.ErrorRate),
		formatShare(sig.QueueFill), formatShare(sig.OpenBreakerShare)).Int()
	if err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	if n < 0 {
		return fmt.Errorf("health: %d sources are live, source %q not recorded", maxHealthSources, source)
	}
	return nil
}

// CombinedHealth returns the per-field maximum over the live sources of
// every replica (see Signal.Stress) and their number.
func (s *redisStore) CombinedHealth(ctx context.Context) (Signal, int, error) {
	if s.client == nil {
		return Signal{}, 0, errors.New("redis backend not started")
	}
	deadlines, prefix := s.healthKeys()
	res, err := healthCombine.Run(ctx, s.client, []string{deadlines}, prefix).Slice()
	if err != nil {
		return Signal{}, 0, fmt.Errorf("redis: %w", err)
	}
	if len(res) != 5 {
		return Signal{}, 0, fmt.Errorf("redis: health reply of %d values, want 5", len(res))
	}
	live, ok := res[0].(int64)
	if !ok {
		return Signal{}, 0, fmt.Errorf("redis: health reply: live sources %v is not an integer", res[0])
	}
	var vals [4]float64
	for i := range vals {
		str, ok := res[i+1].(string)
		if !ok {
			return Signal{}, 0, fmt.Errorf("redis: health reply: value %v is not a string", res[i+1])
		}
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return Signal{}, 0, fmt.Errorf("redis: health reply: %w", err)
		}
		vals[i] = v
	}
	return Signal{
		LatencyEWMA:      time.Duration(vals[0]),
		ErrorRate:        vals[1],
		QueueFill:        vals[2],
		OpenBreakerShare: vals[3],
	}, int(live), nil
}

func formatShare(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

var _ Health = (*redisStore)(nil)
