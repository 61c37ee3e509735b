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
