package devices

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
)

// Platform modes.
const (
	ModeExec  = "exec"
	ModeShell = "shell"
)

// builtinFS holds the built-in platform definitions, one file per platform. They are data, not
// code, so adding a platform is adding a file (here, or in an inventory's platforms_file), the
// way scrapligo ships its definitions.
//
//go:embed platforms/*.yaml
var builtinFS embed.FS

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

// LookupPlatform returns the built-in platform called name (a copy: changing it changes nothing
// else). An inventory's own set, built-ins plus its platforms_file, is Inventory.Platforms.
func LookupPlatform(name string) (Platform, bool) {
	p, ok := builtinPlatforms()[name]
	return p.clone(), ok
}

// PlatformNames lists the built-in platforms, sorted, for messages and `--help`.
func PlatformNames() []string {
	return sortedNames(builtinPlatforms())
}

// parsePlatforms decodes every platforms/*.yaml of fsys: one definition per file, named after
// the file. Problems carry the file name, line and column, like an inventory's.
func parsePlatforms(fsys fs.FS) (map[string]Platform, error) {
	files, err := fs.ReadDir(fsys, "platforms")
	if err != nil {
		return nil, fmt.Errorf("platforms: %w", err)
	}
	m := make(map[string]Platform, len(files))
	var problems Problems
	for _, f := range files {
		file := path.Join("platforms", f.Name())
		if f.IsDir() || !strings.HasSuffix(f.Name(), ".yaml") {
			continue
		}
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("platforms: %w", err)
		}
		d := &decoder{file: file}
		root, err := parseYAML(b, "platform definition")
		if err != nil {
			problems = append(problems, yamlProblem(file, err))
			continue
		}
		p, ok := d.platform(entry{val: root}, strings.TrimSuffix(f.Name(), ".yaml"), m)
		sortProblems(d.problems, file)
		problems = append(problems, d.problems...)
		if ok {
			m[p.Name] = p
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return m, nil
}
