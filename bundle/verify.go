package bundle

import (
	"errors"
	"io"
)

// Report is the outcome of Verify: what the bundle is and every problem found.
type Report struct {
	// Manifest is nil when the manifest could not be read or its signature did not verify.
	Manifest *Manifest
	// Signer is the fingerprint of the key the signature names, even an untrusted one.
	Signer string
	// TrustedBy is where the verifying key was trusted ("FILE:LINE"), "" if not verified.
	TrustedBy string
	// Verified reports that the signature verified against a trusted key.
	Verified bool
	// Problems lists every problem found, in stream order (at most 1000; see Omitted).
	Problems []*VerifyError
	// Omitted counts problems beyond the first 1000.
	Omitted int
	// Members and Bytes count the evidence members that matched the manifest, and their bytes.
	Members int
	Bytes   int64
}

// OK reports whether the bundle verified without any problem.
func (r *Report) OK() bool { return len(r.Problems) == 0 && r.Omitted == 0 }

func (r *Report) add(err error) {
	if len(r.Problems) >= maxProblems {
		r.Omitted++
		return
	}
	r.Problems = append(r.Problems, asVerifyError(err))
}

// Verify checks a whole bundle — signature, manifest, every member's size and sha256, the
// archive's structure and what follows it — and reports every problem instead of stopping
// at the first. It reads r to the end (or to the first problem that makes the rest
// unreadable) and never writes to disk.
func Verify(r io.Reader, o Options) *Report {
	rep := &Report{}
	rd, err := open(r, o)
	if rd != nil {
		defer rd.Close()
		rep.Signer, rep.TrustedBy, rep.Verified = rd.signer, rd.trusted, rd.verified
	}
	if err != nil {
		rep.add(err)
		return rep
	}
	rep.Manifest = rd.m
	buf := make([]byte, 64<<10)
	for {
		_, body, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rep
		}
		var n int64
		if err == nil {
			n, err = drain(body, buf)
		}
		if err != nil {
			rep.add(err)
			if rd.err != nil {
				return rep
			}
			continue
		}
		rep.Members++
		rep.Bytes += n
	}
}

// drain reads body to its end with buf; it returns nil at a clean io.EOF.
func drain(body io.Reader, buf []byte) (int64, error) {
	var n int64
	for {
		k, err := body.Read(buf)
		n += int64(k)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
