package evidence

import (
	"reflect"
	"strings"
	"testing"
)

func v(name, value string) Flag { return Flag{Name: name, Value: value, HasValue: true} }
func b(name string) Flag        { return Flag{Name: name} }

func TestParseFlags(t *testing.T) {
	cases := []struct {
		name string
		argv []string
		want []Flag
	}{
		{"empty", nil, []Flag{}},
		{"program name skipped", []string{"kube-apiserver", "--anonymous-auth=false"}, []Flag{v("anonymous-auth", "false")}},
		{"equals form", []string{"--a=b"}, []Flag{v("a", "b")}},
		{"space form", []string{"--a", "b"}, []Flag{v("a", "b")}},
		{"empty value", []string{"--a="}, []Flag{v("a", "")}},
		{"bare boolean at end", []string{"--profiling"}, []Flag{b("profiling")}},
		{"bare boolean before flag", []string{"--client-cert-auth", "--peer-client-cert-auth=false"},
			[]Flag{b("client-cert-auth"), v("peer-client-cert-auth", "false")}},
		{"single dash", []string{"-v=2"}, []Flag{v("v", "2")}},
		{"single dash space", []string{"-v", "4"}, []Flag{v("v", "4")}},
		{"value with equals", []string{"--feature-gates=A=true,B=false"}, []Flag{v("feature-gates", "A=true,B=false")}},
		{"value with spaces", []string{"--hostname-override=my node", "--x", "a b"}, []Flag{v("hostname-override", "my node"), v("x", "a b")}},
		{"repeated in order", []string{"--kube-apiserver-arg=a=1", "--kube-apiserver-arg", "b=2", "--kube-apiserver-arg=a=3"},
			[]Flag{v("kube-apiserver-arg", "a=1"), v("kube-apiserver-arg", "b=2"), v("kube-apiserver-arg", "a=3")}},
		{"negative number value", []string{"--oom-score-adj", "-999", "--v=1"}, []Flag{v("oom-score-adj", "-999"), v("v", "1")}},
		{"subcommand skipped", []string{"k3s", "server", "--disable=traefik"}, []Flag{v("disable", "traefik")}},
		{"terminator", []string{"--a", "--", "--b=1"}, []Flag{b("a")}},
		{"dash value", []string{"--log-file", "-"}, []Flag{v("log-file", "-")}},
		{"malformed skipped", []string{"--=x", "---", "-", "--ok"}, []Flag{b("ok")}},
		{"lone negative number is positional", []string{"-5", "--a"}, []Flag{b("a")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ParseFlags(c.argv)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("ParseFlags(%q)\n got %+v\nwant %+v", c.argv, got, c.want)
			}
		})
	}
}

func TestLookalikeNamesAreDistinct(t *testing.T) {
	f := ParseFlags([]string{"etcd", "--peer-client-cert-auth=true"})
	if _, ok := LastFlag(f, "client-cert-auth"); ok {
		t.Fatal("--peer-client-cert-auth was read as --client-cert-auth")
	}
	if got, _ := LastFlag(f, "peer-client-cert-auth"); got != "true" {
		t.Fatalf("peer-client-cert-auth = %q, want true", got)
	}
}

func TestFlagValues(t *testing.T) {
	f := ParseFlags([]string{"--a=1", "--b", "--a", "2"})
	if got := FlagValues(f, "a"); !reflect.DeepEqual(got, []string{"1", "2"}) {
		t.Errorf("FlagValues(a) = %q", got)
	}
	if got, ok := LastFlag(f, "b"); !ok || got != "true" {
		t.Errorf("LastFlag(b) = %q, %v; want true, true", got, ok)
	}
	if _, ok := LastFlag(f, "c"); ok {
		t.Error("LastFlag(c) found an absent flag")
	}
}

// render writes flags back in the unambiguous --name=value / --name form.
func render(flags []Flag) []string {
	var out []string
	for _, f := range flags {
		if f.HasValue {
			out = append(out, "--"+f.Name+"="+f.Value)
		} else {
			out = append(out, "--"+f.Name)
		}
	}
	return out
}

func FuzzParseFlags(f *testing.F) {
	f.Add("kube-apiserver\x00--a=b\x00--c\x00d e\x00-v=2\x00--flag")
	f.Add("--feature-gates=A=true,B=false\x00--x\x00-1\x00--\x00--y")
	f.Add("---\x00--=\x00-\x00--a\x00-")
	f.Fuzz(func(t *testing.T, s string) {
		argv := strings.Split(s, "\x00")
		got := ParseFlags(argv)
		for _, fl := range got {
			if fl.Name == "" || strings.HasPrefix(fl.Name, "-") || strings.Contains(fl.Name, "=") {
				t.Fatalf("bad flag name %q from %q", fl.Name, argv)
			}
			if !fl.HasValue && fl.Value != "" {
				t.Fatalf("bare flag %q carries value %q", fl.Name, fl.Value)
			}
		}
		if again := ParseFlags(render(got)); !reflect.DeepEqual(again, got) {
			t.Fatalf("re-parse differs:\n argv %q\nfirst %+v\nagain %+v", argv, got, again)
		}
	})
}
