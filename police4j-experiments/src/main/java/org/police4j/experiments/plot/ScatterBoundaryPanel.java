package org.police4j.experiments.plot;

import java.awt.Color;
import java.awt.geom.Ellipse2D;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.police4j.cli.plot.ChartStyle;
import org.police4j.cli.plot.PanelImage;

/**
 * The paper's Figure 1: labelled 2-D points (orange / purple), a classifier's decision boundary in
 * red and the region R in black.
 *
 * <p>The boundary is the zero level set of a grid of logits, traced by {@link MarchingSquares}; it
 * is the thing POLICE constrains, since inside R it must be a straight line.
 *
 * <p>Configure with the fluent setters, then {@link #render()}.
 */
public final class ScatterBoundaryPanel {
    /** The colour of the decision boundary. */
    public static final Color BOUNDARY = new Color(228, 26, 28);

    private final double[] xs;
    private final double[] ys;
    private final int[] labels;
    private Grid2d logits;
    private double level;
    private double[][] region;
    private double[] bounds;
    private String title;
    private String xLabel = "x\u2081";
    private String yLabel = "x\u2082";
    private int width = 400;
    private int height = 400;
    private double dotDiameter = 5;

    /** @param labels class of each point: 0 orange, 1 purple (further classes get other hues) */
    public ScatterBoundaryPanel(double[] xs, double[] ys, int[] labels) {
        if (xs.length != ys.length || xs.length != labels.length) {
            throw new IllegalArgumentException("xs, ys and labels differ in length: "
                    + xs.length + ", " + ys.length + ", " + labels.length);
        }
        this.xs = xs.clone();
        this.ys = ys.clone();
        this.labels = labels.clone();
    }

    /** The classifier's logits over the plotted rectangle; their zero set is drawn as the boundary. */
    public ScatterBoundaryPanel boundary(Grid2d logits) {
        return boundary(logits, 0);
    }

    /** As {@link #boundary(Grid2d)} at another level (e.g. 0.5 for probabilities). */
    public ScatterBoundaryPanel boundary(Grid2d logits, double level) {
        this.logits = logits;
        this.level = level;
        return this;
    }

    /** The region R: polygon corners in order, each {@code {x, y}}. */
    public ScatterBoundaryPanel region(double[][] vertices) {
        this.region = RegionAnnotation.checkVertices(vertices);
        return this;
    }

    /** The plotted rectangle; by default the logits grid's, else the points' bounding box plus 5 %. */
    public ScatterBoundaryPanel bounds(double xmin, double xmax, double ymin, double ymax) {
        if (!(xmax > xmin && ymax > ymin)) {
            throw new IllegalArgumentException("empty bounds");
        }
        this.bounds = new double[] {xmin, xmax, ymin, ymax};
        return this;
    }

    public ScatterBoundaryPanel title(String title) {
        this.title = title;
        return this;
    }

    public ScatterBoundaryPanel axisLabels(String x, String y) {
        this.xLabel = x;
        this.yLabel = y;
        return this;
    }

    /** Image size in pixels (default 400 x 400). */
    public ScatterBoundaryPanel size(int width, int height) {
        this.width = width;
        this.height = height;
        return this;
    }

    /** Diameter of a point in pixels (default 5). */
    public ScatterBoundaryPanel dotDiameter(double d) {
        this.dotDiameter = d;
        return this;
    }

    /** Renders the panel, with equal scales on both axes. */
    public PanelImage render() {
        double[] b = effectiveBounds();
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        int maxLabel = 0;
        for (int l : labels) {
            maxLabel = Math.max(maxLabel, l);
        }
        Ellipse2D dot = new Ellipse2D.Double(-dotDiameter / 2, -dotDiameter / 2, dotDiameter, dotDiameter);
        for (int c = 0; c <= maxLabel; c++) {
            XYSeries s = new XYSeries("class " + c, false, true);
            for (int k = 0; k < xs.length; k++) {
                if (labels[k] == c) {
                    s.add(xs[k], ys[k]);
                }
            }
            data.addSeries(s);
            int idx = data.getSeriesCount() - 1;
            Color col = Colormaps.classColor(c);
            renderer.setSeriesPaint(idx, new Color(col.getRed(), col.getGreen(), col.getBlue(), 210));
            renderer.setSeriesShape(idx, dot);
        }
        XYPlot plot = new XYPlot(data, ChartStyle.axis(xLabel, b[0], b[1]), ChartStyle.axis(yLabel, b[2], b[3]), renderer);
        plot.setDomainGridlinePaint(new Color(0xe0, 0xe0, 0xe0));
        plot.setRangeGridlinePaint(new Color(0xe0, 0xe0, 0xe0));
        if (logits != null) {
            plot.addAnnotation(new SegmentsAnnotation(MarchingSquares.segments(logits, level), BOUNDARY, 2.2f));
        }
        if (region != null) {
            plot.addAnnotation(new RegionAnnotation(region, 1.8f, 7));
        }
        JFreeChart chart = ChartStyle.chart(title, plot);
        return ChartStyle.draw(chart, width, height, (b[3] - b[2]) / (b[1] - b[0]));
    }

    private double[] effectiveBounds() {
        if (bounds != null) {
            return bounds.clone();
        }
        if (logits != null) {
            return new double[] {logits.xmin(), logits.xmax(), logits.ymin(), logits.ymax()};
        }
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < xs.length; k++) {
            x0 = Math.min(x0, xs[k]);
            x1 = Math.max(x1, xs[k]);
            y0 = Math.min(y0, ys[k]);
            y1 = Math.max(y1, ys[k]);
        }
        if (!(x1 > x0) || !(y1 > y0)) {
            return new double[] {-1, 1, -1, 1};
        }
        double px = 0.05 * (x1 - x0);
        double py = 0.05 * (y1 - y0);
        return new double[] {x0 - px, x1 + px, y0 - py, y1 + py};
    }
}
