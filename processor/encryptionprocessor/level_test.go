package encryptionprocessor

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/otelgate/otelgate/processor/encryptionprocessor/codec"
)

func mustLevel(t *testing.T, s string) codec.Level {
	t.Helper()
	l, err := codec.ParseLevel(s)
	require.NoError(t, err)
	return l
}
