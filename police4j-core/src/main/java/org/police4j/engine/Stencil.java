package org.police4j.engine;

/**
 * The geometry of a 2-D convolution, kernel, stride and padding given per axis (a 1-D
 * convolution is the case {@code inH = kernelH = strideH = 1, padH = 0}): which inputs each
 * output position reads. The rounding guard sums over exactly these terms, so that its bound is
 * the same stencil the convolution computes.
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
public record Stencil(
        int inC, int inH, int inW, int outC, int outH, int outW, int kernelH, int kernelW, int strideH, int strideW,
        int padH, int padW) {

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

    /** {@return the number of products in one output: C * kh * kw} */
    public int fanIn() {
        return inC * kernelH * kernelW;
    }

    /** {@return the number of output positions C' * H' * W'} */
    public int outputs() {
        return outC * outH * outW;
    }

    /** {@return the number of inputs C * H * W} */
    public int inputs() {
        return inC * inH * inW;
    }
}
