package figs

import (
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Image size: a one-column figure of a paper at 100 dpi (vgimg's
// default resolution for PNG).
const (
	imgW = 6 * vg.Inch
	imgH = 4 * vg.Inch
)

// palette is Okabe–Ito, distinguishable with colour-blindness; real is
// always first (black).
var palette = []color.RGBA{
	{0, 0, 0, 255}, {0, 114, 178, 255}, {213, 94, 0, 255}, {0, 158, 115, 255},
	{204, 121, 167, 255}, {230, 159, 0, 255}, {86, 180, 233, 255},
}

func colorOf(i int) color.RGBA { return palette[i%len(palette)] }

// shapes tell series apart where colours do not (print in grey).
var shapes = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.SquareGlyph{}, draw.CrossGlyph{}}

// Image is one static figure written by WriteImages.
type Image struct {
	Name    string // file name without extension, e.g. cdf_ttft
	Caption string
}

// WriteImages draws every figure of s in each format (png, svg) through
// write, and returns the images in order.
func WriteImages(s *Set, formats []string, write func(name string, fn func(io.Writer) error) error) ([]Image, error) {
	var out []Image
	emit := func(name, caption string, p *plot.Plot) error {
		if err := writePlot(p, name, formats, write); err != nil {
			return err
		}
		out = append(out, Image{Name: name, Caption: caption})
		return nil
	}
	for _, c := range s.CDFs {
		p := newPlot(c.Title+" CDF", c.Unit, "fraction of "+sampleNoun(c.Key))
		p.Y.Min, p.Y.Max = 0, 1
		for i, se := range c.Series {
			x, y := ecdf(se.Values)
			if len(x) == 0 {
				continue
			}
			l, err := plotter.NewLine(xys(x, y))
			if err != nil {
				return nil, fmt.Errorf("cdf %s: %w", c.Key, err)
			}
			l.StepStyle = plotter.PostStep
			l.LineStyle.Color = colorOf(i)
			l.LineStyle.Width = vg.Points(1.5)
			p.Add(l)
			p.Legend.Add(se.Name, l)
		}
		// Bottom right (gonum's default corner) is where a CDF is empty.
		if err := emit("cdf_"+c.Key, c.Title+": empirical CDF, real vs simulated", p); err != nil {
			return nil, err
		}
	}
	for _, c := range s.Scatters {
		p := newPlot(c.Title+": simulated vs real", "real ("+c.Unit+")", "simulated ("+c.Unit+")")
		lo, hi := bounds(c.Series)
		ident, err := plotter.NewLine(xys([]float64{lo, hi}, []float64{lo, hi}))
		if err != nil {
			return nil, err
		}
		ident.LineStyle.Color = color.Gray{Y: 128}
		ident.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(ident)
		p.Legend.Add("sim = real", ident)
		if err := addPoints(p, c.Series, 1); err != nil {
			return nil, fmt.Errorf("scatter %s: %w", c.Key, err)
		}
		p.Legend.Top, p.Legend.Left = true, true
		if err := emit("scatter_"+c.Key, c.Title+" per request: simulated against real, dashed line sim = real", p); err != nil {
			return nil, err
		}
	}
	for _, c := range s.Timelines {
		p := newPlot(c.Title+" over time", "arrival (s since the first request)", c.Title+" ("+c.Unit+")")
		if err := addPoints(p, c.Series, 0); err != nil {
			return nil, fmt.Errorf("timeline %s: %w", c.Key, err)
		}
		p.Legend.Top, p.Legend.Left = true, true
		if err := emit("timeline_"+c.Key, c.Title+" of each request against its arrival time", p); err != nil {
			return nil, err
		}
	}
	for _, c := range s.Curves {
		p, err := curvePlot(c)
		if err != nil {
			return nil, err
		}
		if err := emit("load_"+c.Key, c.Title+" against offered load, real and simulated", p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// writePlot draws p once per format through write, as name.<format>.
func writePlot(p *plot.Plot, name string, formats []string, write func(name string, fn func(io.Writer) error) error) error {
	for _, f := range formats {
		wt, err := p.WriterTo(imgW, imgH, f)
		if err != nil {
			return fmt.Errorf("draw %s.%s: %w", name, f, err)
		}
		if err := write(name+"."+f, func(w io.Writer) error { _, err := wt.WriteTo(w); return err }); err != nil {
			return err
		}
	}
	return nil
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	return p
}

// addPoints adds one scatter per series; colour i+first keeps each run's
// colour the same across figures.
func addPoints(p *plot.Plot, series []XY, first int) error {
	for i, s := range series {
		x, y := thin(s.X, s.Y)
		if len(x) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys(x, y))
		if err != nil {
			return err
		}
		sc.GlyphStyle.Color = colorOf(i + first)
		sc.GlyphStyle.Radius = vg.Points(1.6)
		sc.GlyphStyle.Shape = shapes[i%len(shapes)]
		p.Add(sc)
		p.Legend.Add(s.Name, sc)
	}
	return nil
}

func xys(x, y []float64) plotter.XYs {
	out := make(plotter.XYs, len(x))
	for i := range x {
		out[i].X, out[i].Y = x[i], y[i]
	}
	return out
}
