package node

import (
	"path"
	"sort"
	"strings"

	"github.com/kubeproof/kubeproof/evidence"
)

// requestFromProcesses asks for every file named by a flag of c.procs[from:].
func (c *collector) requestFromProcesses(from int) {
	for i := from; i < len(c.procs); i++ {
		p := &c.procs[i]
		base := c.procBase[i]
		for _, f := range p.Flags {
			ref, ok := c.cat.flagRef(p.Component, f.Name)
			if !ok || !f.HasValue || !usablePath(f.Value) {
				continue
			}
			roles := append([]string{p.Component + ".flag:" + f.Name}, ref.Roles...)
			c.request(hostPath(f.Value, base), ref.Kind, 0, roles...)
		}
	}
}

// usablePath reports whether a flag or field value can name a host file.
func usablePath(v string) bool {
	return v != "" && v != Redacted && !strings.ContainsAny(v, "\x00\n") && !strings.Contains(v, "$(")
}

// requestWellKnown asks for the catalog's per-distribution paths: those of the detected
// distribution always (absence is evidence too), the others only when they exist.
func (c *collector) requestWellKnown() {
	for _, w := range c.cat.WellKnown {
		roles := append([]string{"wellknown:" + w.Distro + ":" + w.Name}, w.Roles...)
		if strings.Contains(path.Base(w.Path), "*") {
			for _, p := range c.glob(w.Path) {
				c.request(p, w.Kind, 0, roles...)
			}
			continue
		}
		if w.Distro == c.distro || c.fs.exists(w.Path) {
			c.request(w.Path, w.Kind, 0, roles...)
		}
	}
}

// glob expands a "*" pattern in the last component of a host path.
func (c *collector) glob(pattern string) []string {
	dir, pat := path.Split(pattern)
	names, err := c.fs.readDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range names {
		if ok, _ := path.Match(pat, n); ok {
			out = append(out, path.Join(dir, n))
		}
	}
	return out
}

// followUp derives more requests (and static-pod processes) from a collected file, once
// per (path, role).
func (c *collector) followUp(r *fileReq) {
	for _, role := range sortedRoles(r.roles) {
		key := r.path + "\x00" + role
		if c.followed[key] {
			continue
		}
		c.followed[key] = true
		switch {
		case role == "kubelet.config" || role == "kubelet.dropin":
			c.requestConfigFields("kubelet", r)
		case role == "kube-proxy.config":
			c.requestConfigFields("kube-proxy", r)
		case role == "static-pod.manifest":
			c.manifestProcesses(r)
		}
	}
	if r.kind == kindUnit {
		for _, p := range r.envFiles {
			roles := []string{}
			for _, role := range sortedRoles(r.roles) {
				roles = append(roles, role+".env")
			}
			c.request(hostPath(p, "/"), kindEnvFile, 0, roles...)
		}
	}
}

func sortedRoles(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// requestConfigFields asks for the files named by a component config's fields; a relative
// path is relative to the config file's directory.
func (c *collector) requestConfigFields(component string, r *fileReq) {
	refs := c.cat.ConfigFields[component]
	fields := make([]string, 0, len(refs))
	for f := range refs {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, field := range fields {
		ref := refs[field]
		v, ok := lookupField(r.parsed, field)
		if !ok || !usablePath(v) {
			continue
		}
		roles := append([]string{component + ".config-field:" + field}, ref.Roles...)
		c.request(hostPath(v, path.Dir(r.path)), ref.Kind, 0, roles...)
	}
}

// lookupField returns the string at a dotted field path of a parsed document.
func lookupField(doc any, field string) (string, bool) {
	cur := doc
	for _, part := range strings.Split(field, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		if cur, ok = m[part]; !ok {
			return "", false
		}
	}
	s, ok := cur.(string)
	return s, ok
}

// manifestProcesses turns a static pod manifest's containers into processes with source
// static-manifest, tags the manifest with "<component>.manifest", and asks for the files
// their flags name.
func (c *collector) manifestProcesses(r *fileReq) {
	pod, _ := r.parsed.(map[string]any)
	spec, _ := pod["spec"].(map[string]any)
	ctrs, _ := spec["containers"].([]any)
	from := len(c.procs)
	for _, ct := range ctrs {
		cm, _ := ct.(map[string]any)
		argv := append(stringList(cm["command"]), stringList(cm["args"])...)
		name, _ := cm["name"].(string)
		image, _ := cm["image"].(string)
		comp := manifestComponent(argv, name, image)
		if comp == "" {
			continue
		}
		p := evidence.Process{Component: comp, Source: evidence.SourceStaticManifest,
			Manifest: r.path, Container: name, Argv: argv}
		c.addProcess(p, "/", argv)
		r.roles[comp+".manifest"] = true
	}
	c.requestFromProcesses(from)
}

// manifestComponent names the component a container runs: by its command's program name,
// else its container name, else its image name.
func manifestComponent(argv []string, name, image string) string {
	if len(argv) > 0 {
		if comp := componentName(path.Base(argv[0])); comp != "" {
			return comp
		}
	}
	if comp := componentName(name); comp != "" {
		return comp
	}
	img := path.Base(image)
	if i := strings.IndexAny(img, ":@"); i >= 0 {
		img = img[:i]
	}
	return componentName(img)
}

func stringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
