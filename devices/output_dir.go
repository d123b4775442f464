package devices

import (
	"os"
	"path/filepath"
	"strings"
)

// fallbackOutputDir is the output directory when nothing else names one, relative to the
// working directory: an interactive try-out leaves its files where the operator stands.
const fallbackOutputDir = "oca-output"

// defaultOutputDir is the output directory of an inventory without output_dir. Under systemd
// with StateDirectory= it is $STATE_DIRECTORY (its first entry: systemd lists one per
// configured directory, colon-separated), so the shipped unit needs no path of its own and the
// files land in /var/lib/oca-collector with the mode systemd gives it. The whole precedence is
// --output-dir > output_dir > $STATE_DIRECTORY > ./oca-output; the flag is applied by the CLI.
func defaultOutputDir() string {
	first, _, _ := strings.Cut(os.Getenv("STATE_DIRECTORY"), ":")
	if first == "" {
		return fallbackOutputDir
	}
	return filepath.Clean(first)
}
