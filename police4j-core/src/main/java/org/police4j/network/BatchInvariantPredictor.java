package org.police4j.network;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * Inference whose result for a row does not depend on how the rows are batched: every forward
 * pass is a block of exactly {@code blockRows} rows, and row number {@code g} of the whole table
 * always sits at position {@code g % blockRows} of block {@code g / blockRows} (the other positions
 * of a partial block are zeros). PyTorch's CPU matmul picks its kernels by the batch's shape, so
 * the same row otherwise gets different last bits in a batch of 1, 7 or 4096 rows; here each row
 * meets the same computation whether it comes from the one-JVM {@code predict} command, a Spark
 * partition, or any chunking of the table. The block is only read (a plain, folded network).
 */
public final class BatchInvariantPredictor {

    /** The default rows per forward pass. */
    public static final int DEFAULT_BLOCK_ROWS = 256;

    private final Block network;
    private final int blockRows;

    private BatchInvariantPredictor(Builder b) {
        this.network = b.network;
        this.blockRows = b.blockRows;
    }

    /** {@return a builder} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the rows of every forward pass} */
    public int blockRows() {
        return blockRows;
    }

    /**
     * Predicts consecutive rows of a table.
     *
     * @param manager where the forward passes' arrays are made (each block in a sub-manager that is closed)
     * @param firstRow the table-wide number of {@code rows[0]} (0 for a whole table), which places every row
     * @param rows the input rows, all of the network's input dimension
     * @return one output row per input row
     */
    public float[][] predict(NDManager manager, long firstRow, float[][] rows) {
        if (firstRow < 0) {
            throw new IllegalArgumentException("firstRow: " + firstRow + "; expected >= 0");
        }
        float[][] out = new float[rows.length][];
        if (rows.length == 0) {
            return out;
        }
        int d = rows[0].length;
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != d) {
                throw new IllegalArgumentException("rows[" + i + "] has " + rows[i].length
                        + " values; expected " + d + " (the length of rows[0])");
            }
        }
        ParameterStore ps = new ParameterStore(manager, false);
        long end = firstRow + rows.length;
        for (long block = firstRow / blockRows; block * blockRows < end; block++) {
            long blockStart = block * blockRows;
            long from = Math.max(firstRow, blockStart);
            long to = Math.min(end, blockStart + blockRows);
            float[] flat = new float[blockRows * d];
            for (long g = from; g < to; g++) {
                System.arraycopy(rows[(int) (g - firstRow)], 0, flat, (int) (g - blockStart) * d, d);
            }
            try (NDManager sub = manager.newSubManager()) {
                NDArray in = sub.create(flat, new Shape(blockRows, d));
                NDArray o = network.forward(ps, new NDList(in), false).singletonOrThrow();
                int k = (int) o.getShape().get(1);
                float[] values = o.toFloatArray();
                for (long g = from; g < to; g++) {
                    float[] row = new float[k];
                    System.arraycopy(values, (int) (g - blockStart) * k, row, 0, k);
                    out[(int) (g - firstRow)] = row;
                }
            }
        }
        return out;
    }

    /** Builds a {@link BatchInvariantPredictor}. */
    public static final class Builder {
        private Block network;
        private int blockRows = DEFAULT_BLOCK_ROWS;

        private Builder() {}

        /**
         * Sets the network (initialised, e.g. {@code Fold.block}'s), which maps (N, D) to (N, K).
         *
         * @param network the network
         * @return this builder
         */
        public Builder setNetwork(Block network) {
            this.network = network;
            return this;
        }

        /**
         * Sets the rows of every forward pass; outputs are comparable bit for bit only between
         * predictors with the same value.
         *
         * @param blockRows a positive number of rows (default {@value #DEFAULT_BLOCK_ROWS})
         * @return this builder
         */
        public Builder optBlockRows(int blockRows) {
            if (blockRows <= 0) {
                throw new IllegalArgumentException("blockRows: " + blockRows + "; expected a positive integer");
            }
            this.blockRows = blockRows;
            return this;
        }

        /** {@return the predictor} */
        public BatchInvariantPredictor build() {
            if (network == null) {
                throw new IllegalArgumentException("network: not set; call setNetwork");
            }
            return new BatchInvariantPredictor(this);
        }
    }
}
