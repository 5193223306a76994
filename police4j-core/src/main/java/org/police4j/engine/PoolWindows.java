package org.police4j.engine;

/**
 * The windows of a 2-D pooling of a {@code (c, h, w)} map, as PyTorch (and so DJL's {@code
 * Pool.avgPool2d} / {@code Pool.maxPool2d}) lays them out: window {@code (i, j)} of a channel
 * covers rows {@code i * strideH - padH ..} ({@code kernelH} of them) and columns likewise; the
 * output length along an axis is {@code floor((n + 2 pad - k) / s) + 1}, or with {@code ceilMode}
 * the ceiling, less one when the last window would start in the right padding. A 1-D pooling of
 * window k on (C, L) is the window (1, k) on (C, 1, L). Written once here, for the training
 * forward's geometry, the rounding guard and every evaluator of the folded network.
 *
 * @param c channels
 * @param h input rows
 * @param w input columns
 * @param kernelH the window's rows
 * @param kernelW the window's columns
 * @param strideH the step between rows of windows
 * @param strideW the step between columns of windows
 * @param padH padding above and below
 * @param padW padding left and right
 * @param ceilMode whether the output lengths are rounded up (PyTorch's {@code ceil_mode})
 */
public record PoolWindows(
        int c, int h, int w, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean ceilMode) {

    /**
     * Checks positive sizes, padding at most half the window (as PyTorch requires) and at least
     * one window along each axis.
     *
     * @param c channels
     * @param h input rows
     * @param w input columns
     * @param kernelH the window's rows
     * @param kernelW the window's columns
     * @param strideH the step between rows of windows
     * @param strideW the step between columns of windows
     * @param padH padding above and below
     * @param padW padding left and right
     * @param ceilMode whether the output lengths are rounded up
     */
    public PoolWindows {
        if (c <= 0 || h <= 0 || w <= 0 || kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0 || padH < 0
                || padW < 0 || 2 * padH > kernelH || 2 * padW > kernelW || h + 2 * padH < kernelH
                || w + 2 * padW < kernelW) {
            throw new IllegalArgumentException("pool: window (" + kernelH + ", " + kernelW + "), stride (" + strideH
                    + ", " + strideW + "), padding (" + padH + ", " + padW + ") on a (" + c + ", " + h + ", " + w
                    + ") map; expected positive sizes, padding at most half the window and the window within the"
                    + " padded map");
        }
    }

    /**
     * {@return the output length along one axis, as PyTorch's {@code pooling_output_shape}}
     *
     * @param n the input length
     * @param k the window's length
     * @param s the stride
     * @param p the padding at each end
     * @param ceil whether to round up
     */
    public static int outLength(int n, int k, int s, int p, boolean ceil) {
        int out = Math.floorDiv(n + 2 * p - k + (ceil ? s - 1 : 0), s) + 1;
        if (ceil && (out - 1) * s >= n + p) {
            out--; // the last window must start inside the map or its left padding
        }
        return out;
    }

    /** {@return the output rows} */
    public int outH() {
        return outLength(h, kernelH, strideH, padH, ceilMode);
    }

    /** {@return the output columns} */
    public int outW() {
        return outLength(w, kernelW, strideW, padW, ceilMode);
    }

    /** {@return the number of pooled values, c * outH * outW} */
    public int outputs() {
        return c * outH() * outW();
    }

    /** {@return the number of inputs, c * h * w} */
    public int inputs() {
        return c * h * w;
    }

    /** {@return the positions of a window, kernelH * kernelW} */
    public int window() {
        return kernelH * kernelW;
    }

    /** {@return whether the windows tile the map: stride equal to the window, no padding, no ceiling} */
    public boolean tiles() {
        return strideH == kernelH && strideW == kernelW && padH == 0 && padW == 0 && !ceilMode;
    }

    /**
     * {@return the pooled value whose window holds input {@code q} when the windows tile the map,
     * or -1 for a row or column the windows leave over}
     *
     * @param q the input, {@code (ch * h + i) * w + j}
     */
    public int tiledUnit(int q) {
        int hw = h * w;
        int i = (q % hw) / w / kernelH;
        int j = q % w / kernelW;
        return i < outH() && j < outW() ? ((q / hw) * outH() + i) * outW() + j : -1;
    }

    /**
     * {@return the input index of position {@code q} of window {@code u}, or -1 when it lies in the
     * padding or beyond the map}
     *
     * @param u the pooled value, {@code (ch * outH + i) * outW + j}
     * @param q the position in the window, {@code du * kernelW + dv}
     */
    public int input(int u, int q) {
        return input(u, q, h, w, kernelH, kernelW, strideH, strideW, padH, padW, outH(), outW());
    }

    /**
     * {@link #input(int, int)} for windows given field by field, so that a caller holding the
     * fields (a folded max-pool, once per window position) need not build the windows.
     *
     * @param u the pooled value
     * @param q the position in the window
     * @param h input rows
     * @param w input columns
     * @param kernelH the window's rows
     * @param kernelW the window's columns
     * @param strideH the step between rows of windows
     * @param strideW the step between columns of windows
     * @param padH padding above and below
     * @param padW padding left and right
     * @param outH output rows
     * @param outW output columns
     * @return the input index, or -1 in the padding
     */
    public static int input(
            int u, int q, int h, int w, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
            int outH, int outW) {
        int ch = u / (outH * outW);
        int r = ((u / outW) % outH) * strideH - padH + q / kernelW;
        int col = (u % outW) * strideW - padW + q % kernelW;
        return r < 0 || r >= h || col < 0 || col >= w ? -1 : (ch * h + r) * w + col;
    }

    /**
     * The divisor of an average over window {@code u}, as PyTorch's {@code avg_pool2d}: with
     * {@code countIncludePad}, the window's positions within the padded map (rows up to {@code h +
     * padH}), else only those within the map.
     *
     * @param u the pooled value
     * @param countIncludePad whether padded positions count
     * @return the divisor, at least 1
     */
    public int divisor(int u, boolean countIncludePad) {
        int oh = outH();
        int ow = outW();
        int r0 = ((u / ow) % oh) * strideH - padH;
        int c0 = (u % ow) * strideW - padW;
        int r1 = Math.min(r0 + kernelH, h + padH);
        int c1 = Math.min(c0 + kernelW, w + padW);
        if (countIncludePad) {
            return (r1 - r0) * (c1 - c0);
        }
        return (Math.min(r1, h) - Math.max(r0, 0)) * (Math.min(c1, w) - Math.max(c0, 0));
    }

    /**
     * {@return the inputs window {@code u} averages or compares, in window order (padding skipped)}
     *
     * @param u the pooled value
     */
    public int[] members(int u) {
        int[] all = new int[window()];
        int n = 0;
        for (int q = 0; q < all.length; q++) {
            int x = input(u, q);
            if (x >= 0) {
                all[n++] = x;
            }
        }
        return java.util.Arrays.copyOf(all, n);
    }
}
