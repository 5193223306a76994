package org.police4j.conv;

import java.util.List;
import org.police4j.engine.PoolWindows;
import org.police4j.engine.Stencil;

/**
 * One stage of a {@link PolicedConvNet}, as the builder records it and as model files store it.
 *
 * <p>A feature map is {@code (C, H, W)}; a vector is {@code (D)}. Conv, batch-norm and
 * max-pool work on feature maps; flatten and global average pooling turn a feature map into a
 * vector; dense works on vectors. The activation is not a stage: the network applies it after
 * every conv group ({@code conv [batchNorm] [maxPool]}) and after every hidden dense layer.
 */
public sealed interface Stage {

    /**
     * A 2-D convolution, kernel, stride, zero padding and dilation given per axis, with channel
     * groups (depthwise: groups = input channels), followed by a bias. A 1-D convolution (kernel k,
     * stride s, padding p, dilation d on (C, L)) is {@code (1, k), (1, s), (0, p), (1, d)} on (C,
     * 1, L).
     *
     * <p>Model files store a stage by its {@link #toString()}: a square, ungrouped, undilated one
     * keeps the text it always had ({@code Conv[channels=8, kernel=3, stride=1, padding=1]}), so
     * that models saved before rectangular kernels load unchanged; others write every axis, and
     * dilation and groups only when they are not 1.
     *
     * @param channels output channels
     * @param kernelH the kernel's rows
     * @param kernelW the kernel's columns
     * @param strideH the step between rows of positions
     * @param strideW the step between columns of positions
     * @param padH zeros added above and below
     * @param padW zeros added left and right
     * @param dilationH the step between the kernel's rows
     * @param dilationW the step between the kernel's columns
     * @param groups channel groups (dividing the input and output channels)
     */
    record Conv(
            int channels, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH,
            int dilationW, int groups)
            implements Stage {
        /**
         * Checks that channels, kernel, stride, dilation and groups are positive, padding is not
         * negative and the groups divide the output channels.
         *
         * @param channels output channels
         * @param kernelH the kernel's rows
         * @param kernelW the kernel's columns
         * @param strideH the step between rows of positions
         * @param strideW the step between columns of positions
         * @param padH zeros added above and below
         * @param padW zeros added left and right
         * @param dilationH the step between the kernel's rows
         * @param dilationW the step between the kernel's columns
         * @param groups channel groups (dividing the input and output channels)
         */
        public Conv {
            if (channels <= 0 || kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0 || padH < 0 || padW < 0
                    || dilationH <= 0 || dilationW <= 0 || groups <= 0 || channels % groups != 0) {
                throw new IllegalArgumentException(
                        "conv: channels, kernel, stride, dilation and groups must be > 0, padding >= 0 and groups"
                                + " must divide channels, got channels=" + channels + ", "
                                + geometry(kernelH, kernelW, strideH, strideW, padH, padW)
                                + extras(dilationH, dilationW, groups, true));
            }
        }

        /**
         * An ungrouped, undilated convolution.
         *
         * @param channels output channels
         * @param kernelH the kernel's rows
         * @param kernelW the kernel's columns
         * @param strideH the step between rows of positions
         * @param strideW the step between columns of positions
         * @param padH zeros added above and below
         * @param padW zeros added left and right
         */
        public Conv(int channels, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
            this(channels, kernelH, kernelW, strideH, strideW, padH, padW, 1, 1, 1);
        }

        /**
         * A square convolution: one kernel side, stride and padding for both axes.
         *
         * @param channels output channels
         * @param kernel the kernel's side
         * @param stride the step between positions
         * @param padding zeros added on each side
         */
        public Conv(int channels, int kernel, int stride, int padding) {
            this(channels, kernel, kernel, stride, stride, padding, padding);
        }

        /** {@return whether kernel, stride and padding are the same along both axes, and it is ungrouped and undilated} */
        public boolean square() {
            return kernelH == kernelW && strideH == strideW && padH == padW && plain();
        }

        /** {@return whether dilation and groups are 1 (the convolutions before groups and dilation existed)} */
        public boolean plain() {
            return dilationH == 1 && dilationW == 1 && groups == 1;
        }

        /** {@return the kernel's side of a square convolution} */
        public int kernel() {
            return squareOnly(kernelH);
        }

        /** {@return the stride of a square convolution} */
        public int stride() {
            return squareOnly(strideH);
        }

        /** {@return the padding of a square convolution} */
        public int padding() {
            return squareOnly(padH);
        }

        private int squareOnly(int value) {
            if (!square()) {
                throw new IllegalStateException(this + " is not square; read kernelH/kernelW, strideH/strideW, padH/padW");
            }
            return value;
        }

        /**
         * {@return the output rows on {@code h} input rows}
         *
         * @param h input rows
         */
        public int outH(int h) {
            return Stencil.outLength(h, kernelH, strideH, padH, dilationH);
        }

        /**
         * {@return the output columns on {@code w} input columns}
         *
         * @param w input columns
         */
        public int outW(int w) {
            return Stencil.outLength(w, kernelW, strideW, padW, dilationW);
        }

        /** {@return the rows the dilated kernel spans: dilationH (kernelH - 1) + 1} */
        public int spanH() {
            return dilationH * (kernelH - 1) + 1;
        }

        /** {@return the columns the dilated kernel spans: dilationW (kernelW - 1) + 1} */
        public int spanW() {
            return dilationW * (kernelW - 1) + 1;
        }

        @Override
        public String toString() {
            return square()
                    ? "Conv[channels=" + channels + ", kernel=" + kernelH + ", stride=" + strideH + ", padding=" + padH + "]"
                    : "Conv[channels=" + channels + ", " + geometry(kernelH, kernelW, strideH, strideW, padH, padW)
                            + extras(dilationH, dilationW, groups, false) + "]";
        }
    }

    /** Dilation and groups as text, only where they are not 1 (unless {@code always}). */
    private static String extras(int dh, int dw, int groups, boolean always) {
        String s = "";
        if (always || dh != 1 || dw != 1) {
            s += ", dilation=(" + dh + ", " + dw + ")";
        }
        if (always || groups != 1) {
            s += ", groups=" + groups;
        }
        return s;
    }

    private static String geometry(int kh, int kw, int sh, int sw, int ph, int pw) {
        return "kernel=(" + kh + ", " + kw + "), stride=(" + sh + ", " + sw + "), padding=(" + ph + ", " + pw + ")";
    }

    /**
     * Max-pooling, as DJL's {@code Pool.maxPool2d(x, kernel, stride, padding, false)}: tiling
     * windows ({@code stride == kernel}, no padding) or overlapping and padded ones (padded
     * positions are -infinity, as in PyTorch, so they never win). A 1-D pool of window k on (C, L)
     * is the window (1, k) on (C, 1, L). Stored by its {@link #toString()}, tiling ones with the
     * text they always had.
     *
     * @param kernelH the window's rows
     * @param kernelW the window's columns
     * @param strideH the step between rows of windows
     * @param strideW the step between columns of windows
     * @param padH padding above and below, at most half the window
     * @param padW padding left and right, at most half the window
     * @param ceilMode whether output lengths round up (PyTorch's {@code ceil_mode}): the last window
     *     may run past the map's edge, and positions beyond it never win, as padding
     */
    record MaxPool(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean ceilMode)
            implements Stage {
        /**
         * Checks for positive kernel and stride, padding between 0 and half the window, and
         * windows of at least 2 and at most 64 positions.
         *
         * @param kernelH the window's rows
         * @param kernelW the window's columns
         * @param strideH the step between rows of windows
         * @param strideW the step between columns of windows
         * @param padH padding above and below
         * @param padW padding left and right
         * @param ceilMode whether output lengths round up
         */
        public MaxPool {
            if (kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0) {
                throw new IllegalArgumentException("maxPool: kernel and stride must be > 0, got " + text(kernelH, kernelW,
                        strideH, strideW));
            }
            if (padH < 0 || padW < 0 || 2 * padH > kernelH || 2 * padW > kernelW) {
                throw new IllegalArgumentException("maxPool: padding (" + padH + ", " + padW + ") for kernel ("
                        + kernelH + ", " + kernelW + "); expected between 0 and half the window, as PyTorch requires");
            }
            if (kernelH * kernelW > 64) {
                throw new IllegalArgumentException("maxPool: kernel (" + kernelH + ", " + kernelW
                        + ") too large (at most 64 positions, e.g. 8 x 8)");
            }
        }

        /**
         * Windows with padding, output lengths rounded down.
         *
         * @param kernelH the window's rows
         * @param kernelW the window's columns
         * @param strideH the step between rows of windows
         * @param strideW the step between columns of windows
         * @param padH padding above and below
         * @param padW padding left and right
         */
        public MaxPool(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
            this(kernelH, kernelW, strideH, strideW, padH, padW, false);
        }

        /**
         * Windows without padding.
         *
         * @param kernelH the window's rows
         * @param kernelW the window's columns
         * @param strideH the step between rows of windows
         * @param strideW the step between columns of windows
         */
        public MaxPool(int kernelH, int kernelW, int strideH, int strideW) {
            this(kernelH, kernelW, strideH, strideW, 0, 0);
        }

        /**
         * Square windows without padding.
         *
         * @param kernel the window's side
         * @param stride the step between windows
         */
        public MaxPool(int kernel, int stride) {
            this(kernel, kernel, stride, stride);
        }

        /** {@return whether the windows tile the map: stride equal to the window, no padding, no ceiling} */
        public boolean tiles() {
            return strideH == kernelH && strideW == kernelW && padH == 0 && padW == 0 && !ceilMode;
        }

        /** {@return whether window, stride and padding are the same along both axes} */
        public boolean square() {
            return kernelH == kernelW && strideH == strideW && padH == padW;
        }

        /** {@return the window's side of a square pool} */
        public int kernel() {
            if (!square()) {
                throw new IllegalStateException(this + " is not square; read kernelH/kernelW");
            }
            return kernelH;
        }

        /** {@return the stride of a square pool} */
        public int stride() {
            if (!square()) {
                throw new IllegalStateException(this + " is not square; read strideH/strideW");
            }
            return strideH;
        }

        private static String text(int kh, int kw, int sh, int sw) {
            return kh == kw && sh == sw ? "kernel=" + kh + ", stride=" + sh
                    : "kernel=(" + kh + ", " + kw + "), stride=(" + sh + ", " + sw + ")";
        }

        @Override
        public String toString() {
            String pad = padH == 0 && padW == 0 ? ""
                    : padH == padW && kernelH == kernelW && strideH == strideW ? ", padding=" + padH
                    : ", padding=(" + padH + ", " + padW + ")";
            return "MaxPool[" + text(kernelH, kernelW, strideH, strideW) + pad + (ceilMode ? ", ceilMode" : "") + "]";
        }
    }

    /**
     * Average pooling of the activated feature map over windows of any size, stride and padding,
     * as DJL's {@code Pool.avgPool2d(x, kernel, stride, padding, ceilMode, countIncludePad)}
     * (PyTorch's semantics: {@link PoolWindows}; DJL 0.36's PyTorch engine does not pass {@code
     * countIncludePad} on, so padding always counts in the divisor, and {@code false} is refused
     * where it would matter). Affine, so it may stand anywhere on a feature
     * map: at the input or after a conv group (after its activation). A 1-D pool of window k on
     * (C, L) is the window (1, k) on (C, 1, L).
     *
     * @param kernelH the window's rows
     * @param kernelW the window's columns
     * @param strideH the step between rows of windows
     * @param strideW the step between columns of windows
     * @param padH padding above and below (at most half the window)
     * @param padW padding left and right (at most half the window)
     * @param ceilMode whether output lengths round up
     * @param countIncludePad whether padded positions count in the divisor
     */
    record AvgPool(
            int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, boolean ceilMode,
            boolean countIncludePad)
            implements Stage {
        /**
         * Checks positive window and stride and padding between 0 and half the window.
         *
         * @param kernelH the window's rows
         * @param kernelW the window's columns
         * @param strideH the step between rows of windows
         * @param strideW the step between columns of windows
         * @param padH padding above and below
         * @param padW padding left and right
         * @param ceilMode whether output lengths round up
         * @param countIncludePad whether padded positions count in the divisor
         */
        public AvgPool {
            if (kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0 || padH < 0 || padW < 0
                    || 2 * padH > kernelH || 2 * padW > kernelW) {
                throw new IllegalArgumentException("avgPool: " + geometry(kernelH, kernelW, strideH, strideW, padH, padW)
                        + "; expected positive window and stride and padding between 0 and half the window");
            }
            if (!countIncludePad && (padH > 0 || padW > 0 || ceilMode)) {
                throw new IllegalArgumentException("avgPool: countIncludePad=false with padding (" + padH + ", " + padW
                        + ") or ceilMode is refused: DJL 0.36's PyTorch engine ignores the flag and always counts the"
                        + " padding, so the network trained and exported through DJL would not be the one certified;"
                        + " use countIncludePad=true (DJL's default)");
            }
        }

        /**
         * {@return the windows on a (c, h, w) map}
         *
         * @param c channels
         * @param h rows
         * @param w columns
         */
        public PoolWindows windows(int c, int h, int w) {
            return new PoolWindows(c, h, w, kernelH, kernelW, strideH, strideW, padH, padW, ceilMode);
        }

        @Override
        public String toString() {
            return "AvgPool[" + geometry(kernelH, kernelW, strideH, strideW, padH, padW) + ", ceilMode=" + ceilMode
                    + ", countIncludePad=" + countIncludePad + "]";
        }
    }

    /**
     * Batch normalisation per channel, directly after a conv.
     *
     * @param epsilon added to the variance, {@code > 0} (DJL's and PyTorch's default 1e-5; DJL's
     *     MobileNets use 2e-5)
     * @param momentum the running statistics' update, PyTorch's convention: {@code running = (1 -
     *     momentum) running + momentum batch}, in [0, 1] (default 0.1, DJL's 0.9 in its own)
     */
    record BatchNorm(float epsilon, float momentum) implements Stage {

        /** PyTorch's defaults: epsilon 1e-5, momentum 0.1. */
        public static final BatchNorm DEFAULT = new BatchNorm(PolicedConvNet.BN_EPS, PolicedConvNet.BN_MOMENTUM);

        /**
         * Checks the two numbers.
         *
         * @param epsilon added to the variance, {@code > 0}
         * @param momentum the running statistics' update, in [0, 1]
         */
        public BatchNorm {
            if (!(epsilon > 0) || Float.isInfinite(epsilon)) {
                throw new IllegalArgumentException("batchNorm epsilon: " + epsilon + ", expected a finite number > 0");
            }
            if (!(momentum >= 0 && momentum <= 1)) {
                throw new IllegalArgumentException("batchNorm momentum: " + momentum + ", expected in [0, 1]");
            }
        }

        /** A batch-norm with PyTorch's defaults. */
        public BatchNorm() {
            this(PolicedConvNet.BN_EPS, PolicedConvNet.BN_MOMENTUM);
        }

        /** {@return whether these are PyTorch's defaults (model files then write neither)} */
        public boolean isDefault() {
            return equals(DEFAULT);
        }

        @Override
        public String toString() {
            // the defaults as before there were fields: DJL streams saved then still load
            return isDefault() ? "BatchNorm[]" : "BatchNorm[epsilon=" + epsilon + ", momentum=" + momentum + "]";
        }
    }

    /** Flattens a feature map (C, H, W) into a vector of C*H*W, channel-major. */
    record Flatten() implements Stage {}

    /** Averages each channel of a feature map over its positions: (C, H, W) -> (C). */
    record GlobalAvgPool() implements Stage {}

    /**
     * A hidden dense layer of the given width.
     *
     * @param width its number of units
     */
    record Dense(int width) implements Stage {
        /**
         * Checks that the width is positive.
         *
         * @param width its number of units
         */
        public Dense {
            if (width <= 0) {
                throw new IllegalArgumentException("dense: width " + width + ", expected > 0");
            }
        }
    }

    /**
     * Marks the conv group (conv [batchNorm] [maxPool]) or hidden dense layer just before it as
     * linear: no activation, so no POLICE shift (ResNet's conv-BN before its residual add, its
     * stem conv).
     */
    record Linear() implements Stage {}

    /**
     * Branches on the same input, joined (DJL's {@code ParallelBlock}): a residual unit or an
     * inception / fire module. Each branch is a list of stages (empty: the identity); a sum joins
     * branches of one shape, a concatenation stacks channels (maps of one height and width) or
     * features. When {@code activated} the activation follows the join, and its units are POLICE
     * units like any conv group's.
     *
     * @param branches the branches, at least one
     * @param join how they are combined
     * @param activated whether the activation follows the join
     */
    record Parallel(List<List<Stage>> branches, org.police4j.engine.Join join, boolean activated) implements Stage {
        /**
         * Checks the parts and keeps immutable copies.
         *
         * @param branches the branches, at least one
         * @param join how they are combined
         * @param activated whether the activation follows the join
         */
        public Parallel {
            if (branches == null || branches.isEmpty() || join == null) {
                throw new IllegalArgumentException(
                        "parallel: branches " + branches + " and join " + join + ", expected at least one branch and a join");
            }
            branches = branches.stream().map(List::copyOf).toList();
        }
    }

    /** {@return the name used in model files} */
    default String type() {
        if (this instanceof Linear) {
            return "linear";
        } else if (this instanceof Parallel) {
            return "parallel";
        } else if (this instanceof Conv) {
            return "conv";
        } else if (this instanceof MaxPool) {
            return "maxPool";
        } else if (this instanceof BatchNorm) {
            return "batchNorm";
        } else if (this instanceof Flatten) {
            return "flatten";
        } else if (this instanceof GlobalAvgPool) {
            return "globalAvgPool";
        } else if (this instanceof AvgPool) {
            return "avgPool";
        }
        return "dense";
    }
}
