package org.police4j.engine;

/**
 * The geometry of a 2-D convolution with a square kernel: which inputs each output position
 * reads. The rounding guard sums over exactly these terms, so that its bound is the same
 * stencil the convolution computes.
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
public record Stencil(int inC, int inH, int inW, int outC, int outH, int outW, int kernel, int stride, int padding) {

    /** {@return the number of products in one output: C * k * k} */
    public int fanIn() {
        return inC * kernel * kernel;
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
