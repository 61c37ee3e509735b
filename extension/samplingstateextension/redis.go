package samplingstateextension // import "github.com/otelgate/otelgate/extension/samplingstateextension"

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// addScript adds counts to one interval hash, creating at most max_keys
// fields, and sets the hash to expire. A script rather than a plain pipeline
// of HINCRBY: the bound must hold when several replicas add new keys at once.
// KEYS[1] the hash; ARGV[1] max_keys; ARGV[2] time to live in milliseconds;
// ARGV[3..] field, increment pairs. Returns the number of fields refused.
const addScript = `
local n = redis.call('HLEN', KEYS[1])
local max = tonumber(ARGV[1])
local dropped = 0
for i = 3, #ARGV, 2 do
  if n < max then
    local inc = tonumber(ARGV[i+1])
    if redis.call('HINCRBY', KEYS[1], ARGV[i], inc) == inc then n = n + 1 end
  elseif redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i+1])
  else
    dropped = dropped + 1
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return dropped
`

// addChunk is the number of fields per script call: large interval maps are
// sent as several calls in one pipeline so that no call blocks the server long.
const addChunk = 1000

// redisStore keeps interval totals in hashes of a Redis server:
// <key_prefix>counts:<interval>, one field per key, expiring after
// retained_intervals intervals past the last write. Replicas register in a
// sorted set per group (<key_prefix>replicas:<group>) scored by the time their
// registration expires.
type redisStore struct {
	cfg      RedisConfig
	retained int
	maxKeys  int
	client   *redis.Client
}

func newRedisStore(cfg RedisConfig, retained, maxKeys int) *redisStore {
	return &redisStore{cfg: cfg, retained: retained, maxKeys: maxKeys}
}

func (s *redisStore) start(ctx context.Context) error {
	password := string(s.cfg.Password)
	if s.cfg.PasswordFile != "" {
		b, err := os.ReadFile(s.cfg.PasswordFile)
		if err != nil {
			// The path only: never the content.
			return fmt.Errorf("redis.password_file: %w", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	var tlsCfg *tls.Config
	if s.cfg.TLS != nil {
		var err error
		if tlsCfg, err = s.cfg.TLS.LoadTLSConfig(ctx); err != nil {
			return fmt.Errorf("redis.tls: %w", err)
		}
	}
	s.client = redis.NewClient(&redis.Options{
		Addr:         s.cfg.Endpoint,
		Username:     s.cfg.Username,
		Password:     password,
		DB:           s.cfg.DB,
		TLSConfig:    tlsCfg,
		DialTimeout:  s.cfg.Timeout,
		ReadTimeout:  s.cfg.Timeout,
		WriteTimeout: s.cfg.Timeout,
		// Calls are few (a handful per adjustment interval) and bounded by
		// the caller's deadline: no retries that would outlast it.
		MaxRetries:            -1,
		PoolSize:              4,
		ContextTimeoutEnabled: true,
		// The server may be absent at start: the processors fall back to
		// local counts until it answers, so start never waits for it.
	})
	return nil
}

func (s *redisStore) shutdown(context.Context) error {
	if s.client == nil {
		return nil
	}
	err := s.client.Close()
	s.client = nil
	return err
}

func (s *redisStore) countsKey(interval int64) string {
	return s.cfg.KeyPrefix + "counts:" + strconv.FormatInt(interval, 10)
}

// ttl is how long an interval hash lives after its last write: retained
// intervals. The store is not told the interval length, but intervals are
// numbered Unix time / length (see Store), so now / interval is the length.
func (s *redisStore) ttl(interval int64) time.Duration {
	length := time.Second
	if interval > 0 {
		length = max(time.Duration(time.Now().UnixNano()/interval), time.Millisecond)
	}
	return time.Duration(s.retained) * length
}

func (s *redisStore) AddCounts(ctx context.Context, interval int64, counts map[string]int64) error {
	if s.client == nil {
		return errors.New("redis backend not started")
	}
	if len(counts) == 0 {
		return nil
	}
	key := s.countsKey(interval)
	ttl := strconv.FormatInt(max(s.ttl(interval).Milliseconds(), 1), 10)
	maxKeys := strconv.Itoa(s.maxKeys)
	pipe := s.client.Pipeline()
	var cmds []*redis.Cmd
	args := make([]any, 0, 2+2*min(len(counts), addChunk))
	args = append(args, maxKeys, ttl)
	flush := func() {
		cmds = append(cmds, pipe.Eval(ctx, addScript, []string{key}, args...))
		args = append(make([]any, 0, cap(args)), maxKeys, ttl)
	}
	for k, c := range counts {
		args = append(args, k, c)
		if len(args) >= 2+2*addChunk {
			flush()
		}
	}
	if len(args) > 2 {
		flush()
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	dropped := 0
	for _, c := range cmds {
		n, err := c.Int()
		if err != nil {
			return fmt.Errorf("redis: %w", err)
		}
		dropped += n
	}
	if dropped > 0 {
		return &errKeyLimit{interval: interval, dropped: dropped, maxKeys: s.maxKeys}
	}
	return nil
}

func (s *redisStore) MergedCounts(ctx context.Context, interval int64) (map[string]int64, error) {
	if s.client == nil {
		return nil, errors.New("redis backend not started")
	}
	fields, err := s.client.HGetAll(ctx, s.countsKey(interval)).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: %w", err)
	}
	out := make(map[string]int64, len(fields))
	for k, v := range fields {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("redis: field %q of %s is not an integer", k, s.countsKey(interval))
		}
		out[k] = n
	}
	return out, nil
}

// Heartbeat registers replica in group until ttl from now, forgets the
// registrations that expired and returns how many remain, in one transaction.
// Expiry is judged by the replicas' clocks, which must agree to well within ttl.
func (s *redisStore) Heartbeat(ctx context.Context, group, replica string, ttl time.Duration) (int, error) {
	if s.client == nil {
		return 0, errors.New("redis backend not started")
	}
	key := s.cfg.KeyPrefix + "replicas:" + group
	now := time.Now()
	var card *redis.IntCmd
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, key, redis.Z{Score: float64(now.Add(ttl).UnixMilli()), Member: replica})
		p.ZRemRangeByScore(ctx, key, "-inf", "("+strconv.FormatInt(now.UnixMilli(), 10))
		card = p.ZCard(ctx, key)
		p.PExpire(ctx, key, 2*ttl)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis: %w", err)
	}
	return int(card.Val()), nil
}

// Leave removes replica from group at once (graceful shutdown), so the
// remaining replicas need not wait for its registration to expire.
func (s *redisStore) Leave(ctx context.Context, group, replica string) error {
	if s.client == nil {
		return errors.New("redis backend not started")
	}
	if err := s.client.ZRem(ctx, s.cfg.KeyPrefix+"replicas:"+group, replica).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// brakeScript is DecideBrake in Lua, with the report and the compare-and-set
// of the decision: one atomic call per replica and instant. KEYS[1] the hash
// of the rule's interval (fields k<i>: kept spans of instant i, d<j>: factor
// decided for instant j); ARGV[1] instant j, ARGV[2] instants n, ARGV[3] kept
// spans of instant j-1, ARGV[4] budget, ARGV[5] time to live in milliseconds,
// ARGV[6] margin, ARGV[7] slack, ARGV[8] the pace window, ARGV[9] the lag. Returns the factor of instant j as a string
// ("%.17g"), so every replica parses the same float64.
const brakeScript = `
local j = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local kept = tonumber(ARGV[3])
if kept > 0 then redis.call('HINCRBY', KEYS[1], 'k' .. (j - 1), kept) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
local d = redis.call('HGET', KEYS[1], 'd' .. j)
if d then return d end
local budget = tonumber(ARGV[4])
local margin = tonumber(ARGV[6])
local slack = tonumber(ARGV[7])
local window = tonumber(ARGV[8])
local lag = tonumber(ARGV[9])
local f = 1
if j >= 2 then
  local fields = {}
  for i = 0, j - 2 do fields[#fields + 1] = 'k' .. i end
  for i = 1, j - 1 do fields[#fields + 1] = 'd' .. i end
  local v = redis.call('HMGET', KEYS[1], unpack(fields))
  local k, dec = {}, {}
  for i = 0, j - 2 do k[i] = tonumber(v[i + 1]) or 0 end
  for i = 1, j - 1 do dec[i] = tonumber(v[j - 1 + i]) end
  local function force(i)
    if i - lag >= 1 and dec[i - lag] then return dec[i - lag] end
    return 1
  end
  local complete = 0
  for i = 0, j - 2 do complete = complete + k[i] end
  local pace, samples = 0, 0
  for i = math.max(j - 1 - window, 0), j - 2 do
    local fi = force(i)
    if fi > 0 then
      pace = pace + k[i] * n / fi
      samples = samples + 1
    end
  end
  local prev = dec[j - 1] or 1
  if samples == 0 then
    f = prev
  else
    pace = pace / samples
    local ahead = 0
    for i = j - 1, j + lag - 1 do ahead = ahead + force(i) end
    local projected = complete + pace / n * ahead
    if prev >= 1 and complete <= budget * (j - 1) / n * (1 + margin) + budget * slack then
      f = 1
    else
      local rest = budget - projected
      if rest <= 0 then
        f = 0
      elseif pace <= 0 or n - j - lag <= 0 then
        f = 1
      else
        f = math.min(rest / (pace * (n - j - lag) / n), 1)
      end
    end
  end
end
local s = string.format('%.17g', f)
redis.call('HSET', KEYS[1], 'd' .. j, s)
return s
`

var brakeLua = redis.NewScript(brakeScript)

// Brake runs brakeScript on <key_prefix>brake:<req.Key>.
func (s *redisStore) Brake(ctx context.Context, req BrakeRequest) (float64, error) {
	if s.client == nil {
		return 0, errors.New("redis backend not started")
	}
	if err := req.validate(); err != nil {
		return 0, err
	}
	out, err := brakeLua.Run(ctx, s.client, []string{s.cfg.KeyPrefix + "brake:" + req.Key},
		req.Instant, req.Instants, req.Kept, strconv.FormatFloat(req.Budget, 'g', -1, 64),
		max(req.TTL.Milliseconds(), 1), strconv.FormatFloat(BrakeMargin, 'g', -1, 64), strconv.FormatFloat(BrakeSlack, 'g', -1, 64), brakeWindow, req.Lag).Text()
	if err != nil {
		return 0, fmt.Errorf("redis: %w", err)
	}
	f, err := strconv.ParseFloat(out, 64)
	if err != nil || f < 0 || f > 1 {
		return 0, fmt.Errorf("redis: brake factor %q out of range", out)
	}
	return f, nil
}
