package pdf

import (
	"fmt"
	"strings"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/view"
)

func (d *doc) waivers() {
	w := d.r.Waivers
	d.chapter("Waivers")
	if w.File == "" && len(w.Applied)+len(w.Expired)+len(w.Unused) == 0 {
		d.para("No waiver file was given: no finding is waived.", 9.5)
		return
	}
	d.para(fmt.Sprintf("Waiver file %s: %d waivers applied, %d expired (not applied; the findings keep their status), %d unused (matched nothing).",
		w.File, len(w.Applied), len(w.Expired), len(w.Unused)), 9.5)
	cols := []column{{head: "Waiver", width: 24}, {head: "Rule", width: 13}, {head: "Category / selector", width: 50},
		{head: "Justification", width: 49}, {head: "Approver", width: 26}, {head: "Expires", width: contentW - 162}}
	row := func(rec result.WaiverRecord, extra string) []cell {
		cat := rec.Category
		if sel := view.Selector(rec.Selector); sel != "" {
			cat += "\n" + strings.ReplaceAll(sel, ", ", "\n") // one selector field per line
		}
		return []cell{txt(rec.ID + extra), txt(rec.RuleID), txt(cat), txt(rec.Justification), txt(rec.Approver), txt(rec.Expires)}
	}
	for _, part := range []struct {
		title string
		recs  []result.WaiverRecord
		extra []string
	}{
		{"Applied", appliedRecords(w.Applied), appliedCounts(w.Applied)},
		{"Expired", w.Expired, nil},
		{"Unused", w.Unused, nil},
	} {
		if len(part.recs) == 0 {
			continue
		}
		d.heading(part.title, 1, 30)
		var rows [][]cell
		for i, rec := range part.recs {
			extra := ""
			if part.extra != nil {
				extra = part.extra[i]
			}
			rows = append(rows, row(rec, extra))
		}
		d.table(cols, rows, 7.5, "Waivers: "+part.title)
	}
}

func appliedRecords(us []result.WaiverUse) []result.WaiverRecord {
	out := make([]result.WaiverRecord, len(us))
	for i, u := range us {
		out[i] = u.WaiverRecord
	}
	return out
}

func appliedCounts(us []result.WaiverUse) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = fmt.Sprintf("\n%s target(s)", view.Count(u.Targets))
	}
	return out
}

func (d *doc) appendix() {
	d.chapter("Appendix A: chain of custody")
	d.para(view.Verification(d.r)+".", 9.5)
	for _, b := range d.r.Bundles {
		d.heading(b.File, 1, 50)
		node := b.Node
		if node == "" {
			node = "–"
		}
		d.kv([][2]string{
			{"File SHA-256", b.SHA256},
			{"Scope / node", b.Scope + " / " + node},
			{"Cluster UID", b.ClusterUID},
			{"Signer", b.Signer},
			{"Verification", verifiedText(b.Verified)},
			{"Collected at", b.CollectedAt},
			{"Collector", strings.TrimSpace(b.Collector.Name + " " + b.Collector.Version + " " + b.Collector.Revision)},
			{"Contents", fmt.Sprintf("%s members, %s bytes of evidence", view.Count(b.Members), view.Count(int(b.Bytes)))},
			{"Gaps", gaps(b.Gaps)},
		}, 32, 8.5)
	}
	d.heading("Analysis", 1, 30)
	d.kv([][2]string{
		{"Analyzer", strings.TrimSpace(d.r.Tool.Name + " " + d.r.Tool.Version)},
		{"Rule set", d.r.Tool.RulesetVersion},
		{"Benchmark", view.Benchmark(d.r)},
		{"Control mapping", mappingText(d.r.Mapping)},
		{"Report ID", d.r.ReportID},
		{"Report time", d.r.GeneratedAt},
	}, 32, 8.5)
	d.evidenceIndex()
	d.howToVerify()
}

func verifiedText(v bool) string {
	if v {
		return "signature and member hashes verified against a trusted key"
	}
	return "NOT VERIFIED: analysed with --insecure-skip-verify"
}

func gaps(gs []result.Gap) string {
	if len(gs) == 0 {
		return "none recorded"
	}
	var lines []string
	for _, g := range gs {
		l := g.Kind + ": " + g.Item + " (" + g.Reason
		if g.HTTPStatus != 0 {
			l += fmt.Sprintf(", HTTP %d", g.HTTPStatus)
		}
		lines = append(lines, l+")")
	}
	return strings.Join(lines, "\n")
}

func (d *doc) evidenceIndex() {
	d.chapter("Appendix B: evidence index")
	members := view.Evidence(d.r)
	d.para(fmt.Sprintf("The %d bundle members the findings rest on, with their full SHA-256 as recorded in the signed manifest.", len(members)), 9)
	var rows [][]cell
	for _, m := range members {
		rows = append(rows, []cell{txt(m.Bundle), txt(m.Member + "\n" + m.SHA256), txt(view.Count(int(m.Size))), txt(fmt.Sprint(m.Rules))})
	}
	d.table([]column{{head: "Bundle", width: 40}, {head: "Member and SHA-256", width: 106, mono: true},
		{head: "Bytes", width: 20}, {head: "Rules", width: contentW - 166}}, rows, 7.5, "Evidence index")
}

// verifySteps is the procedure to check a bundle with standard tools only.
var verifySteps = []struct{ say, cmd string }{
	{"1. Check the file is the one this report analysed: compare with \"File SHA-256\" in appendix A.",
		"sha256sum BUNDLE.tar.zst"},
	{"2. Extract the manifest and its signature (the first two members of the zstd-compressed tar).",
		"zstd -dc BUNDLE.tar.zst | tar -xf - manifest.json manifest.json.sig"},
	{"3. Verify the SSH signature over the exact manifest bytes with the collector's public key; " +
		"allowed_signers holds one line \"collector ssh-ed25519 AAAA...\". The fingerprint must match \"Signer\" in appendix A.",
		"ssh-keygen -Y verify -f allowed_signers -I collector \\\n  -n kubeproof.dev/bundle/v1 -s manifest.json.sig < manifest.json\nssh-keygen -lf collector.pub"},
	{"4. Extract the members and check each one against the sha256 recorded in the signed manifest.",
		"mkdir evidence && zstd -dc BUNDLE.tar.zst | tar -xf - -C evidence\ncd evidence && jq -r '.members[] | \"\\(.sha256)  \\(.path)\"' manifest.json | sha256sum -c -"},
	{"5. Compare member hashes with appendix B: each finding cites the member path and hash it rests on.", ""},
}

func (d *doc) howToVerify() {
	d.chapter("Appendix C: verifying the bundles independently")
	d.para("The evidence bundles can be checked without kubeproof, with tar, zstd, OpenSSH (8.1 or later), sha256sum and jq. "+
		"A bundle that passes steps 1 to 4 is byte for byte what the collector signed; the signature proves who collected it, "+
		"not that the collector's host was trustworthy.", 9.5)
	for _, s := range verifySteps {
		d.need(22)
		d.font("", 9)
		d.p.MultiCell(contentW, 4.4, printable(s.say), "", "L", false)
		if s.cmd != "" {
			d.codeBlock(s.cmd)
		}
		d.p.Ln(1.5)
	}
}

func (d *doc) codeBlock(code string) {
	lines := strings.Split(code, "\n")
	h := float64(len(lines))*4 + 3
	d.need(h)
	d.p.SetFillColor(0xF3, 0xF4, 0xF6)
	d.p.Rect(marginX, d.p.GetY(), contentW, h, "F")
	d.mono(8)
	d.p.Ln(1.5)
	for _, l := range lines {
		d.p.SetX(marginX + 3)
		d.p.CellFormat(contentW-6, 4, printable(l), "", 1, "L", false, 0, "")
	}
	d.p.Ln(1.5)
}
