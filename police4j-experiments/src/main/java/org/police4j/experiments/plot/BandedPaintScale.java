package org.police4j.experiments.plot;

import java.awt.Color;
import java.awt.Paint;
import java.io.Serializable;
import org.jfree.chart.renderer.PaintScale;

/**
 * A JFreeChart paint scale that makes filled contours: {@code levels} equal bands over a fixed
 * range, each painted with plasma at its middle.
 *
 * <p>A fixed range (rather than each plot's own min/max) is what lets several panels of one figure
 * be compared colour for colour. Values outside the range are clamped into the first or last band;
 * NaN gets a light grey.
 */
public final class BandedPaintScale implements PaintScale, Serializable {
    private static final long serialVersionUID = 1L;

    /** The paint of a missing value. */
    public static final Color MISSING = new Color(0xdd, 0xdd, 0xdd);

    private final double vmin;
    private final double vmax;
    private final int levels;
    private final Color[] colours;

    public BandedPaintScale(double vmin, double vmax, int levels) {
        if (!(vmax > vmin) || Double.isInfinite(vmin) || Double.isInfinite(vmax)) {
            throw new IllegalArgumentException("need finite vmin < vmax, got [" + vmin + ", " + vmax + "]");
        }
        if (levels < 1) {
            throw new IllegalArgumentException("levels must be positive, got " + levels);
        }
        this.vmin = vmin;
        this.vmax = vmax;
        this.levels = levels;
        this.colours = new Color[levels];
        for (int k = 0; k < levels; k++) {
            colours[k] = Colormaps.plasma((k + 0.5) / levels);
        }
    }

    /** The band of {@code v}: {@code floor((v - vmin) / (vmax - vmin) * levels)} clamped to [0, levels-1]. */
    public int band(double v) {
        double b = Math.floor((v - vmin) / (vmax - vmin) * levels);
        return (int) Math.max(0, Math.min(levels - 1, b));
    }

    /** The colour of band {@code k}. */
    public Color bandColour(int k) {
        return colours[k];
    }

    public int levels() {
        return levels;
    }

    @Override
    public double getLowerBound() {
        return vmin;
    }

    @Override
    public double getUpperBound() {
        return vmax;
    }

    @Override
    public Paint getPaint(double value) {
        return Double.isNaN(value) ? MISSING : colours[band(value)];
    }
}
