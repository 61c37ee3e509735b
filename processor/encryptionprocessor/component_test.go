package encryptionprocessor

import (
	"testing"

	"github.com/otelgate/otelgate/internal/testutil"
)

// TestComponentLifecycle: the config struct, and create, start, consume,
// shutdown (and shutdown without start) for every signal, encrypting under a
// started key ring.
func TestComponentLifecycle(t *testing.T) {
	h, _ := startKeyring(t, inlineRing("k1", map[string]string{"k1": testKey1}), nopSettings())
	testutil.CheckProcessor(t, NewFactory(), testutil.Lifecycle{Config: cfgWith(ActionEncrypt, nil), Host: h})
}
