package analyze

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/kubeproof/kubeproof/internal/result"
)

// Marshal renders report.json: two-space indented JSON with a trailing newline. The same
// report always gives the same bytes (maps are written in key order; every slice is sorted
// by the analyzer).
func Marshal(rep *result.Report) ([]byte, error) {
	var b bytes.Buffer
	if err := WriteJSON(&b, rep); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// resultsHole is where WriteJSON splices the streamed results into the encoded report.
var resultsHole = []byte("\n  \"results\": [],\n")

// WriteJSON writes report.json to w, byte for byte what encoding/json gives for the whole
// report with two-space indentation, but encoding one rule result at a time, so that a
// report with hundreds of thousands of targets is never held in memory twice.
func WriteJSON(w io.Writer, rep *result.Report) error {
	if rep.Results == nil {
		b, err := encode(rep, "")
		if err == nil {
			_, err = w.Write(b)
		}
		return err
	}
	head := *rep
	head.Results = []result.RuleResult{}
	b, err := encode(&head, "")
	if err != nil {
		return err
	}
	i := bytes.Index(b, resultsHole)
	if i < 0 {
		return fmt.Errorf("report.json: results field not found")
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.Write(b[:i])
	if len(rep.Results) == 0 {
		bw.Write(resultsHole)
	} else {
		bw.WriteString("\n  \"results\": [\n")
		for k := range rep.Results {
			rb, err := encode(&rep.Results[k], "    ")
			if err != nil {
				return err
			}
			bw.WriteString("    ")
			bw.Write(bytes.TrimSuffix(rb, []byte("\n")))
			if k < len(rep.Results)-1 {
				bw.WriteString(",")
			}
			bw.WriteString("\n")
		}
		bw.WriteString("  ],\n")
	}
	bw.Write(b[i+len(resultsHole):])
	return bw.Flush()
}

func encode(v any, prefix string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
