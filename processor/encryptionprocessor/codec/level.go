package codec // import "github.com/otelgate/otelgate/processor/encryptionprocessor/codec"

import (
	"fmt"
	"strings"
)

// Level says where a value sits in the telemetry. It is bound into the
// associated data, so a ciphertext moved to another level fails to decrypt.
type Level uint8

const (
	// LevelResource is a resource attribute.
	LevelResource Level = iota
	// LevelScope is an instrumentation scope attribute.
	LevelScope
	// LevelRecord is an attribute of a span, a metric data point or a log record.
	LevelRecord
	// LevelEvent is an attribute of a span event.
	LevelEvent
	// LevelLink is an attribute of a span link.
	LevelLink
	// LevelBody is the body of a log record.
	LevelBody

	numLevels
)

// NumLevels is the number of levels.
const NumLevels = int(numLevels)

var levelNames = [numLevels]string{"resource", "scope", "record", "event", "link", "body"}

// String returns the name of the level as written in configuration and in
// the associated data.
func (l Level) String() string {
	if l < numLevels {
		return levelNames[l]
	}
	return fmt.Sprintf("level(%d)", uint8(l))
}

// ParseLevel parses a level name.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if n == s {
			return Level(i), nil
		}
	}
	return 0, fmt.Errorf("unknown level %q, want one of %s", s, strings.Join(levelNames[:], ", "))
}
