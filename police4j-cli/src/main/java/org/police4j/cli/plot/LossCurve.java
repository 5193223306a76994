package org.police4j.cli.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Training (and optionally validation) loss against step, as a JFreeChart line chart.
 *
 * <p>Losses shrink by orders of magnitude, so the y axis is logarithmic whenever every plotted
 * value is positive; otherwise (e.g. a loss that can go negative) it is linear. Non-finite values
 * (a diverged step) are left out rather than breaking the axis.
 */
public final class LossCurve {
    private static final Color TRAIN = new Color(0x1f, 0x77, 0xb4);
    private static final Color VALIDATION = new Color(0xff, 0x7f, 0x0e); // matplotlib's tab:orange

    private final String title;
    private double[] trainSteps;
    private double[] trainLoss;
    private double[] valSteps;
    private double[] valLoss;

    public LossCurve(String title) {
        this.title = title;
    }

    /** The training loss at steps 0, 1, 2, ... */
    public LossCurve train(double[] loss) {
        return train(indices(loss.length), loss);
    }

    public LossCurve train(double[] steps, double[] loss) {
        check(steps, loss);
        this.trainSteps = steps.clone();
        this.trainLoss = loss.clone();
        return this;
    }

    public LossCurve validation(double[] steps, double[] loss) {
        check(steps, loss);
        this.valSteps = steps.clone();
        this.valLoss = loss.clone();
        return this;
    }

    /** The chart; exposed so callers may restyle it. */
    public JFreeChart chart() {
        if (trainLoss == null) {
            throw new IllegalStateException("no training loss given");
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(series("train", trainSteps, trainLoss));
        if (valLoss != null) {
            data.addSeries(series("validation", valSteps, valLoss));
        }
        boolean log = allPositive(trainLoss) && (valLoss == null || allPositive(valLoss));
        ValueAxis y;
        if (log) {
            // LogarithmicAxis ticks at 1..9 x 10^k with plain labels, which reads better than
            // LogAxis's fractional powers of ten when the losses span only a decade or two
            LogarithmicAxis a = new LogarithmicAxis("loss (log scale)");
            a.setAllowNegativesFlag(false);
            a.setStrictValuesFlag(false);
            a.setAutoRangeNextLogFlag(false);
            a.setLabelFont(ChartStyle.LABEL);
            a.setTickLabelFont(ChartStyle.TICK);
            y = a;
        } else {
            NumberAxis a = new NumberAxis("loss");
            a.setAutoRangeIncludesZero(false);
            a.setLabelFont(ChartStyle.LABEL);
            a.setTickLabelFont(ChartStyle.TICK);
            y = a;
        }
        NumberAxis x = new NumberAxis("step");
        x.setAutoRangeIncludesZero(false);
        x.setLabelFont(ChartStyle.LABEL);
        x.setTickLabelFont(ChartStyle.TICK);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
        r.setSeriesPaint(0, TRAIN);
        r.setSeriesPaint(1, VALIDATION);
        r.setSeriesStroke(0, new BasicStroke(1.6f));
        r.setSeriesStroke(1, new BasicStroke(1.6f));
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setDomainGridlinePaint(new Color(0xd0, 0xd0, 0xd0));
        plot.setRangeGridlinePaint(new Color(0xd0, 0xd0, 0xd0));
        JFreeChart chart = ChartStyle.chart(title, plot);
        if (valLoss != null) {
            LegendTitle legend = new LegendTitle(plot);
            legend.setPosition(RectangleEdge.BOTTOM);
            legend.setItemFont(ChartStyle.LABEL);
            chart.addLegend(legend);
        }
        return chart;
    }

    /** Renders the chart into a {@code width x height} image. */
    public BufferedImage render(int width, int height) {
        return ChartStyle.draw(chart(), width, height, Double.NaN).image();
    }

    /** Writes the chart as a PNG, atomically (see {@link Png#write}). */
    public void write(Path target, int width, int height) throws IOException {
        Png.write(render(width, height), target);
    }

    private static XYSeries series(String name, double[] steps, double[] loss) {
        XYSeries s = new XYSeries(name, false, true);
        for (int k = 0; k < steps.length; k++) {
            if (Double.isFinite(steps[k]) && Double.isFinite(loss[k])) {
                s.add(steps[k], loss[k]);
            }
        }
        return s;
    }

    private static boolean allPositive(double[] v) {
        boolean any = false;
        for (double d : v) {
            if (Double.isFinite(d)) {
                if (d <= 0) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    private static double[] indices(int n) {
        double[] s = new double[n];
        for (int k = 0; k < n; k++) {
            s[k] = k;
        }
        return s;
    }

    private static void check(double[] steps, double[] loss) {
        if (steps.length != loss.length) {
            throw new IllegalArgumentException("steps and loss differ in length: " + steps.length + " vs " + loss.length);
        }
    }
}
