package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kubeproof/kubeproof/internal/cli"
)

// runMappingCLI runs "kubeproof ARGS..." in-process and returns the exit code and streams.
// (testdata/mapping*.txtar cover the same through the testscript harness.)
func runMappingCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main("kubeproof", "test", commands, args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestMappingCommandList(t *testing.T) {
	code, out, errs := runMappingCLI(t, "mapping", "list")
	if code != cli.ExitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, re := range []string{
		`(?m)^nist-800-53-r5 +NIST SP 800-53 +Rev\. 5 +\d+ +131 +\d+ +0$`,
		`(?m)^pci-dss-4\.0\.1 +PCI DSS +v4\.0\.1 +\d+ +131 +\d+ +0$`,
		`(?m)^soc2-2017 +SOC 2 Trust Services Criteria +2017 \(revised points of focus, 2022\) +\d+ +131 +\d+ +0$`,
		`(?m)^crosswalk: kubeproof-crosswalk/cis-1\.12/v1$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("stdout lacks %s:\n%s", re, out)
		}
	}
}

func TestMappingCommandShow(t *testing.T) {
	code, out, errs := runMappingCLI(t, "mapping", "show", "nist-800-53-r5")
	if code != cli.ExitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if !regexp.MustCompile(`(?m)^AC-6\(5\)  Restrict privileged accounts to designated personnel\n  supports: +5\.1\.1 5\.1\.7$`).MatchString(out) {
		t.Errorf("AC-6(5) block missing:\n%s", out)
	}
	if strings.Index(out, "\nAC-6(5) ") > strings.Index(out, "\nAC-12 ") {
		t.Error("controls not in catalog order (AC-6(5) before AC-12)")
	}
}

func TestMappingCommandUserFile(t *testing.T) {
	dir := t.TempDir()
	org := filepath.Join(dir, "org.csv")
	mappingWriteFile(t, org, "rule,framework,control,relation,note,title\n"+
		"1.2.1,nist-800-53-r5,AC-17,partially-supports,Remote access is authenticated.,Authorise and control remote access\n"+
		"5.6.4,soc2-2017,*,none,The default namespace is not used here.,\n")
	code, out, errs := runMappingCLI(t, "mapping", "show", "nist-800-53-r5", "--mapping", org, "--notes")
	if code != cli.ExitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"\nAC-17  Authorise and control remote access\n", "Remote access is authenticated.  [" + org + ":2]", "crosswalk: kubeproof-crosswalk/cis-1.12/v1 + " + org} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	_, out, _ = runMappingCLI(t, "mapping", "show", "soc2-2017", "--mapping", org)
	if !regexp.MustCompile(`(?m)^  5\.6\.4 +The default namespace is not used here\.`).MatchString(out) {
		t.Errorf("no-mapping statement missing:\n%s", out)
	}
}

func TestMappingCommandErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	mappingWriteFile(t, bad, "rule,framework,control,relation,note\n1.2.1,nist,AC-3,supports,x\n1.2.2,soc2-2017,CC9.9,supports,x\n")
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"mapping", "list", "--mapping", bad}, cli.ExitError, []string{
			"kubeproof: error: " + bad + `:2: unknown framework "nist"`,
			"kubeproof: error: " + bad + `:3: control "CC9.9" is not a well-formed soc2-2017 id`,
			"kubeproof: hint: a crosswalk file is CSV"}},
		{[]string{"mapping", "show", "iso-27001"}, cli.ExitUsage, []string{`kubeproof: error: unknown framework "iso-27001"`, "kubeproof: hint: frameworks are"}},
		{[]string{"mapping"}, cli.ExitUsage, []string{"kubeproof: error: missing subcommand"}},
		{[]string{"mapping", "list", "--bogus"}, cli.ExitUsage, []string{"unknown flag: --bogus"}},
	} {
		code, out, errs := runMappingCLI(t, c.args...)
		if code != c.code || out != "" {
			t.Errorf("%v: exit %d (want %d), stdout %q", c.args, code, c.code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr lacks %q:\n%s", c.args, w, errs)
			}
		}
	}
}

func TestMappingCommandHelp(t *testing.T) {
	code, out, errs := runMappingCLI(t, "mapping", "--help")
	if code != cli.ExitOK || errs != "" || !strings.Contains(out, "Examples:\n  kubeproof mapping list\n") || !strings.Contains(out, "--mapping FILE") {
		t.Errorf("help: exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
}

func mappingWriteFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
