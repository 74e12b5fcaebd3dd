package xlsx

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubeproof/kubeproof/internal/result"
	"github.com/kubeproof/kubeproof/reports/internal/fixture"
	"github.com/kubeproof/kubeproof/reports/internal/readers"
)

// csvFilter exports every sheet to its own CSV file (LibreOffice ≥ 7.2): comma, double quote,
// UTF-8, values as shown, sheet -1 = all.
const csvFilter = `csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1`

var (
	convertOnce sync.Once
	convertDir  string
	convertErr  error
)

// libreOfficeCSV converts the fixture workbook once per test run and returns sheet → rows.
func libreOfficeCSV(t *testing.T) map[string][][]string {
	t.Helper()
	soffice := readers.Need(t, "soffice")
	convertOnce.Do(func() {
		convertDir, convertErr = os.MkdirTemp("", "kubeproof-xlsx-")
		if convertErr != nil {
			return
		}
		in := filepath.Join(convertDir, "report.xlsx")
		if convertErr = os.WriteFile(in, mustBook(t), 0o644); convertErr != nil {
			return
		}
		profile := "-env:UserInstallation=file://" + filepath.Join(convertDir, "profile")
		_, convertErr = readers.Run(t, 3*time.Minute, soffice, profile, "--headless", "--convert-to", csvFilter, "--outdir", convertDir, in)
	})
	if convertErr != nil {
		t.Fatalf("LibreOffice conversion: %v", convertErr)
	}
	sheets := map[string][][]string{}
	for _, name := range open(t, mustBook(t)).GetSheetList() {
		path := filepath.Join(convertDir, "report-"+name+".csv")
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("LibreOffice did not export sheet %q: %v", name, err)
		}
		rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
		if err != nil {
			t.Fatalf("sheet %q: LibreOffice CSV: %v", name, err)
		}
		sheets[name] = rows
	}
	return sheets
}

// table maps the header row to column indexes and returns the data rows (up to the first blank row).
func table(rows [][]string) (map[string]int, [][]string) {
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	end := len(rows)
	for i, row := range rows[1:] {
		if strings.Join(row, "") == "" {
			end = i + 1
			break
		}
	}
	return col, rows[1:end]
}

func TestLibreOfficeFindings(t *testing.T) {
	r := fixture.Report()
	col, rows := table(libreOfficeCSV(t)[SheetFindings])
	type exp struct{ rule, ruleStatus, status, node, obj, actual, member, sha, nist string }
	var want []exp
	for _, rr := range r.Results {
		targets := rr.Targets
		if len(targets) == 0 {
			targets = []result.Target{{Status: rr.Status}}
		}
		for _, tg := range targets {
			e := exp{rule: rr.RuleID, ruleStatus: rr.Status, status: tg.Status, node: tg.Node, actual: tg.Actual,
				nist: strings.Join(rr.Controls["nist-800-53-r5"], ", ")}
			if tg.Object != nil {
				e.obj = tg.Object.Name
			}
			for i, ev := range tg.Evidence {
				if i > 0 {
					e.member += "\n"
					e.sha += "\n"
				}
				e.member += ev.Member
				e.sha += ev.SHA256
			}
			want = append(want, e)
		}
	}
	if len(rows) != len(want) {
		t.Fatalf("Findings has %d rows in LibreOffice, want %d (one per rule × target)", len(rows), len(want))
	}
	for i, row := range rows {
		got := exp{row[col["Rule ID"]], row[col["Rule status"]], row[col["Target status"]], row[col["Node"]],
			row[col["Object name"]], row[col["Actual value"]], row[col["Evidence member"]], row[col["Evidence SHA-256"]],
			row[col["Controls: NIST SP 800-53"]]}
		if got != want[i] {
			t.Fatalf("Findings row %d:\n got %q\nwant %q", i+2, got, want[i])
		}
	}
}

func TestLibreOfficeSummary(t *testing.T) {
	r := fixture.Report()
	rows := libreOfficeCSV(t)[SheetSummary]
	values := map[string]string{}
	for _, row := range rows {
		if len(row) > 1 {
			values[row[0]] = row[1]
		}
	}
	if values["Cluster"] != fixture.ClusterName || values["Report ID"] != r.ReportID {
		t.Errorf("Summary: cluster %q, report id %q", values["Cluster"], values["Report ID"])
	}
	if !strings.HasPrefix(values["Verification"], "VERIFIED EVIDENCE") {
		t.Errorf("Summary verification = %q", values["Verification"])
	}
	for _, st := range result.Statuses {
		if got, want := values[st], strconv.Itoa(r.Summary.ByStatus[st]); got != want {
			t.Errorf("Summary count %s = %q, want %s", st, got, want)
		}
	}
	if values["Total"] != "131" {
		t.Errorf("Summary total = %q, want 131", values["Total"])
	}
}

func TestLibreOfficeFrameworks(t *testing.T) {
	r := fixture.Report()
	sheets := libreOfficeCSV(t)
	for name, key := range map[string]string{"NIST SP 800-53 Rev. 5.1.1": "nist-800-53-r5", "PCI DSS v4.0.1": "pci-dss-4.0.1", "SOC 2 Trust Services Criteria": "soc2-2017"} {
		col, rows := table(sheets[name])
		ctl := r.Frameworks[key]
		if len(rows) != len(ctl) {
			t.Fatalf("sheet %q has %d controls, want %d", name, len(rows), len(ctl))
		}
		for i, c := range ctl {
			row := rows[i]
			if row[col["Control"]] != c.Control || row[col["Evidence status"]] != c.Status {
				t.Errorf("sheet %q row %d = %q %q, want %q %q", name, i+2, row[col["Control"]], row[col["Evidence status"]], c.Control, c.Status)
			}
			for _, cr := range c.Rules {
				if !strings.Contains(row[col["Supporting rules (status)"]], cr.RuleID+" "+cr.Status) {
					t.Errorf("sheet %q control %s does not list %s %s", name, c.Control, cr.RuleID, cr.Status)
				}
			}
		}
	}
}

func TestLibreOfficeEvidenceWaiversCustody(t *testing.T) {
	r := fixture.Report()
	sheets := libreOfficeCSV(t)
	members := map[string]bool{}
	for _, rr := range r.Results {
		for _, tg := range rr.Targets {
			for _, e := range tg.Evidence {
				members[e.Bundle+" "+e.Member+" "+e.SHA256+" "+strconv.FormatInt(e.Size, 10)] = true
			}
		}
	}
	col, rows := table(sheets[SheetEvidence])
	got := map[string]bool{}
	for _, row := range rows {
		got[row[col["Bundle"]]+" "+row[col["Member"]]+" "+row[col["SHA-256"]]+" "+row[col["Size (bytes)"]]] = true
	}
	if fmt.Sprint(got) != fmt.Sprint(members) {
		t.Errorf("Evidence sheet lists %d members, report references %d (or values differ)", len(got), len(members))
	}
	col, rows = table(sheets[SheetWaivers])
	wantW := len(r.Waivers.Applied) + len(r.Waivers.Expired) + len(r.Waivers.Unused)
	if len(rows) != wantW {
		t.Errorf("Waivers sheet has %d rows, want %d", len(rows), wantW)
	}
	for i, u := range r.Waivers.Applied {
		if rows[i][col["Waiver ID"]] != u.ID || rows[i][col["Approver"]] != u.Approver || rows[i][col["Targets matched"]] != strconv.Itoa(u.Targets) {
			t.Errorf("Waivers row %d = %q, want %s by %s matching %d", i+2, rows[i], u.ID, u.Approver, u.Targets)
		}
	}
	col, rows = table(sheets[SheetCustody])
	if len(rows) != len(r.Bundles) {
		t.Fatalf("Chain of custody has %d bundles, want %d", len(rows), len(r.Bundles))
	}
	for i, b := range r.Bundles {
		row := rows[i]
		if row[col["Bundle file"]] != b.File || row[col["File SHA-256"]] != b.SHA256 || row[col["Signer fingerprint"]] != b.Signer || row[col["Collected at (UTC)"]] != b.CollectedAt {
			t.Errorf("Chain of custody row %d = %q, want %s %s %s", i+2, row, b.File, b.SHA256, b.Signer)
		}
	}
}

func TestOpenpyxl(t *testing.T) {
	readers.NeedOpenpyxl(t)
	path := filepath.Join(t.TempDir(), "report.xlsx")
	if err := os.WriteFile(path, mustBook(t), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
f = wb["Findings"]
out = {"sheets": wb.sheetnames, "a1": f["A1"].value, "a2": f["A2"].value, "rows": f.max_row,
       "freeze": f.freeze_panes, "cluster": None, "creator": wb.properties.creator}
for row in wb["Summary"].iter_rows(values_only=True):
    if row[0] == "Cluster":
        out["cluster"] = row[1]
print(json.dumps(out))
`
	stdout, err := readers.Run(t, time.Minute, readers.Python, "-c", script, path)
	if err != nil {
		t.Fatalf("openpyxl could not load the workbook: %v", err)
	}
	var got struct {
		Sheets                  []string
		A1, A2, Freeze, Cluster string
		Rows                    int
		Creator                 string
	}
	if err := json.Unmarshal(stdout, &got); err != nil {
		t.Fatalf("openpyxl output %q: %v", stdout, err)
	}
	r := fixture.Report()
	wantRows := 1
	for _, rr := range r.Results {
		wantRows += max(len(rr.Targets), 1)
	}
	if got.A1 != "Rule ID" || got.A2 != r.Results[0].RuleID || got.Rows != wantRows || got.Freeze != "A2" || got.Cluster != fixture.ClusterName {
		t.Errorf("openpyxl read %+v; want A1 \"Rule ID\", A2 %q, %d rows, freeze A2, cluster %q", got, r.Results[0].RuleID, wantRows, fixture.ClusterName)
	}
	if len(got.Sheets) != 9 {
		t.Errorf("openpyxl sees sheets %q, want 9", got.Sheets)
	}
}
