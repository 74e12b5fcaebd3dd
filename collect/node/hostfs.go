package node

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// hostFS reads a host's files under a root directory (the --host-root). Paths are the host's
// absolute paths; symbolic links are resolved by hand inside the root, so an absolute link
// target ("/etc/kubernetes/pki") means the host's path, not the collector's.
type hostFS struct {
	root string
}

const maxLinkHops = 40

var errTooManyLinks = errors.New("too many levels of symbolic links")

// real returns the collector-side path of the host path p (which must be clean and absolute).
func (h hostFS) real(p string) string {
	if h.root == "" || h.root == "/" {
		return p
	}
	return filepath.Join(h.root, filepath.FromSlash(p))
}

// resolve follows every symbolic link in the host path p inside the root and returns the
// host path of what p finally names. The last component is not required to exist.
func (h hostFS) resolve(p string) (string, error) {
	p = path.Clean("/" + p)
	hops := 0
	done := "/"
	rest := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		if name == "" || name == "." {
			continue
		}
		next := path.Join(done, name)
		fi, err := os.Lstat(h.real(next))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && len(rest) == 0 {
				return next, nil
			}
			return next, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			done = next
			continue
		}
		if hops++; hops > maxLinkHops {
			return p, fmt.Errorf("resolve %q: %w", p, errTooManyLinks)
		}
		target, err := os.Readlink(h.real(next))
		if err != nil {
			return next, err
		}
		if !path.IsAbs(target) {
			target = path.Join(done, target)
		}
		rest = append(strings.Split(strings.TrimPrefix(path.Clean(target), "/"), "/"), rest...)
		done = "/"
	}
	return done, nil
}

// readDir returns the sorted names in the host directory p (links resolved).
func (h hostFS) readDir(p string) ([]string, error) {
	rp, err := h.resolve(p)
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(h.real(rp))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names, nil
}

// readSmall reads a whole small host file (links resolved), up to max bytes.
func (h hostFS) readSmall(p string, max int64) ([]byte, error) {
	rp, err := h.resolve(p)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(h.real(rp))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%q is not a regular file", p)
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%q is %d bytes, over the %d-byte limit", p, fi.Size(), max)
	}
	buf, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(buf)) > max {
		return nil, fmt.Errorf("%q grew over the %d-byte limit", p, max)
	}
	return buf, nil
}

// exists reports whether the host path p exists (links resolved).
func (h hostFS) exists(p string) bool {
	rp, err := h.resolve(p)
	if err != nil {
		return false
	}
	_, err = os.Stat(h.real(rp))
	return err == nil
}
