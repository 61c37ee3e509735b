// Package encryptionprocessor implements the "encryption" processor: it
// encrypts chosen attribute values and log bodies with authenticated
// encryption under the active key of a keyring extension, so they leave the
// gateway unreadable yet recoverable; with action decrypt it restores them.
// Ciphertexts are bound to the attribute key and level they were written
// under, so moving one elsewhere fails authentication.
package encryptionprocessor // import "github.com/otelgate/otelgate/processor/encryptionprocessor"
