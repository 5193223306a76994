package org.police4j.fold;

/**
 * The weights of one dense layer as plain float32 arrays, y = W x + b, in DJL's (out x in)
 * layout. Float32 on purpose: these are the exact numbers the folded network computes with, so
 * the certificate can reason about them exactly.
 *
 * @param weight out x in
 * @param bias out
 */
public record DenseLayer(float[][] weight, float[] bias) {

    /**
     * Checks that the weight has one row per bias entry.
     *
     * @param weight out x in
     * @param bias out
     */
    public DenseLayer {
        if (weight.length != bias.length) {
            throw new IllegalArgumentException(
                    "weight has " + weight.length + " rows but bias has " + bias.length);
        }
    }

    /** {@return the number of outputs (rows of the weight)} */
    public int outputs() {
        return bias.length;
    }

    /** {@return the number of inputs (columns of the weight; 0 without rows)} */
    public int inputs() {
        return weight.length == 0 ? 0 : weight[0].length;
    }
}
