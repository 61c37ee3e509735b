package verdict

import (
	"regexp"
	"strconv"
	"testing"
)

// The keys of one span of the load generator plus two that config.yaml's
// deny_regex removes.
var benchKeys = []string{
	"http.request.method", "http.route", "url.path", "url.full", "http.response.status_code",
	"server.address", "user.id", "user.email", "client.address", "db.system", "auth.token", "x-api-key",
}

const shippedDenyRegex = `(?i)(api[_-]?key|token|credentials?)$`

// BenchmarkDenyRegex compares, per key, RE2 with the literal form Compile
// finds for config.yaml's deny_regex, and with a Cache in front of RE2.
func BenchmarkDenyRegex(b *testing.B) {
	re := regexp.MustCompile(shippedDenyRegex)
	lit, _ := Compile(shippedDenyRegex)
	cache := NewCache[bool](4096)
	for name, match := range map[string]func(string) bool{
		"re2":       re.MatchString,
		"literal":   lit.MatchString,
		"cache+re2": func(k string) bool { return cache.Decide(k, re.MatchString) },
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := range b.N {
				if match(benchKeys[i%len(benchKeys)]) {
					n++
				}
			}
			_ = n
		})
	}
}

// BenchmarkCacheUniqueKeys is the cost per key of a flood of keys never seen
// before: a miss, the decision and an insert (with evictions).
func BenchmarkCacheUniqueKeys(b *testing.B) {
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = "attr." + strconv.Itoa(i) + ".token"
	}
	re := regexp.MustCompile(shippedDenyRegex)
	cache := NewCache[bool](4096)
	b.ReportAllocs()
	for i := range b.N {
		cache.Decide(keys[i%len(keys)], re.MatchString)
	}
}

func BenchmarkCacheHitParallel(b *testing.B) {
	cache := NewCache[bool](4096)
	for _, k := range benchKeys {
		cache.Put(k, true)
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			cache.Get(benchKeys[i%len(benchKeys)])
			i++
		}
	})
}
