// Package readers finds the real document readers the report tests run (LibreOffice, qpdf,
// poppler, python3-openpyxl). A missing reader skips the test with the reason locally and fails
// it when CI=true, where .ci/run installs them all.
package readers

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Python is the interpreter that has Debian's python3-openpyxl (the pyenv python3 on PATH
// does not).
const Python = "/usr/bin/python3"

// Need returns the path of tool, or skips (fails under CI=true) when it is not installed.
func Need(t testing.TB, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		missing(t, tool+" is not installed (Debian: "+debianPackage(tool)+")")
	}
	return p
}

// NeedOpenpyxl skips (fails under CI=true) unless /usr/bin/python3 can import openpyxl.
func NeedOpenpyxl(t testing.TB) {
	t.Helper()
	if err := exec.Command(Python, "-c", "import openpyxl").Run(); err != nil {
		missing(t, Python+" cannot import openpyxl (Debian: python3-openpyxl): "+err.Error())
	}
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("reader missing under CI=true: %s", why)
	}
	t.Skipf("skipping: %s", why)
}

func debianPackage(tool string) string {
	switch tool {
	case "soffice":
		return "libreoffice-calc"
	case "qpdf":
		return "qpdf"
	case "pdftotext", "pdftoppm", "pdfinfo":
		return "poppler-utils"
	}
	return tool
}

// Run runs a reader with a timeout and returns its stdout; stderr goes into the error.
func Run(t testing.TB, timeout time.Duration, name string, args ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.Bytes(), &RunError{Cmd: name + " " + strings.Join(args, " "), Stderr: stderr.String(), Err: err}
	}
	return stdout.Bytes(), nil
}

// RunError is a failed reader run.
type RunError struct {
	Cmd, Stderr string
	Err         error
}

func (e *RunError) Error() string { return e.Cmd + ": " + e.Err.Error() + "\n" + e.Stderr }
