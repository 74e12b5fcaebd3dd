package node

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"sigs.k8s.io/yaml"
)

// Content formats (evidence.File.Format).
const (
	formatYAML        = "yaml"
	formatJSON        = "json"
	formatKubeconfig  = "kubeconfig"
	formatKubelet     = "kubelet-config"
	formatKubeProxy   = "kube-proxy-config"
	formatEncryption  = "encryption-config"
	formatAuditPolicy = "audit-policy"
	formatAdmission   = "admission-config"
	formatPodManifest = "pod-manifest"
	formatSystemdUnit = "systemd-unit"
	formatEnvFile     = "env-file"
	formatArgsFile    = "args-file"
	formatPEM         = "pem-certificate"
)

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

// parseYAMLDocs parses YAML or JSON (one or more "---"-separated documents) into
// JSON-compatible values; numbers stay exact (json.Number).
func parseYAMLDocs(data []byte) ([]any, error) {
	var docs []any
	for i, part := range docSeparator.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(part)) == "" {
			continue
		}
		j, err := yaml.YAMLToJSON([]byte(part))
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		if v != nil {
			docs = append(docs, v)
		}
	}
	return docs, nil
}

func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// configFormat names the format of a parsed config document by its kind and apiVersion.
func configFormat(doc any, isJSON bool) string {
	m, _ := doc.(map[string]any)
	kind, _ := m["kind"].(string)
	api, _ := m["apiVersion"].(string)
	switch {
	case kind == "Config" && (api == "v1" || m["clusters"] != nil || m["users"] != nil):
		return formatKubeconfig
	case kind == "KubeletConfiguration":
		return formatKubelet
	case kind == "KubeProxyConfiguration":
		return formatKubeProxy
	case kind == "EncryptionConfiguration":
		return formatEncryption
	case kind == "Policy" && strings.HasPrefix(api, "audit.k8s.io/"):
		return formatAuditPolicy
	case kind == "AdmissionConfiguration":
		return formatAdmission
	case kind == "Pod":
		return formatPodManifest
	case isJSON:
		return formatJSON
	}
	return formatYAML
}

// parseConfig parses a config file and redacts it. One document gives that document as
// content; several give a list.
func parseConfig(data []byte) (string, any, *redactor, error) {
	docs, err := parseYAMLDocs(data)
	if err != nil {
		return "", nil, nil, err
	}
	isJSON := bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
	r := &redactor{}
	switch len(docs) {
	case 0:
		return formatYAML, nil, r, nil
	case 1:
		f := configFormat(docs[0], isJSON)
		return f, redactConfig(r, f, "", docs[0]), r, nil
	}
	for i, d := range docs {
		docs[i] = redactConfig(r, configFormat(d, isJSON), fmt.Sprintf("/%d", i), d)
	}
	return formatYAML, docs, r, nil
}

// redactConfig applies the format's own redaction, then the generic one.
func redactConfig(r *redactor, format, ptr string, doc any) any {
	if format == formatKubeconfig {
		redactKubeconfig(r, ptr, doc)
	}
	return r.scrub(ptr, "", doc)
}

// redactKubeconfig withholds what the generic scrub cannot know: every auth-provider
// config value and exec plugin env values; exec args are scrubbed like argv.
func redactKubeconfig(r *redactor, ptr string, doc any) {
	m, _ := doc.(map[string]any)
	users, _ := m["users"].([]any)
	for i, u := range users {
		um, _ := u.(map[string]any)
		user, _ := um["user"].(map[string]any)
		up := fmt.Sprintf("%s/users/%d/user", ptr, i)
		if ap, ok := user["auth-provider"].(map[string]any); ok {
			if cfg, ok := ap["config"].(map[string]any); ok {
				for k := range cfg {
					cfg[k] = Redacted
					r.add(up+"/auth-provider/config/"+escapePtr(k), reasonAuthProvider)
				}
			}
		}
		ex, _ := user["exec"].(map[string]any)
		envs, _ := ex["env"].([]any)
		for j, e := range envs {
			if em, ok := e.(map[string]any); ok && em["value"] != nil {
				em["value"] = Redacted
				r.add(fmt.Sprintf("%s/exec/env/%d/value", up, j), reasonExecEnv)
			}
		}
		if args, ok := ex["args"].([]any); ok {
			redactAnyArgv(r, up+"/exec/args", args)
		}
	}
}

// redactAnyArgv scrubs a JSON list of strings as argv, in place.
func redactAnyArgv(r *redactor, ptr string, args []any) {
	strs := make([]string, len(args))
	for i, a := range args {
		strs[i], _ = a.(string)
	}
	out, red := redactArgv(strs, ptr)
	for i := range args {
		if _, ok := args[i].(string); ok {
			args[i] = out[i]
		}
	}
	r.out = append(r.out, red...)
}

// unitEntry is one "Key=Value" line of a systemd unit.
type unitEntry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// unitSection is one [Section] of a systemd unit, entries in file order.
type unitSection struct {
	Name    string      `json:"name"`
	Entries []unitEntry `json:"entries"`
}

// parseUnit parses a systemd unit or drop-in: sections and their entries in order
// (continuation lines joined), with Environment= values outside the allowed variables and
// secret flags in Exec*= lines withheld. It returns the EnvironmentFile= paths too.
func parseUnit(data []byte) (map[string]any, []string, *redactor) {
	r := &redactor{}
	var secs []unitSection
	var envFiles []string
	cur := -1
	for _, line := range joinContinuations(string(data)) {
		t := strings.TrimSpace(line)
		switch {
		case t == "" || t[0] == '#' || t[0] == ';':
			continue
		case t[0] == '[' && strings.HasSuffix(t, "]"):
			secs = append(secs, unitSection{Name: t[1 : len(t)-1], Entries: []unitEntry{}})
			cur = len(secs) - 1
			continue
		}
		k, val, ok := strings.Cut(t, "=")
		if !ok || cur < 0 {
			continue
		}
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		ptr := fmt.Sprintf("/sections/%d/entries/%d/value", cur, len(secs[cur].Entries))
		switch {
		case k == "Environment":
			val = redactEnvAssignments(r, ptr, val)
		case strings.HasPrefix(k, "Exec"):
			val = redactCommandLine(r, ptr, val)
		case k == "EnvironmentFile":
			if p := strings.TrimPrefix(val, "-"); p != "" {
				envFiles = append(envFiles, p)
			}
		}
		secs[cur].Entries = append(secs[cur].Entries, unitEntry{Key: k, Value: val})
	}
	if secs == nil {
		secs = []unitSection{}
	}
	return map[string]any{"sections": secs}, envFiles, r
}

func joinContinuations(s string) []string {
	var out []string
	var acc strings.Builder
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.HasSuffix(l, "\\") {
			acc.WriteString(strings.TrimSuffix(l, "\\"))
			acc.WriteByte(' ')
			continue
		}
		acc.WriteString(l)
		out = append(out, acc.String())
		acc.Reset()
	}
	return out
}

// redactCommandLine scrubs a shell-like command line (split on whitespace) as argv; it is
// rewritten only when something was withheld.
func redactCommandLine(r *redactor, ptr, line string) string {
	toks := splitQuoted(line)
	out, red := redactArgv(toks, ptr)
	if len(red) == 0 {
		return line
	}
	for i := range red {
		red[i].Field = ptr
	}
	r.out = append(r.out, red...)
	for i, t := range out {
		if strings.ContainsAny(t, " \t") {
			out[i] = "'" + t + "'"
		}
	}
	return strings.Join(out, " ")
}

// redactEnvAssignments scrubs the VAR=value assignments of one Environment= line.
func redactEnvAssignments(r *redactor, ptr, line string) string {
	words := splitQuoted(line)
	for i, w := range words {
		name, val, ok := strings.Cut(w, "=")
		if !ok {
			continue
		}
		if !envAllowed(name) && val != "" {
			words[i] = name + "=" + Redacted
			r.add(ptr, reasonEnvNotAllow+" ("+name+")")
			continue
		}
		words[i] = name + "=" + redactCommandLine(r, ptr, val)
	}
	for i, w := range words {
		if strings.ContainsAny(w, " \t") {
			words[i] = `"` + w + `"`
		}
	}
	return strings.Join(words, " ")
}

// splitQuoted splits on whitespace outside double or single quotes and drops the quotes.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, c := range s {
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote, inWord = c, true
		case quote == 0 && (c == ' ' || c == '\t'):
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

// envVar is one assignment of an env file.
type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// parseEnvFile parses KEY=VALUE lines ("export " and quotes allowed), withholding values of
// variables outside the allowed prefixes and secret flags inside allowed ones.
func parseEnvFile(data []byte) ([]envVar, *redactor) {
	r := &redactor{}
	vars := []envVar{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		t := strings.TrimSpace(sc.Text())
		if t == "" || t[0] == '#' {
			continue
		}
		t = strings.TrimPrefix(t, "export ")
		name, val, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		val = strings.Join(splitQuoted(val), " ")
		ptr := fmt.Sprintf("/%d/value", len(vars))
		if !envAllowed(name) && val != "" {
			val = Redacted
			r.add(ptr, reasonEnvNotAllow+" ("+name+")")
		} else {
			val = redactCommandLine(r, ptr, val)
		}
		vars = append(vars, envVar{Name: name, Value: val})
	}
	return vars, r
}

// parseArgsFile parses a microk8s args file: one or more flags per line, "#" comments.
func parseArgsFile(data []byte) []string {
	var toks []string
	for _, l := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '#' {
			continue
		}
		toks = append(toks, splitQuoted(t)...)
	}
	return toks
}
