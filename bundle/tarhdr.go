package bundle

import (
	"archive/tar"
	"time"
)

// canonicalHeader is the tar header of every member: a regular file, mode 0644, uid/gid 0,
// empty user and group names, mtime = the manifest's created_at. archive/tar picks USTAR
// when the path fits and PAX otherwise, the same way every time.
func canonicalHeader(name string, size int64, mtime time.Time) *tar.Header {
	return &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Size:     size,
		Mode:     0o644,
		ModTime:  mtime,
	}
}
