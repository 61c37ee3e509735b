package gatewayproc

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
)

// WriteThrowawayKeys writes a key ring with one freshly generated random key
// to dir/keys.yaml (mode 0600) unless that file exists, and returns its path.
// Every process Start launches gets one, exported as OTELGATE_KEYS_FILE, so
// configs with the encryption processor (config.yaml among them) run in tests,
// the demo and benchmarks without any key ever being committed or reused.
func WriteThrowawayKeys(dir string) (string, error) {
	path := filepath.Join(dir, "keys.yaml")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	k, err := keyring.GenerateKey("local-" + time.Now().UTC().Format("20060102T150405Z"))
	if err != nil {
		return "", fmt.Errorf("throwaway key: %w", err)
	}
	r, err := keyring.NewRing([]*keyring.Key{k}, k.ID())
	if err != nil {
		return "", fmt.Errorf("throwaway key ring: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := keyring.WriteFile(path, r, true); err != nil {
		return "", fmt.Errorf("throwaway key ring: %w", err)
	}
	return path, nil
}
