package org.police4j.experiments.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYShapeAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.DefaultXYZDataset;
import org.police4j.cli.plot.ChartStyle;
import org.police4j.cli.plot.PanelImage;

/**
 * Filled contours of a scalar field, as in the paper's figures of a network's output over its 2-D
 * input space: banded plasma colours, the region R on top, optionally a zoomed inset.
 *
 * <p>Bands rather than a continuous map make "the output is affine on R" visible: inside R the
 * band edges are straight, parallel and evenly spaced. A node's band is
 * {@code floor((v - vmin) / (vmax - vmin) * levels)} clamped to the bands, its colour plasma at
 * the band's middle (see {@link BandedPaintScale}); the cells are filled by JFreeChart's
 * {@link XYBlockRenderer}.
 *
 * <p>The inset is a second rendering, at its own resolution, of a small square (typically around a
 * vertex of R, where the network must bend), drawn in a corner of the plot; the square is outlined
 * on the main plot.
 *
 * <p>Configure with the fluent setters, then {@link #render()}.
 */
public final class ContourPanel {
    /** A corner of the data area for the inset; {@code AUTO} takes the one farthest from the zoomed square. */
    public enum Corner { TOP_LEFT, TOP_RIGHT, BOTTOM_LEFT, BOTTOM_RIGHT, AUTO }

    private final Grid2d grid;
    private int levels = 12;
    private double vmin;
    private double vmax;
    private final List<double[][]> regions = new ArrayList<>();
    private Grid2d inset;
    private Corner insetCorner = Corner.AUTO;
    private double insetFraction = 0.42;
    private String title;
    private String xLabel = "x\u2081";
    private String yLabel = "x\u2082";
    private int width = 400;
    private int height = 400;
    private boolean equalAspect = true;

    /** A panel of {@code grid} on the range [grid.min(), grid.max()] with 12 levels. */
    public ContourPanel(Grid2d grid) {
        this.grid = grid;
        this.vmin = grid.min();
        this.vmax = grid.max();
        if (!(vmax > vmin)) {
            // a constant field still deserves a picture: widen the range around the value
            double c = Double.isNaN(vmin) ? 0 : vmin;
            this.vmin = c - 0.5;
            this.vmax = c + 0.5;
        }
    }

    /** Number of colour bands (default 12). */
    public ContourPanel levels(int levels) {
        if (levels < 1) {
            throw new IllegalArgumentException("levels must be positive, got " + levels);
        }
        this.levels = levels;
        return this;
    }

    /** The value range the bands divide; values outside are clamped. Share it across panels to compare them. */
    public ContourPanel range(double vmin, double vmax) {
        if (!(vmax > vmin)) {
            throw new IllegalArgumentException("need vmin < vmax, got [" + vmin + ", " + vmax + "]");
        }
        this.vmin = vmin;
        this.vmax = vmax;
        return this;
    }

    /** The region R: polygon corners in order, each {@code {x, y}}; drawn closed, edges and vertex dots in black. */
    public ContourPanel region(double[][] vertices) {
        regions.clear();
        return addRegion(vertices);
    }

    /** Another region drawn like {@link #region}: for networks affine on several regions. */
    public ContourPanel addRegion(double[][] vertices) {
        regions.add(RegionAnnotation.checkVertices(vertices));
        return this;
    }

    /**
     * Adds a zoomed inset showing {@code zoom}, a grid over the sub-rectangle to magnify (see
     * {@link Grid2d#sampleSquare}); it is painted with the same bands as the main plot.
     */
    public ContourPanel inset(Grid2d zoom) {
        this.inset = zoom;
        return this;
    }

    /** Where the inset goes (default {@link Corner#AUTO}). */
    public ContourPanel insetCorner(Corner corner) {
        this.insetCorner = corner;
        return this;
    }

    /** Inset side as a fraction of the data area's smaller side (default 0.42). */
    public ContourPanel insetFraction(double fraction) {
        if (!(fraction > 0.1 && fraction <= 0.6)) {
            throw new IllegalArgumentException("inset fraction must be in (0.1, 0.6], got " + fraction);
        }
        this.insetFraction = fraction;
        return this;
    }

    public ContourPanel title(String title) {
        this.title = title;
        return this;
    }

    public ContourPanel axisLabels(String x, String y) {
        this.xLabel = x;
        this.yLabel = y;
        return this;
    }

    /** Image size in pixels (default 400 x 400). */
    public ContourPanel size(int width, int height) {
        this.width = width;
        this.height = height;
        return this;
    }

    /** Whether one data unit spans as many pixels on x as on y (default true). */
    public ContourPanel equalAspect(boolean equal) {
        this.equalAspect = equal;
        return this;
    }

    /** The paint scale this panel uses, e.g. to check or explain its colours. */
    public BandedPaintScale paintScale() {
        return new BandedPaintScale(vmin, vmax, levels);
    }

    /** Renders the panel. */
    public PanelImage render() {
        BandedPaintScale scale = paintScale();
        XYPlot plot = bandsPlot(grid, scale, ChartStyle.axis(xLabel, grid.xmin(), grid.xmax()),
                ChartStyle.axis(yLabel, grid.ymin(), grid.ymax()));
        if (inset != null) {
            Rectangle2D box = new Rectangle2D.Double(inset.xmin(), inset.ymin(),
                    inset.xmax() - inset.xmin(), inset.ymax() - inset.ymin());
            plot.addAnnotation(new XYShapeAnnotation(box, new BasicStroke(3.5f), Color.BLACK));
            plot.addAnnotation(new XYShapeAnnotation(box, new BasicStroke(1.5f), Color.WHITE));
        }
        for (double[][] region : regions) {
            plot.addAnnotation(new RegionAnnotation(region, 1.8f, 7));
        }
        JFreeChart chart = ChartStyle.chart(title, plot);
        chart.setAntiAlias(false); // crisp band edges; the overlays switch anti-aliasing on for themselves
        double aspect = equalAspect ? (grid.ymax() - grid.ymin()) / (grid.xmax() - grid.xmin()) : Double.NaN;
        PanelImage main = ChartStyle.draw(chart, width, height, aspect);
        if (inset != null) {
            drawInset(main, scale);
        }
        return main;
    }

    /** A plot of {@code g} filled band by band, with no gridlines (they would cut the bands). */
    static XYPlot bandsPlot(Grid2d g, BandedPaintScale scale, NumberAxis xAxis, NumberAxis yAxis) {
        int n = g.nx() * g.ny();
        double[][] xyz = new double[3][n];
        int k = 0;
        for (int j = 0; j < g.ny(); j++) {
            for (int i = 0; i < g.nx(); i++) {
                xyz[0][k] = g.x(i);
                xyz[1][k] = g.y(j);
                xyz[2][k] = g.value(i, j);
                k++;
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("field", xyz);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setBlockWidth(g.dx());
        renderer.setBlockHeight(g.dy());
        renderer.setBlockAnchor(RectangleAnchor.CENTER);
        renderer.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, xAxis, yAxis, renderer);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        return plot;
    }

    private void drawInset(PanelImage main, BandedPaintScale scale) {
        Rectangle2D da = main.dataArea();
        double zw = inset.xmax() - inset.xmin();
        double zh = inset.ymax() - inset.ymin();
        int side = (int) Math.round(Math.min(da.getWidth(), da.getHeight()) * insetFraction);
        int iw = zw >= zh ? side : (int) Math.round(side * zw / zh);
        int ih = zw >= zh ? (int) Math.round(side * zh / zw) : side;

        NumberAxis xAxis = ChartStyle.axis(null, inset.xmin(), inset.xmax());
        NumberAxis yAxis = ChartStyle.axis(null, inset.ymin(), inset.ymax());
        xAxis.setVisible(false);
        yAxis.setVisible(false);
        XYPlot plot = bandsPlot(inset, scale, xAxis, yAxis);
        for (double[][] region : regions) {
            plot.addAnnotation(new RegionAnnotation(region, 1.8f, 7));
        }
        JFreeChart chart = ChartStyle.chart(null, plot);
        chart.setAntiAlias(false);
        plot.setInsets(RectangleInsets.ZERO_INSETS);
        plot.setOutlineVisible(false);
        chart.setPadding(RectangleInsets.ZERO_INSETS);

        Corner corner = insetCorner == Corner.AUTO ? autoCorner(da, iw, ih) : insetCorner;
        Rectangle place = placement(da, corner, iw, ih);
        int x0 = place.x;
        int y0 = place.y;

        Graphics2D g = main.image().createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            Graphics2D sub = (Graphics2D) g.create(x0, y0, iw, ih);
            try {
                chart.draw(sub, new Rectangle(0, 0, iw, ih));
            } finally {
                sub.dispose();
            }
            // frame: white halo then a black line, readable on dark and light bands alike
            g.setStroke(new BasicStroke(4f));
            g.setColor(Color.WHITE);
            g.drawRect(x0, y0, iw, ih);
            g.setStroke(new BasicStroke(1.5f));
            g.setColor(Color.BLACK);
            g.drawRect(x0, y0, iw, ih);
            drawZoomLabel(g, x0, y0, iw, ih, (grid.xmax() - grid.xmin()) / zw);
        } finally {
            g.dispose();
        }
    }

    /** "×8" in the inset's bottom-right corner so the magnification is explicit. */
    private static void drawZoomLabel(Graphics2D g, int x0, int y0, int iw, int ih, double zoom) {
        String text = "\u00d7" + (zoom >= 10 ? String.valueOf(Math.round(zoom)) : String.format(java.util.Locale.ROOT, "%.1f", zoom));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
        FontMetrics fm = g.getFontMetrics();
        int tw = fm.stringWidth(text);
        int tx = x0 + iw - tw - 6;
        int ty = y0 + ih - 5;
        g.setColor(new Color(255, 255, 255, 215));
        g.fillRect(tx - 3, ty - fm.getAscent(), tw + 6, fm.getAscent() + 3);
        g.setColor(Color.BLACK);
        g.drawString(text, tx, ty);
    }

    private static final int INSET_MARGIN = 8;

    /** Where an {@code iw x ih} inset goes in {@code corner} of the data area. */
    private static Rectangle placement(Rectangle2D da, Corner corner, int iw, int ih) {
        boolean left = corner == Corner.TOP_LEFT || corner == Corner.BOTTOM_LEFT;
        boolean top = corner == Corner.TOP_LEFT || corner == Corner.TOP_RIGHT;
        int x0 = (int) Math.round(left ? da.getMinX() + INSET_MARGIN : da.getMaxX() - INSET_MARGIN - iw);
        int y0 = (int) Math.round(top ? da.getMinY() + INSET_MARGIN : da.getMaxY() - INSET_MARGIN - ih);
        return new Rectangle(x0, y0, iw, ih);
    }

    /**
     * The corner farthest from the zoomed square among those whose inset hides neither that
     * square nor a vertex of the region; if every corner hides something, simply the farthest.
     */
    private Corner autoCorner(Rectangle2D da, int iw, int ih) {
        Rectangle2D zoomPx = toPixels(da, inset.xmin(), inset.ymin(), inset.xmax(), inset.ymax());
        Corner best = null;
        double bestDistance = -1;
        Corner farthest = null;
        double farthestDistance = -1;
        for (Corner c : new Corner[] {Corner.TOP_LEFT, Corner.TOP_RIGHT, Corner.BOTTOM_LEFT, Corner.BOTTOM_RIGHT}) {
            Rectangle r = placement(da, c, iw, ih);
            Rectangle2D guard = new Rectangle2D.Double(r.x - 6, r.y - 6, r.width + 12, r.height + 12);
            double d = Math.hypot(r.getCenterX() - zoomPx.getCenterX(), r.getCenterY() - zoomPx.getCenterY());
            if (d > farthestDistance) {
                farthest = c;
                farthestDistance = d;
            }
            boolean hides = guard.intersects(zoomPx);
            for (double[][] region : regions) {
                for (double[] v : region) {
                    hides |= guard.contains(toPixels(da, v[0], v[1], v[0], v[1]).getCenterX(),
                            toPixels(da, v[0], v[1], v[0], v[1]).getCenterY());
                }
            }
            if (!hides && d > bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best != null ? best : farthest;
    }

    /** The pixel rectangle of a data rectangle on the main plot (linear axes, y up). */
    private Rectangle2D toPixels(Rectangle2D da, double x0, double y0, double x1, double y1) {
        double sx = da.getWidth() / (grid.xmax() - grid.xmin());
        double sy = da.getHeight() / (grid.ymax() - grid.ymin());
        double px0 = da.getMinX() + (x0 - grid.xmin()) * sx;
        double py1 = da.getMaxY() - (y1 - grid.ymin()) * sy;
        return new Rectangle2D.Double(px0, py1, (x1 - x0) * sx, (y1 - y0) * sy);
    }
}
