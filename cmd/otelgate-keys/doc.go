// Command otelgate-keys manages the key rings of otelgate's keyring
// extension and decrypts values of the encryption processor offline.
//
//	otelgate-keys generate --out FILE [--id ID]
//	otelgate-keys add --file FILE [--id ID] [--activate]
//	otelgate-keys activate --file FILE --id ID
//	otelgate-keys list --file FILE
//	otelgate-keys decrypt --file FILE --key-name ATTR --level LEVEL VALUE
//	otelgate-keys decrypt-json --file FILE [--in EXPORT] [--out FILE]
//
// Key material is written only to key files (mode 0600) and never printed.
package main
