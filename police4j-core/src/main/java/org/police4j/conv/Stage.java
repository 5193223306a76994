package org.police4j.conv;

import java.util.List;

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
     * A 2-D convolution, kernel, stride and zero padding given per axis, followed by a bias. A
     * 1-D convolution (kernel k, stride s, padding p on (C, L)) is {@code (1, k), (1, s), (0, p)}
     * on (C, 1, L).
     *
     * <p>Model files store a stage by its {@link #toString()}: a square one keeps the text it
     * always had ({@code Conv[channels=8, kernel=3, stride=1, padding=1]}), so that models saved
     * before rectangular kernels load unchanged; others write every axis.
     *
     * @param channels output channels
     * @param kernelH the kernel's rows
     * @param kernelW the kernel's columns
     * @param strideH the step between rows of positions
     * @param strideW the step between columns of positions
     * @param padH zeros added above and below
     * @param padW zeros added left and right
     */
    record Conv(int channels, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW)
            implements Stage {
        /**
         * Checks that channels, kernel and stride are positive and padding is not negative.
         *
         * @param channels output channels
         * @param kernelH the kernel's rows
         * @param kernelW the kernel's columns
         * @param strideH the step between rows of positions
         * @param strideW the step between columns of positions
         * @param padH zeros added above and below
         * @param padW zeros added left and right
         */
        public Conv {
            if (channels <= 0 || kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0 || padH < 0 || padW < 0) {
                throw new IllegalArgumentException(
                        "conv: channels, kernel and stride must be > 0 and padding >= 0, got channels="
                                + channels + ", " + geometry(kernelH, kernelW, strideH, strideW, padH, padW));
            }
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

        /** {@return whether kernel, stride and padding are the same along both axes} */
        public boolean square() {
            return kernelH == kernelW && strideH == strideW && padH == padW;
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
            return (h + 2 * padH - kernelH) / strideH + 1;
        }

        /**
         * {@return the output columns on {@code w} input columns}
         *
         * @param w input columns
         */
        public int outW(int w) {
            return (w + 2 * padW - kernelW) / strideW + 1;
        }

        @Override
        public String toString() {
            return square()
                    ? "Conv[channels=" + channels + ", kernel=" + kernelH + ", stride=" + strideH + ", padding=" + padH + "]"
                    : "Conv[channels=" + channels + ", " + geometry(kernelH, kernelW, strideH, strideW, padH, padW) + "]";
        }
    }

    private static String geometry(int kh, int kw, int sh, int sw, int ph, int pw) {
        return "kernel=(" + kh + ", " + kw + "), stride=(" + sh + ", " + sw + "), padding=(" + ph + ", " + pw + ")";
    }

    /**
     * Max-pooling over non-overlapping windows ({@code stride == kernel} along each axis). A 1-D
     * pool of window k on (C, L) is the window (1, k) on (C, 1, L). Stored by its {@link
     * #toString()}, square ones with the text they always had.
     *
     * @param kernelH the window's rows
     * @param kernelW the window's columns
     * @param strideH the step between rows of windows, equal to {@code kernelH}
     * @param strideW the step between columns of windows, equal to {@code kernelW}
     */
    record MaxPool(int kernelH, int kernelW, int strideH, int strideW) implements Stage {
        /**
         * Checks for positive kernel and stride, equal along each axis (tiling windows), and
         * windows of at least 2 and at most 64 positions.
         *
         * @param kernelH the window's rows
         * @param kernelW the window's columns
         * @param strideH the step between rows of windows, equal to {@code kernelH}
         * @param strideW the step between columns of windows, equal to {@code kernelW}
         */
        public MaxPool {
            if (kernelH <= 0 || kernelW <= 0 || strideH <= 0 || strideW <= 0) {
                throw new IllegalArgumentException("maxPool: kernel and stride must be > 0, got " + text(kernelH, kernelW,
                        strideH, strideW));
            }
            if (strideH != kernelH || strideW != kernelW) {
                throw new IllegalArgumentException(
                        "maxPool: " + (kernelH == kernelW && strideH == strideW
                                        ? "stride " + strideH + " != kernel " + kernelH
                                        : "stride (" + strideH + ", " + strideW + ") != kernel (" + kernelH + ", " + kernelW + ")")
                                + " is not supported; POLICE"
                                + " shifts losing positions per window, which needs non-overlapping windows"
                                + " that tile the map (use stride == kernel)");
            }
            if (kernelH * kernelW > 64) {
                throw new IllegalArgumentException("maxPool: kernel (" + kernelH + ", " + kernelW
                        + ") too large (at most 64 positions, e.g. 8 x 8)");
            }
        }

        /**
         * Square windows.
         *
         * @param kernel the window's side
         * @param stride the step between windows, equal to {@code kernel}
         */
        public MaxPool(int kernel, int stride) {
            this(kernel, kernel, stride, stride);
        }

        /** {@return whether the window is square} */
        public boolean square() {
            return kernelH == kernelW && strideH == strideW;
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
            return "MaxPool[" + text(kernelH, kernelW, strideH, strideW) + "]";
        }
    }

    /** Batch normalisation per channel, directly after a conv. */
    record BatchNorm() implements Stage {}

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
        }
        return "dense";
    }
}
