package pdf

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// covered[r] is true when every embedded Go font has a glyph for rune r (BMP only: the Go
// fonts cover Latin, Greek and Cyrillic, not CJK and not beyond U+FFFF).
var covered = sync.OnceValue(func() *[0x10000]bool {
	var out [0x10000]bool
	var fonts []*sfnt.Font
	for _, data := range [][]byte{goregular.TTF, gobold.TTF, gomono.TTF} {
		f, err := sfnt.Parse(data)
		if err != nil {
			panic(fmt.Sprintf("pdf: embedded Go font does not parse: %v", err)) // cannot happen: fixed bytes
		}
		fonts = append(fonts, f)
	}
	var buf sfnt.Buffer
	for r := rune(0x20); r < 0x10000; r++ {
		ok := true
		for _, f := range fonts {
			if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
				ok = false
				break
			}
		}
		out[r] = ok
	}
	return &out
})

// printable rewrites s so that every character can be drawn with the embedded fonts: a run of
// characters the fonts lack becomes their code points, "⟨U+652F U+4ED8⟩" style with ASCII
// brackets, so that names in any script stay identifiable (the exact text is in the XLSX).
// Tabs become spaces; other control characters are dropped.
func printable(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	cov := covered()
	var b strings.Builder
	var run []string
	flush := func() {
		if len(run) > 0 {
			b.WriteString("<" + strings.Join(run, " ") + ">")
			run = run[:0]
		}
	}
	for _, r := range s {
		switch {
		case r == '\n':
			flush()
			b.WriteRune(r)
		case r == '\t':
			flush()
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
		case r < 0x10000 && cov[r]:
			flush()
			b.WriteRune(r)
		default:
			run = append(run, fmt.Sprintf("U+%04X", r))
		}
	}
	flush()
	return b.String()
}

// hasUncovered reports whether printable would rewrite part of s.
func hasUncovered(s string) bool {
	cov := covered()
	for _, r := range s {
		if r >= 0x20 && r != 0x7f && (r >= 0x10000 || !cov[r]) {
			return true
		}
	}
	return false
}
