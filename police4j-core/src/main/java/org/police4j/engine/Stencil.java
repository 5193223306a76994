package org.police4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * The geometry of a 2-D convolution, kernel, stride, padding and dilation given per axis, with
 * channel groups (a 1-D convolution is the case {@code inH = kernelH = strideH = dilationH = 1,
 * padH = 0}; a depthwise one has {@code groups = inC}): which inputs each output position reads.
 * The stencil is written once, in {@link #taps}: the folded network's convolution and the rounding
 * guard both sum over exactly these terms, so the guard's bound is the sum the convolution computes.
 *
 * <p>As in PyTorch, output channel {@code o} of group {@code g = o / (outC / groups)} reads the
 * input channels {@code g * inC / groups ..}, the weight is {@code (outC, inC / groups, kernelH,
 * kernelW)}, and kernel offset {@code u} reads row {@code i * strideH + u * dilationH - padH}.
 *
 * @param inC input channels
 * @param inH input rows
 * @param inW input columns
 * @param outC output channels
 * @param outH output rows
 * @param outW output columns
 * @param kernelH the kernel's rows
 * @param kernelW the kernel's columns
 * @param strideH the step between rows of positions
 * @param strideW the step between columns of positions
 * @param padH zeros added above and below
 * @param padW zeros added left and right
 * @param dilationH the step between the kernel's rows
 * @param dilationW the step between the kernel's columns
 * @param groups channel groups, dividing {@code inC} and {@code outC}
 */
public record Stencil(
        int inC, int inH, int inW, int outC, int outH, int outW, int kernelH, int kernelW, int strideH, int strideW,
        int padH, int padW, int dilationH, int dilationW, int groups) {

    /**
     * Checks that the groups divide both channel counts and that the dilations are positive.
     *
     * @param inC input channels
     * @param inH input rows
     * @param inW input columns
     * @param outC output channels
     * @param outH output rows
     * @param outW output columns
     * @param kernelH the kernel's rows
     * @param kernelW the kernel's columns
     * @param strideH the step between rows of positions
     * @param strideW the step between columns of positions
     * @param padH zeros added above and below
     * @param padW zeros added left and right
     * @param dilationH the step between the kernel's rows
     * @param dilationW the step between the kernel's columns
     * @param groups channel groups, dividing {@code inC} and {@code outC}
     */
    public Stencil {
        if (groups <= 0 || inC % groups != 0 || outC % groups != 0 || dilationH <= 0 || dilationW <= 0) {
            throw new IllegalArgumentException("stencil: groups " + groups + " for " + inC + " input and " + outC
                    + " output channels, dilation (" + dilationH + ", " + dilationW + "); expected groups dividing both"
                    + " channel counts and positive dilations");
        }
    }

    /**
     * An ungrouped, undilated stencil.
     *
     * @param inC input channels
     * @param inH input rows
     * @param inW input columns
     * @param outC output channels
     * @param outH output rows
     * @param outW output columns
     * @param kernelH the kernel's rows
     * @param kernelW the kernel's columns
     * @param strideH the step between rows of positions
     * @param strideW the step between columns of positions
     * @param padH zeros added above and below
     * @param padW zeros added left and right
     */
    public Stencil(
            int inC, int inH, int inW, int outC, int outH, int outW, int kernelH, int kernelW, int strideH, int strideW,
            int padH, int padW) {
        this(inC, inH, inW, outC, outH, outW, kernelH, kernelW, strideH, strideW, padH, padW, 1, 1, 1);
    }

    /**
     * A square stencil: one kernel side, one stride and one padding for both axes.
     *
     * @param inC input channels
     * @param inH input rows
     * @param inW input columns
     * @param outC output channels
     * @param outH output rows
     * @param outW output columns
     * @param kernel the kernel's side
     * @param stride the step between positions
     * @param padding zeros added on each side
     */
    public Stencil(int inC, int inH, int inW, int outC, int outH, int outW, int kernel, int stride, int padding) {
        this(inC, inH, inW, outC, outH, outW, kernel, kernel, stride, stride, padding, padding);
    }

    /**
     * {@return the output length along one axis, as PyTorch computes it}
     *
     * @param in the input length
     * @param kernel the kernel's length
     * @param stride the step between positions
     * @param pad zeros added at each end
     * @param dilation the step between kernel taps
     */
    public static int outLength(int in, int kernel, int stride, int pad, int dilation) {
        return (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
    }

    /** {@return the input channels each output channel reads: inC / groups} */
    public int groupInC() {
        return inC / groups;
    }

    /** {@return the number of products in one output: (C / groups) * kh * kw} */
    public int fanIn() {
        return groupInC() * kernelH * kernelW;
    }

    /** {@return the number of weights: C' * (C / groups) * kh * kw} */
    public int weights() {
        return outC * fanIn();
    }

    /** {@return the number of output positions C' * H' * W'} */
    public int outputs() {
        return outC * outH * outW;
    }

    /** {@return the number of inputs C * H * W} */
    public int inputs() {
        return inC * inH * inW;
    }

    /**
     * {@link #taps} for every output channel of group {@code g} at once: the terms of output
     * position (i, j), in the same order (input channel, kernel row, kernel column), padded taps
     * left out, written into the caller's arrays (no call per term: a caller's inner loop then
     * runs across the group's output channels).
     *
     * @param g the channel group
     * @param i the output row
     * @param j the output column
     * @param tap receives each term's tap number within the group, {@code (ci * kernelH + u) *
     *     kernelW + v} (the weight of output channel o is {@code weight[o * fanIn() + t]}); at
     *     least {@link #fanIn()} long
     * @param input receives each term's input index, channel-major; as long
     * @return the number of terms
     */
    public int positionTaps(int g, int i, int j, int[] tap, int[] input) {
        int gc = inC / groups;
        int t = 0;
        int n = 0;
        for (int ci = 0; ci < gc; ci++) {
            int channel = g * gc + ci;
            for (int u = 0; u < kernelH; u++) {
                int r = i * strideH + u * dilationH - padH;
                for (int v = 0; v < kernelW; v++, t++) {
                    int c = j * strideW + v * dilationW - padW;
                    if (r >= 0 && r < inH && c >= 0 && c < inW) {
                        tap[n] = t;
                        input[n++] = (channel * inH + r) * inW + c;
                    }
                }
            }
        }
        return n;
    }

    /**
     * {@return whether sums over this stencil run across a group's output channels ({@link
     * #positionTaps}, {@link #tapRows}: a loop C2 vectorises) rather than across a row's columns
     * ({@link #rowTaps}): 8 or more output channels per group; depthwise convs keep the rows}
     */
    public boolean sumsAcrossChannels() {
        return outC / groups >= 8;
    }

    /** The value a tap row holds for output channel o and tap t. */
    @FunctionalInterface
    public interface TapValue {
        /**
         * @param o the output channel
         * @param t the tap's number within its group
         * @return the value
         */
        double of(int o, int t);
    }

    /**
     * {@return per group and tap, one row over the group's output channels: {@code value(o, t)} at
     * {@code [o / (outC / groups)][t][o % (outC / groups)]}} (the weights laid out for {@link
     * #positionTaps}, so that a loop across the channels reads them at its own index)
     *
     * @param value the entry of output channel o and tap t
     */
    public double[][][] tapRows(TapValue value) {
        int cg = outC / groups;
        int taps = fanIn();
        double[][][] rows = new double[groups][taps][cg];
        for (int o = 0; o < outC; o++) {
            for (int t = 0; t < taps; t++) {
                rows[o / cg][t][o % cg] = value.of(o, t);
            }
        }
        return rows;
    }

    /**
     * {@return per output position {@code i * outW + j}, the number of terms its sum has (padded
     * taps left out), the same in every output channel; counted by {@link #rowTaps}}
     */
    public int[] termCounts() {
        int[] n = new int[outH * outW];
        for (int i = 0; i < outH; i++) {
            int row = i * outW;
            rowTaps(0, i, (w, base, j0, j1) -> {
                for (int j = j0; j < j1; j++) {
                    n[row + j]++;
                }
            });
        }
        return n;
    }

    /** Receives one term {@code weight[w] * x[in]} of an output's sum. */
    @FunctionalInterface
    public interface Tap {
        /**
         * @param in the input index, channel-major
         * @param w the weight index into the row-major {@code (C', C / groups, kh, kw)} weight
         */
        void tap(int in, int w);
    }

    /** Receives one tap across a row of outputs: the terms {@code weight[w] * x[base + j * strideW]}, {@code j0 <= j < j1}. */
    @FunctionalInterface
    public interface RowTap {
        /**
         * @param w the weight index
         * @param base the input index of output column 0 (may lie outside the input: only
         *     {@code j0 <= j < j1} are inputs)
         * @param j0 the first output column this tap reaches
         * @param j1 one past the last
         */
        void tap(int w, int base, int j0, int j1);
    }

    /**
     * {@link #taps(int, Tap)} for a whole row of outputs at once, in the same order: for output
     * channel {@code o} and output row {@code i}, each (input channel, kernel row, kernel column)
     * as the run of output columns it reaches. Output {@code (o, i, j)} receives exactly the terms
     * {@code taps} lists for it, in the same order, so sums computed either way have the same bits;
     * this way a caller's inner loop runs across columns, one call per run instead of one per term
     * (HotSpot's C2 does not vectorise it: the sums and the inputs are read at different offsets
     * of arrays it cannot prove distinct).
     *
     * @param o the output channel
     * @param i the output row
     * @param tap receives each run
     */
    public void rowTaps(int o, int i, RowTap tap) {
        int gc = inC / groups;
        int first = (o / (outC / groups)) * gc;
        // per kernel column, the input column shift and the run of output columns it reaches: the
        // same for every input channel and kernel row, so worked out once per call
        int[] runs = new int[2 * kernelW];
        for (int v = 0; v < kernelW; v++) {
            int shift = v * dilationW - padW; // input column = j * strideW + shift
            runs[2 * v] = Math.max(0, -Math.floorDiv(shift, strideW));
            runs[2 * v + 1] = Math.min(outW, -Math.floorDiv(shift - inW, strideW));
        }
        for (int ci = 0; ci < gc; ci++) {
            int channel = first + ci;
            for (int u = 0; u < kernelH; u++) {
                int r = i * strideH + u * dilationH - padH;
                if (r < 0 || r >= inH) {
                    continue;
                }
                for (int v = 0; v < kernelW; v++) {
                    int j0 = runs[2 * v];
                    int j1 = runs[2 * v + 1];
                    if (j0 < j1) {
                        tap.tap(((o * gc + ci) * kernelH + u) * kernelW + v,
                                (channel * inH + r) * inW + v * dilationW - padW, j0, j1);
                    }
                }
            }
        }
    }

    /**
     * The stencil, written once: visits, in a fixed order (input channel, kernel row, kernel
     * column), every input that output {@code out} (channel-major index) sums, with its weight;
     * padded positions are skipped.
     *
     * @param out the output index, {@code (o * outH + i) * outW + j}
     * @param tap receives each (input index, weight index)
     */
    public void taps(int out, Tap tap) {
        taps(out, tap, inC, inH, inW, outC, outH, outW, kernelH, kernelW, strideH, strideW, padH, padW, dilationH,
                dilationW, groups);
    }

    /**
     * {@link #taps(int, Tap)} for a geometry given field by field, so that a caller holding the
     * fields (a folded conv layer, once per output) need not build a stencil.
     *
     * @param out the output index
     * @param tap receives each (input index, weight index)
     * @param inC input channels
     * @param inH input rows
     * @param inW input columns
     * @param outC output channels
     * @param outH output rows
     * @param outW output columns
     * @param kernelH the kernel's rows
     * @param kernelW the kernel's columns
     * @param strideH the step between rows of positions
     * @param strideW the step between columns of positions
     * @param padH zeros added above and below
     * @param padW zeros added left and right
     * @param dilationH the step between the kernel's rows
     * @param dilationW the step between the kernel's columns
     * @param groups channel groups
     */
    public static void taps(
            int out, Tap tap, int inC, int inH, int inW, int outC, int outH, int outW, int kernelH, int kernelW,
            int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {
        int o = out / (outH * outW);
        int i = (out / outW) % outH;
        int j = out % outW;
        int gc = inC / groups;
        int first = (o / (outC / groups)) * gc;
        for (int ci = 0; ci < gc; ci++) {
            int channel = first + ci;
            for (int u = 0; u < kernelH; u++) {
                int r = i * strideH + u * dilationH - padH;
                if (r < 0 || r >= inH) {
                    continue;
                }
                for (int v = 0; v < kernelW; v++) {
                    int col = j * strideW + v * dilationW - padW;
                    if (col >= 0 && col < inW) {
                        tap.tap((channel * inH + r) * inW + col, ((o * gc + ci) * kernelH + u) * kernelW + v);
                    }
                }
            }
        }
    }

    /**
     * The native convolution of flattened rows with this geometry (the engine's and the {@link
     * MapReference}'s, in whatever dtype the rows and weight have).
     *
     * @param rows (N, C*H*W)
     * @param w (C', C / groups, kh, kw)
     * @param b C' biases, or null
     * @return (N, C', H', W')
     */
    public NDArray convolve(NDArray rows, NDArray w, NDArray b) {
        NDArray images = rows.reshape(rows.getShape().get(0), inC, inH, inW);
        return Conv2d.conv2d(images, w, b, new Shape(strideH, strideW),
                        new Shape(padH, padW), new Shape(dilationH, dilationW), groups)
                .singletonOrThrow();
    }
}
