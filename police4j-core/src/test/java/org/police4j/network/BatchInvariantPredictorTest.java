package org.police4j.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.police4j.engine.Cpa;
import org.police4j.nn.PlainMlp;

/**
 * Every row gets the same bits whatever the chunks the table is cut into: whole, one row at a time,
 * 7, 100 or 333 at a time (the batch sizes at which PyTorch's matmul gave rows different last bits,
 * issue 21), and random partitionings.
 */
class BatchInvariantPredictorTest {

    @ParameterizedTest
    @CsvSource({"13, 64, 1000, 64", "784, 256, 300, 256", "10, 32, 517, 100"})
    void everyChunkingGivesTheSameBits(int d, int h, int n, int blockRows) {
        Engine.getInstance().setRandomSeed(21);
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock net = PlainMlp.build(d, new int[] {h, h}, 3, Cpa.leakyRelu(0.01));
            net.initialize(manager, DataType.FLOAT32, new Shape(1, d));
            Random rnd = new Random(d * 31L + n);
            float[][] x = new float[n][d];
            for (float[] row : x) {
                for (int j = 0; j < d; j++) {
                    row[j] = (float) rnd.nextGaussian();
                }
            }
            BatchInvariantPredictor p = BatchInvariantPredictor.builder().setNetwork(net).optBlockRows(blockRows).build();
            float[][] whole = p.predict(manager, 0, x);
            assertThat(whole).hasNumberOfRows(n);
            for (int chunk : new int[] {1, 7, 100, 333}) {
                assertSameBits(whole, chunked(p, manager, x, cuts(n, chunk)), "chunks of " + chunk);
            }
            for (int trial = 0; trial < 3; trial++) {
                List<Integer> cuts = new ArrayList<>();
                for (int at = rnd.nextInt(50); at < n; at += 1 + rnd.nextInt(n / 3)) {
                    cuts.add(at);
                }
                cuts.add(n);
                assertSameBits(whole, chunked(p, manager, x, cuts), "partitioning " + cuts);
            }
        }
    }

    @Test
    void refusesRowsOfUnequalLength() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock net = PlainMlp.build(2, new int[] {4}, 1, Cpa.relu());
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
            BatchInvariantPredictor p = BatchInvariantPredictor.builder().setNetwork(net).build();
            assertThatThrownBy(() -> p.predict(manager, 0, new float[][] {{1, 2}, {3}}))
                    .hasMessageContaining("rows[1] has 1 values; expected 2");
            assertThatThrownBy(() -> BatchInvariantPredictor.builder().setNetwork(net).optBlockRows(0))
                    .hasMessageContaining("blockRows: 0");
        }
    }

    private static List<Integer> cuts(int n, int chunk) {
        List<Integer> cuts = new ArrayList<>();
        for (int at = 0; at < n; at += chunk) {
            cuts.add(at);
        }
        cuts.add(n);
        return cuts;
    }

    /** Predicts x[cuts[i] .. cuts[i+1]) separately (rows before cuts[0] in one more chunk). */
    private static float[][] chunked(BatchInvariantPredictor p, NDManager manager, float[][] x, List<Integer> cuts) {
        float[][] out = new float[x.length][];
        int from = 0;
        for (int to : cuts) {
            if (to > from) {
                float[][] part = java.util.Arrays.copyOfRange(x, from, to);
                float[][] y = p.predict(manager, from, part);
                System.arraycopy(y, 0, out, from, y.length);
            }
            from = to;
        }
        return out;
    }

    private static void assertSameBits(float[][] expected, float[][] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            for (int k = 0; k < expected[i].length; k++) {
                if (Float.floatToRawIntBits(expected[i][k]) != Float.floatToRawIntBits(actual[i][k])) {
                    throw new AssertionError(what + ": row " + i + " output " + k + " is " + actual[i][k]
                            + ", whole table gave " + expected[i][k]);
                }
            }
        }
    }
}
