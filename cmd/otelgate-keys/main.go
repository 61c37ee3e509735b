package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

const usage = `usage:
  otelgate-keys generate --out FILE [--id ID]              create a key ring with one new active key (mode 0600)
  otelgate-keys add --file FILE [--id ID] [--activate]     add a new key (active only with --activate)
  otelgate-keys activate --file FILE --id ID               make a key the one that encrypts
  otelgate-keys list --file FILE                           list key IDs, the active one marked with *
  otelgate-keys decrypt --file FILE --key-name ATTR --level LEVEL VALUE
                                                           decrypt one value (LEVEL: resource, scope, record, event, link, body)
  otelgate-keys decrypt-json --file FILE [--in EXPORT] [--out FILE]
                                                           decrypt every encrypted value of an OTLP JSON export
                                                           (one document, or one per line as the file exporter writes)
`

// errUsage makes main print the usage.
var errUsage = errors.New("invalid arguments")

func main() {
	code, err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "otelgate-keys:", err)
		if errors.Is(err, errUsage) {
			fmt.Fprint(os.Stderr, usage)
		}
	}
	os.Exit(code)
}

// run executes one command and returns the exit code: 0 success, 1 error,
// 2 decrypt-json finished but some values failed.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if len(args) == 0 {
		return 1, errUsage
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		file     = fs.String("file", "", "key file")
		out      = fs.String("out", "", "output file")
		id       = fs.String("id", "", "key ID ([A-Za-z0-9._-], at most 64); default key-<UTC time>")
		activate = fs.Bool("activate", false, "make the added key active")
		keyName  = fs.String("key-name", "", "attribute key the value was encrypted under (empty for a log body)")
		level    = fs.String("level", "record", "level the value was encrypted at")
		in       = fs.String("in", "", "OTLP JSON export to read (default stdin)")
	)
	if err := fs.Parse(args[1:]); err != nil {
		return 1, errUsage
	}
	if *id == "" {
		*id = "key-" + time.Now().UTC().Format("20060102T150405Z")
	}
	var err error
	switch args[0] {
	case "generate":
		err = generate(*out, *id, stdout)
	case "add":
		err = add(*file, *id, *activate, stdout)
	case "activate":
		err = activateKey(*file, *id, stdout)
	case "list":
		err = list(*file, stdout)
	case "decrypt":
		if fs.NArg() != 1 {
			return 1, fmt.Errorf("decrypt: want exactly one VALUE argument: %w", errUsage)
		}
		err = decryptOne(*file, *keyName, *level, fs.Arg(0), stdout)
	case "decrypt-json":
		return decryptJSON(*file, *in, *out, stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0, nil
	default:
		return 1, fmt.Errorf("unknown command %q: %w", args[0], errUsage)
	}
	if err != nil {
		return 1, err
	}
	return 0, nil
}
