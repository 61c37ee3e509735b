// Package verdict decides attribute keys against configured patterns once per
// distinct key. A key's verdict depends only on the key, and the keys of
// telemetry repeat endlessly, so a Cache remembers verdicts (bounded, with
// evictions counted, so a flood of unique keys cannot grow memory), and
// Compile turns regular expressions whose language is a small set of
// literals, such as `(?i)(api[_-]?key|token)$`, into string checks that
// need no RE2 run.
package verdict // import "github.com/otelgate/otelgate/internal/verdict"
