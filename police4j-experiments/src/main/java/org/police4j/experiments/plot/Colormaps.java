package org.police4j.experiments.plot;

import java.awt.Color;

/**
 * The colours of the paper's figures: matplotlib's {@code plasma} for scalar fields and an
 * orange / purple pair for the two classes.
 *
 * <p>Plasma is perceptually uniform, so equal steps of a network's output look like equal steps of
 * colour; the paper's contour figures use it, and reproducing them needs the same map. The table
 * holds every 16th entry of matplotlib's 256-entry plasma (plus the last) and is interpolated
 * linearly, which stays within a couple of 8-bit levels of the original.
 */
public final class Colormaps {
    private Colormaps() {}

    /** Index into matplotlib's 256-entry table of each control point below. */
    private static final int[] INDEX = {0, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 255};

    private static final int[][] PLASMA = {
        {13, 8, 135}, {49, 5, 151}, {76, 2, 161}, {102, 0, 167}, {126, 3, 168}, {149, 17, 161},
        {170, 35, 149}, {188, 53, 135}, {204, 71, 120}, {218, 90, 106}, {230, 108, 92}, {240, 128, 78},
        {248, 149, 64}, {253, 172, 51}, {253, 197, 39}, {248, 223, 37}, {240, 249, 33},
    };

    /** Class 0 of a binary problem (matplotlib's tab:orange). */
    public static final Color ORANGE = new Color(0xff, 0x7f, 0x0e);

    /** Class 1 of a binary problem (a dark purple, as in the paper's Figure 1). */
    public static final Color PURPLE = new Color(0x7b, 0x32, 0x94);

    /** Further classes, should a problem have more than two (matplotlib's tab10 minus orange/purple). */
    private static final Color[] MORE = {
        new Color(0x1f, 0x77, 0xb4), new Color(0x2c, 0xa0, 0x2c), new Color(0x8c, 0x56, 0x4b),
        new Color(0xe3, 0x77, 0xc2), new Color(0x7f, 0x7f, 0x7f), new Color(0xbc, 0xbd, 0x22),
        new Color(0x17, 0xbe, 0xcf),
    };

    /**
     * Plasma at {@code t}, clamped to [0, 1]: 0 is dark blue-purple, 1 is yellow.
     *
     * @throws IllegalArgumentException if {@code t} is NaN (a colour for "no value" is the caller's choice)
     */
    public static Color plasma(double t) {
        if (Double.isNaN(t)) {
            throw new IllegalArgumentException("plasma(NaN)");
        }
        double u = Math.max(0, Math.min(1, t)) * 255;
        int k = 0;
        while (k < INDEX.length - 2 && u > INDEX[k + 1]) {
            k++;
        }
        double f = (u - INDEX[k]) / (INDEX[k + 1] - INDEX[k]);
        int[] a = PLASMA[k];
        int[] b = PLASMA[k + 1];
        return new Color(lerp(a[0], b[0], f), lerp(a[1], b[1], f), lerp(a[2], b[2], f));
    }

    /** The colour of class {@code label}: 0 orange, 1 purple, then other distinct hues. */
    public static Color classColor(int label) {
        if (label < 0) {
            throw new IllegalArgumentException("negative class label " + label);
        }
        if (label == 0) {
            return ORANGE;
        }
        if (label == 1) {
            return PURPLE;
        }
        return MORE[(label - 2) % MORE.length];
    }

    private static int lerp(int a, int b, double f) {
        return (int) Math.round(a + (b - a) * f);
    }
}
