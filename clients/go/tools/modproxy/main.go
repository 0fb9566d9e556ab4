// Command modproxy publishes the Go client, as a tagged release would be published, into a
// file-based module proxy: the dry run of a release. It applies the checks the Go module proxy
// applies to a module zip (golang.org/x/mod/zip: size limits, file names, no case conflicts,
// nested modules left out) and writes what GOPROXY=file://OUT serves for one version:
//
//	OUT/<module path>/@v/list, VERSION.info, VERSION.mod, VERSION.zip
//
// The zip holds the files git would publish (tracked plus untracked-but-not-ignored, so it works
// before the work is committed), each under the `<module path>@VERSION/` prefix that `go mod
// download` expects. A consumer then resolves the module with no replace directive:
//
//	GOPROXY=file://OUT,https://proxy.golang.org GONOSUMDB=<module path> go get <module path>@VERSION
//
// Usage: go run . -dir ../.. -version v0.2.0 -out /tmp/proxy (from clients/go/tools/modproxy).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

func main() {
	dir := flag.String("dir", ".", "the module's root directory (holding go.mod)")
	version := flag.String("version", "", "the version to publish, e.g. v0.2.0")
	out := flag.String("out", "", "the proxy directory to write")
	flag.Parse()
	if *version == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := publish(*dir, *version, *out); err != nil {
		log.Fatalf("modproxy: %v", err)
	}
}

func publish(dir, version, out string) error {
	goMod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return err
	}
	m := module.Version{Path: modfile.ModulePath(goMod), Version: version}
	if err := module.Check(m.Path, m.Version); err != nil {
		return err
	}
	files, err := publishedFiles(dir)
	if err != nil {
		return err
	}
	checked, err := modzip.CheckFiles(files)
	for _, omitted := range checked.Omitted {
		fmt.Printf("  left out: %s (%v)\n", omitted.Path, omitted.Err)
	}
	if err != nil {
		return fmt.Errorf("the module zip would be refused: %w", err)
	}
	if !hasLicense(checked.Valid) {
		return errors.New("no LICENSE file at the module root: pkg.go.dev would not show the documentation")
	}

	escaped, err := module.EscapePath(m.Path)
	if err != nil {
		return err
	}
	versions := filepath.Join(out, escaped, "@v")
	if err := os.MkdirAll(versions, 0o755); err != nil {
		return err
	}
	var zipped bytes.Buffer
	if err := modzip.Create(&zipped, m, files); err != nil {
		return err
	}
	zipPath := filepath.Join(versions, version+".zip")
	info, _ := json.Marshal(map[string]string{"Version": version, "Time": time.Now().UTC().Format(time.RFC3339)})
	for name, content := range map[string][]byte{
		"list":            []byte(version + "\n"),
		version + ".info": info,
		version + ".mod":  goMod,
		version + ".zip":  zipped.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(versions, name), content, 0o644); err != nil {
			return err
		}
	}
	if _, err := modzip.CheckZip(m, zipPath); err != nil {
		return fmt.Errorf("the written zip does not check: %w", err)
	}
	hash, err := dirhash.HashZip(zipPath, dirhash.Hash1)
	if err != nil {
		return err
	}
	fmt.Printf("published %s@%s: %d files, %d bytes zipped, %s\n  into %s\n",
		m.Path, version, len(checked.Valid), zipped.Len(), hash, out)
	return nil
}

// publishedFiles lists the files git would publish from dir: tracked or untracked, not ignored,
// present on disk.
func publishedFiles(dir string) ([]modzip.File, error) {
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = dir
	listing, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files in %s: %w", dir, err)
	}
	var files []modzip.File
	for _, name := range strings.Split(strings.TrimRight(string(listing), "\x00"), "\x00") {
		if name == "" {
			continue
		}
		path := filepath.Join(dir, name)
		if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
			continue // deleted in the work tree, not yet in git
		}
		files = append(files, file{name: filepath.ToSlash(name), path: path})
	}
	return files, nil
}

func hasLicense(files []string) bool {
	for _, f := range files {
		if f == "LICENSE" {
			return true
		}
	}
	return false
}

// file is one file of the module for golang.org/x/mod/zip: its path in the zip and on disk.
type file struct{ name, path string }

func (f file) Path() string                 { return f.name }
func (f file) Lstat() (os.FileInfo, error)  { return os.Lstat(f.path) }
func (f file) Open() (io.ReadCloser, error) { return os.Open(f.path) }
