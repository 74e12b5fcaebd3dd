package bundle_test

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// needTools skips the test when a Debian tool is absent, but fails it on CI (CI=true),
// where .ci/run installs them.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s not found on CI: %v", tool, err)
			}
			t.Skipf("%s not found (apt-get install openssh-client zstd tar coreutils): %v", tool, err)
		}
	}
}

// run runs a command in dir with stdin and returns its combined output.
func run(t *testing.T, dir string, stdin []byte, name string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	return cmd.CombinedOutput()
}

// runEnv runs a command in dir with extra environment variables.
func runEnv(t *testing.T, dir string, env []string, name string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return cmd.CombinedOutput()
}
