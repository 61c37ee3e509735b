package match

import "unicode/utf8"

// Truncate cuts s so that the result, marker included, is at most max bytes,
// cutting at a UTF-8 boundary. ok is false when s already fits.
func Truncate(s string, max int, marker string) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	keep := max - len(marker)
	if keep < 0 {
		keep, marker = max, ""
	}
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return s[:keep] + marker, true
}
