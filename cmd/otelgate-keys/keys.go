package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/otelgate/otelgate/extension/keyringextension/keyring"
)

func generate(out, id string, stdout io.Writer) error {
	if out == "" {
		return fmt.Errorf("generate: --out is required: %w", errUsage)
	}
	k, err := keyring.GenerateKey(id)
	if err != nil {
		return err
	}
	r, err := keyring.NewRing([]*keyring.Key{k}, id)
	if err != nil {
		return err
	}
	if err := keyring.WriteFile(out, r, true); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s (mode 0600) with active key %s\n", out, id)
	return nil
}

func add(file, id string, activate bool, stdout io.Writer) error {
	if file == "" {
		return fmt.Errorf("add: --file is required: %w", errUsage)
	}
	r, err := keyring.ReadFile(file)
	if err != nil {
		return err
	}
	if _, dup := r.Lookup(id); dup {
		return fmt.Errorf("add: key id %q is already in %s", id, file)
	}
	k, err := keyring.GenerateKey(id)
	if err != nil {
		return err
	}
	active := r.Active().ID()
	if activate {
		active = id
	}
	nr, err := keyring.NewRing(append(r.Keys(), k), active)
	if err != nil {
		return err
	}
	if err := keyring.WriteFile(file, nr, false); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "added key %s to %s; active key: %s\n", id, file, active)
	return nil
}

func activateKey(file, id string, stdout io.Writer) error {
	if file == "" || id == "" {
		return fmt.Errorf("activate: --file and --id are required: %w", errUsage)
	}
	r, err := keyring.ReadFile(file)
	if err != nil {
		return err
	}
	if _, ok := r.Lookup(id); !ok {
		return fmt.Errorf("activate: key id %q is not in %s (have %v)", id, file, r.IDs())
	}
	nr, err := keyring.NewRing(r.Keys(), id)
	if err != nil {
		return err
	}
	if err := keyring.WriteFile(file, nr, false); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "active key of %s: %s\n", file, id)
	return nil
}

func list(file string, stdout io.Writer) error {
	if file == "" {
		return errors.Join(errors.New("list: --file is required"), errUsage)
	}
	r, err := keyring.ReadFile(file)
	if err != nil {
		return err
	}
	for _, id := range r.IDs() {
		mark := " "
		if id == r.Active().ID() {
			mark = "*"
		}
		fmt.Fprintf(stdout, "%s %s\n", mark, id)
	}
	return nil
}
