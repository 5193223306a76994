package org.police4j.cli.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.RectangleInsets;

/**
 * The look shared by all panels (fonts, white background, axes), and drawing a chart to an image:
 * one style for train's loss curve and the experiments' figures.
 */
public final class ChartStyle {
    private ChartStyle() {}

    public static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    public static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    public static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    public static final RectangleInsets PLOT_INSETS = new RectangleInsets(6, 6, 6, 12);

    /** A linear axis showing exactly [lo, hi]: no margins, no forced zero, so the data fill the plot. */
    public static NumberAxis axis(String label, double lo, double hi) {
        NumberAxis a = new NumberAxis(label);
        a.setAutoRangeIncludesZero(false);
        a.setLowerMargin(0);
        a.setUpperMargin(0);
        a.setRange(lo, hi);
        a.setLabelFont(LABEL);
        a.setTickLabelFont(TICK);
        return a;
    }

    /** A white chart with a bold title (or none) and no legend. */
    public static JFreeChart chart(String title, XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlinePaint(Color.BLACK);
        plot.setOutlineStroke(new BasicStroke(1f));
        plot.setInsets(PLOT_INSETS);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        JFreeChart chart = new JFreeChart(title, TITLE, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new RectangleInsets(4, 4, 4, 4));
        return chart;
    }

    /**
     * Draws {@code chart} into a new {@code width x height} image.
     *
     * @param aspect the wanted data-area height / width in pixels (so one data unit is as long on
     *     both axes and circles stay round), or NaN to let the data area fill the space. It is met by
     *     padding the plot after a first layout pass.
     */
    public static PanelImage draw(JFreeChart chart, int width, int height, double aspect) {
        if (width < 50 || height < 50) {
            throw new IllegalArgumentException("panel too small: " + width + "x" + height);
        }
        PanelImage first = drawOnce(chart, width, height);
        if (Double.isNaN(aspect)) {
            return first;
        }
        Rectangle2D da = first.dataArea();
        double extraH = da.getHeight() - da.getWidth() * aspect;
        double extraW = da.getWidth() - da.getHeight() / aspect;
        if (Math.abs(extraH) < 1 || Math.abs(extraW) < 1) {
            return first;
        }
        XYPlot plot = chart.getXYPlot();
        RectangleInsets in = plot.getInsets();
        if (extraH > 0) {
            plot.setInsets(new RectangleInsets(in.getTop() + extraH / 2, in.getLeft(), in.getBottom() + extraH / 2, in.getRight()));
        } else {
            plot.setInsets(new RectangleInsets(in.getTop(), in.getLeft() + extraW / 2, in.getBottom(), in.getRight() + extraW / 2));
        }
        return drawOnce(chart, width, height);
    }

    private static PanelImage drawOnce(JFreeChart chart, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            ChartRenderingInfo info = new ChartRenderingInfo();
            chart.draw(g, new Rectangle(0, 0, width, height), info);
            return new PanelImage(img, (Rectangle2D) info.getPlotInfo().getDataArea().clone());
        } finally {
            g.dispose();
        }
    }
}
