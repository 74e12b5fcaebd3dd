// Package version reports the program version and VCS revision from the Go build info.
package version

import (
	"runtime/debug"
	"sync"
)

// Override is set with -ldflags "-X github.com/kubeproof/kubeproof/internal/version.Override=v1.2.3".
var Override string

// RevisionOverride is set with -ldflags "-X …/internal/version.RevisionOverride=<commit>"
// (make build does this, since GOFLAGS may carry -buildvcs=false).
var RevisionOverride string

var info = sync.OnceValues(func() (string, string) {
	v, rev := "(devel)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	if Override != "" {
		v = Override
	}
	if RevisionOverride != "" {
		rev = RevisionOverride
	}
	return v, rev
})

// Version is the module version of the running binary ("(devel)" for a source build).
func Version() string { v, _ := info(); return v }

// Revision is the VCS revision the binary was built from, or "".
func Revision() string { _, r := info(); return r }
