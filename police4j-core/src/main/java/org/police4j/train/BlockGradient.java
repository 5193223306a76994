package org.police4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import org.police4j.nn.PolicedMlp;

/**
 * A batch's gradient that does not depend on how its rows are split between machines: the batch is
 * cut into fixed blocks of {@code blockRows} rows placed by row number (block {@code b} holds rows
 * {@code [b * blockRows, (b + 1) * blockRows)}, the last one fewer), each block's gradient is a
 * {@link ShardGradient} (its forward carries the region's rows, its loss scaled by {@code n_b / N}),
 * and the blocks are added in double in block order. One JVM and any partitioning on Spark thus
 * compute the same forwards on the same shapes and add the same numbers in the same order: the
 * same bits. Bits matter here because a unit whose true gradient is exactly 0 (its data and shift
 * terms cancel) gets a gradient of rounding noise, which AdamW scales up to a step of about the
 * learning rate; two runs agree only if their noise does.
 */
public final class BlockGradient {

    /** The default rows per block: a step over at most this many rows is one forward. */
    public static final int DEFAULT_BLOCK_ROWS = 4096;

    private BlockGradient() {}

    /**
     * The gradients of consecutive blocks of a batch, one per block.
     *
     * @param block an initialised network
     * @param x the rows {@code [firstRow, firstRow + rows)} of the batch, n x D
     * @param y their labels, as {@link Fit#fit} takes them
     * @param loss the loss
     * @param firstRow the batch-wide number of {@code x}'s first row, a multiple of {@code blockRows}
     * @param totalRows N, the rows of the whole batch
     * @param blockRows the rows of a block
     * @return the blocks' scaled gradients, block {@code firstRow / blockRows} first
     */
    public static ShardGradient[] ofBlocks(PolicedMlp block, NDArray x, NDArray y, LossKind loss,
            long firstRow, long totalRows, int blockRows) {
        long n = x.getShape().get(0);
        if (blockRows <= 0) {
            throw new IllegalArgumentException("blockRows: " + blockRows + "; expected > 0");
        }
        if (firstRow < 0 || firstRow % blockRows != 0) {
            throw new IllegalArgumentException("firstRow: " + firstRow + "; expected a multiple of blockRows = " + blockRows);
        }
        long end = firstRow + n;
        if (n <= 0 || end > totalRows || (end % blockRows != 0 && end != totalRows)) {
            throw new IllegalArgumentException("rows: " + firstRow + " to " + end + " of " + totalRows
                    + "; expected whole blocks of " + blockRows + " rows (the last may end at the batch's end)");
        }
        int count = (int) ((n + blockRows - 1) / blockRows);
        ShardGradient[] out = new ShardGradient[count];
        for (int b = 0; b < count; b++) {
            long from = (long) b * blockRows;
            long to = Math.min(n, from + blockRows);
            if (count == 1) {
                out[b] = ShardGradient.of(block, x, y, loss, totalRows);
                continue;
            }
            NDIndex rows = new NDIndex("{}:{}", from, to);
            // a fresh array per block, so that a block's memory layout is the same wherever it is cut from
            try (NDArray xb = x.get(rows).duplicate(); NDArray yb = y.get(rows).duplicate()) {
                out[b] = ShardGradient.of(block, xb, yb, loss, totalRows);
            }
        }
        return out;
    }

    /**
     * Adds blocks' gradients in the order given (block order), in double.
     *
     * @param blocks every block of a batch, block 0 first
     * @return the batch's mean loss and gradient
     */
    public static ShardGradient sum(List<ShardGradient> blocks) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("blocks: none; expected at least one");
        }
        ShardGradient s = blocks.get(0);
        for (int i = 1; i < blocks.size(); i++) {
            s = s.plus(blocks.get(i));
        }
        return s;
    }

    /**
     * The gradient of a whole batch in this JVM, block by block.
     *
     * @param block an initialised network
     * @param x the batch's N x D inputs
     * @param y its labels
     * @param loss the loss
     * @param blockRows the rows of a block
     * @return the batch's mean loss and gradient
     */
    public static ShardGradient of(PolicedMlp block, NDArray x, NDArray y, LossKind loss, int blockRows) {
        return sum(List.of(ofBlocks(block, x, y, loss, 0, x.getShape().get(0), blockRows)));
    }
}
