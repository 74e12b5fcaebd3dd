package bundle

import (
	"errors"
	"fmt"
)

// VerifyError is one verification problem: which member (or "" for the stream as a whole)
// and why. Every error from Open, Next and a member reader that concerns the bundle's
// content is a *VerifyError; I/O errors of the underlying reader are wrapped in one too.
type VerifyError struct {
	Member string // member path, e.g. "node/host.json"; "" when the problem is not one member's
	Reason string // human-readable reason, starting with a stable phrase (see docs/bundle-format.md)
	Err    error  // underlying error, if any

	fatal bool // the stream cannot be read further
}

// Error returns `member "PATH": REASON` (or `bundle: REASON`).
func (e *VerifyError) Error() string {
	if e.Member == "" {
		return "bundle: " + e.Reason
	}
	return fmt.Sprintf("member %q: %s", e.Member, e.Reason)
}

// Unwrap returns the underlying error.
func (e *VerifyError) Unwrap() error { return e.Err }

func problem(member, format string, a ...any) *VerifyError {
	return &VerifyError{Member: member, Reason: fmt.Sprintf(format, a...)}
}

func fatalf(member string, err error, format string, a ...any) *VerifyError {
	return &VerifyError{Member: member, Reason: fmt.Sprintf(format, a...), Err: err, fatal: true}
}

// asVerifyError returns err as a *VerifyError, wrapping a foreign error as a fatal one.
func asVerifyError(err error) *VerifyError {
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ve
	}
	return &VerifyError{Reason: err.Error(), Err: err, fatal: true}
}
