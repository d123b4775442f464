package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/oca-collector/collector/devices"
)

func validateCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", stderr)
	invPath := fs.String("i", "", "inventory file (required)")
	fs.StringVar(invPath, "inventory", "", "inventory file (same as -i)")
	if _, err := parseInterspersed(fs, args); err != nil {
		return flagExit(err)
	}
	inv, code := loadInventory(*invPath, stderr)
	if inv == nil {
		return code
	}
	fmt.Fprintf(stdout, "%s: ok: %d devices, %d credentials, %d command sets, %d groups\n",
		inv.Path, len(inv.Devices), len(inv.Credentials), len(inv.CommandSets), len(inv.Groups))
	return exitOK
}

// loadInventory loads and validates the inventory, printing every problem (and every warning)
// to stderr. It returns nil and exit code 2 when the inventory cannot be used.
func loadInventory(path string, stderr io.Writer) (*devices.Inventory, int) {
	if path == "" {
		fmt.Fprintln(stderr, "collector: -i INVENTORY is required")
		return nil, exitUsage
	}
	inv, err := devices.Load(path)
	if err != nil {
		var ps devices.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(stderr, p.Error())
			}
			fmt.Fprintf(stderr, "%s: %d problem(s); nothing was contacted\n", path, len(ps))
		} else {
			fmt.Fprintf(stderr, "collector: %v\n", err)
		}
		return nil, exitUsage
	}
	for _, w := range inv.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	return inv, exitOK
}
