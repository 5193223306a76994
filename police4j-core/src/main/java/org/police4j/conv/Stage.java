package org.police4j.conv;

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
     * A 2-D convolution with square kernel, stride and zero padding, followed by a bias.
     *
     * @param channels output channels
     * @param kernel the kernel's side
     * @param stride the step between positions
     * @param padding zeros added on each side
     */
    record Conv(int channels, int kernel, int stride, int padding) implements Stage {
        /**
         * Checks that channels, kernel and stride are positive and padding is not negative.
         *
         * @param channels output channels
         * @param kernel the kernel's side
         * @param stride the step between positions
         * @param padding zeros added on each side
         */
        public Conv {
            if (channels <= 0 || kernel <= 0 || stride <= 0 || padding < 0) {
                throw new IllegalArgumentException(
                        "conv: channels, kernel and stride must be > 0 and padding >= 0, got channels="
                                + channels + ", kernel=" + kernel + ", stride=" + stride + ", padding=" + padding);
            }
        }
    }

    /**
     * Max-pooling over non-overlapping square windows ({@code stride == kernel}).
     *
     * @param kernel the window's side
     * @param stride the step between windows, equal to {@code kernel}
     */
    record MaxPool(int kernel, int stride) implements Stage {
        /**
         * Checks for positive, equal kernel and stride (tiling windows) of at most 8.
         *
         * @param kernel the window's side
         * @param stride the step between windows, equal to {@code kernel}
         */
        public MaxPool {
            if (kernel <= 0 || stride <= 0) {
                throw new IllegalArgumentException(
                        "maxPool: kernel and stride must be > 0, got kernel=" + kernel + ", stride=" + stride);
            }
            if (stride != kernel) {
                throw new IllegalArgumentException(
                        "maxPool: stride " + stride + " != kernel " + kernel + " is not supported; POLICE"
                                + " shifts losing positions per window, which needs non-overlapping windows"
                                + " that tile the map (use stride == kernel)");
            }
            if (kernel * kernel > 64) {
                throw new IllegalArgumentException("maxPool: kernel " + kernel + " too large (at most 8)");
            }
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

    /** {@return the name used in model files} */
    default String type() {
        if (this instanceof Conv) {
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
