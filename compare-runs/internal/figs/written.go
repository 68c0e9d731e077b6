package figs

import (
	"fmt"
	"io"
	"strings"
)

// Written is what a report links of its figures: the interactive pages
// and static images written, or why none were.
type Written struct {
	Skipped  string // why no figure was drawn; empty when they were
	Pages    []string
	Images   []Image
	ImageExt string // the image format the markdown embeds
}

// WriteAll writes s's pages, the ECharts script beside them and its
// images in imageFormat (png, svg or both) through write, which takes a
// name under figs/.
func WriteAll(s *Set, js []byte, imageFormat string, write func(name string, fn func(io.Writer) error) error) (Written, error) {
	return writeFigures(js, imageFormat, write,
		func() ([]string, error) { return WriteHTML(s, write) },
		func(formats []string) ([]Image, error) { return WriteImages(s, formats, write) })
}

// writeFigures writes a report's pages, the ECharts script beside them,
// then its images in each format imageFormat names.
func writeFigures(js []byte, imageFormat string, write func(name string, fn func(io.Writer) error) error,
	pages func() ([]string, error), images func(formats []string) ([]Image, error)) (Written, error) {
	var w Written
	var err error
	if w.Pages, err = pages(); err != nil {
		return w, err
	}
	if err := write(EchartsJS, func(out io.Writer) error { _, err := out.Write(js); return err }); err != nil {
		return w, err
	}
	formats := []string{imageFormat}
	if imageFormat == "both" {
		formats = []string{"png", "svg"}
	}
	if w.Images, err = images(formats); err != nil {
		return w, err
	}
	w.ImageExt = formats[0]
	return w, nil
}

// Markdown writes the figures section of a report: intro and the page
// links, then every image; or why there are none.
func (w Written) Markdown(b *strings.Builder, intro string) {
	if w.Skipped != "" {
		fmt.Fprintf(b, "Figures were not drawn: %s.\n", w.Skipped)
		return
	}
	b.WriteString(intro)
	for _, p := range w.Pages {
		fmt.Fprintf(b, " [%s](figs/%s)", p, p)
	}
	b.WriteString("\n\n")
	for _, im := range w.Images {
		fmt.Fprintf(b, "![%s](figs/%s.%s)\n\n", im.Caption, im.Name, w.ImageExt)
	}
}
