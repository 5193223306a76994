package org.police4j.train;

import java.util.Random;

/**
 * Mini-batch row indices: a seeded shuffle per epoch, so runs repeat exactly, and two networks
 * given the same seed see the same batches.
 */
public final class Batches {

    private final int n;
    private final int size;
    private final Random rng;
    private final int[] order;
    private int position;

    /**
     * @param n rows in the data set
     * @param size rows per batch
     * @param seed seeds the shuffles
     */
    public Batches(long n, int size, long seed) {
        this.n = (int) n;
        this.size = size;
        this.rng = new Random(seed);
        this.order = new int[this.n];
        for (int i = 0; i < this.n; i++) {
            order[i] = i;
        }
        this.position = this.n;
    }

    /** {@return whether one batch holds the whole data set (then no indexing is needed)} */
    public boolean isFull() {
        return size >= n;
    }

    /** {@return the next batch's row indices, reshuffling at the end of each epoch} */
    public long[] next() {
        if (position + size > n) {
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            position = 0;
        }
        long[] rows = new long[size];
        for (int i = 0; i < size; i++) {
            rows[i] = order[position + i];
        }
        position += size;
        return rows;
    }
}
