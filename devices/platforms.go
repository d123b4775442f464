package devices

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// Platform modes.
const (
	ModeExec  = "exec"
	ModeShell = "shell"
)

// builtinFS holds the built-in platform definitions. They are data, not code, so adding a
// platform is adding a file, the way scrapligo ships its definitions.
//
//go:embed platforms/*.yaml
var builtinFS embed.FS

// platformFile is the strict on-disk schema of one platform definition.
type platformFile struct {
	Name        string `yaml:"name"`
	Mode        string `yaml:"mode"`
	POSIX       bool   `yaml:"posix"`
	Description string `yaml:"description"`
}

// builtinPlatforms parses the embedded definitions once. The data is compiled into the binary and
// checked by the package tests, so a failure here is a build defect and panics, like
// regexp.MustCompile on a literal.
var builtinPlatforms = sync.OnceValue(func() map[string]Platform {
	m, err := parsePlatforms(builtinFS)
	if err != nil {
		panic(err)
	}
	return m
})

// LookupPlatform returns the built-in platform called name.
func LookupPlatform(name string) (Platform, bool) {
	p, ok := builtinPlatforms()[name]
	return p, ok
}

// PlatformNames lists the built-in platforms, sorted, for messages and `--help`.
func PlatformNames() []string {
	m := builtinPlatforms()
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func parsePlatforms(fsys fs.FS) (map[string]Platform, error) {
	files, err := fs.ReadDir(fsys, "platforms")
	if err != nil {
		return nil, fmt.Errorf("platforms: %w", err)
	}
	m := make(map[string]Platform, len(files))
	for _, f := range files {
		name := path.Join("platforms", f.Name())
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("platforms: %w", err)
		}
		p, err := parsePlatform(b)
		if err != nil {
			return nil, fmt.Errorf("platform %s: %w", name, err)
		}
		if want := strings.TrimSuffix(f.Name(), ".yaml"); p.Name != want {
			return nil, fmt.Errorf("platform %s: name %q does not match the file name", name, p.Name)
		}
		m[p.Name] = p
	}
	return m, nil
}

// parsePlatform decodes one definition strictly: a misspelt key in a platform file would
// otherwise silently change how every device of that platform is driven.
func parsePlatform(b []byte) (Platform, error) {
	var pf platformFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&pf); err != nil {
		return Platform{}, err
	}
	if err := dec.Decode(new(any)); !errors.Is(err, io.EOF) {
		return Platform{}, errors.New("more than one YAML document")
	}
	if pf.Name == "" {
		return Platform{}, errors.New("name is required")
	}
	if pf.Mode != ModeExec && pf.Mode != ModeShell {
		return Platform{}, fmt.Errorf("unknown mode %q; must be exec or shell", pf.Mode)
	}
	return Platform{Name: pf.Name, Mode: pf.Mode, POSIX: pf.POSIX}, nil
}
