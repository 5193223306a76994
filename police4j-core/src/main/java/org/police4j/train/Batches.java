package org.police4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;

/** Mini-batch indices: a seeded shuffle per epoch, so runs repeat exactly. */
final class Batches {

    private final int n;
    private final int size;
    private final Random rng;
    private final int[] order;
    private int position;
    private long[] current;

    Batches(long n, int size, Random rng) {
        this.n = (int) n;
        this.size = size;
        this.rng = rng;
        this.order = new int[this.n];
        for (int i = 0; i < this.n; i++) {
            order[i] = i;
        }
        this.position = this.n;
    }

    boolean isFull() {
        return size >= n;
    }

    /** The next batch's row indices, reshuffling at the end of each epoch. */
    NDArray next(NDManager manager) {
        if (position + size > n) {
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            position = 0;
        }
        current = new long[size];
        for (int i = 0; i < size; i++) {
            current[i] = order[position + i];
        }
        position += size;
        return manager.create(current);
    }

    /** The indices {@link #next} returned last, for the labels. */
    NDArray last(NDManager manager) {
        return manager.create(current);
    }
}
