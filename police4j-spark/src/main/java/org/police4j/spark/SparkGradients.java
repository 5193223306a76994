package org.police4j.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.police4j.cli.commands.GradientSource;
import org.police4j.engine.Loops;
import org.police4j.fold.Fold;
import org.police4j.io.ModelIo;
import org.police4j.nn.PolicedMlp;
import org.police4j.train.BlockGradient;
import org.police4j.train.Gradients;
import org.police4j.train.LossKind;
import org.police4j.train.ShardGradient;

/**
 * Synchronous data-parallel training on Spark, the pattern of Spark MLlib's multilayer perceptron:
 * the training rows are cut into shards (one per partition, cached on the executors); at every
 * step the driver broadcasts the weights, each partition computes its shard's gradient with the
 * shard's fixed blocks of rows with each block's loss scaled by {@code n_b / N} ({@link BlockGradient},
 * whose forwards carry the region's rows), the driver adds the blocks in block order, and its
 * {@code Fit} applies the optimiser: the same bits as one-JVM training, whatever the partitions. The
 * network itself goes to the executors once, as a model directory's bytes ({@code ModelIo}).
 */
public final class SparkGradients implements GradientSource {

    private final SparkSession spark;
    private final int partitions;
    private final int blockRows;

    /**
     * A gradient source on a session, with {@code Fit}'s default gradient blocks.
     *
     * @param spark the session
     * @param partitions the shards (0: one per slot)
     */
    public SparkGradients(SparkSession spark, int partitions) {
        this(spark, partitions, BlockGradient.DEFAULT_BLOCK_ROWS);
    }

    /**
     * A gradient source on a session.
     *
     * @param spark the session
     * @param partitions the shards (0: one per slot)
     * @param blockRows the rows of a gradient block, as the one-JVM {@code Fit.optBlockRows} that it reproduces
     */
    public SparkGradients(SparkSession spark, int partitions, int blockRows) {
        if (partitions < 0) {
            throw new IllegalArgumentException("--partitions: " + partitions + "; expected >= 0 (0: one per slot)");
        }
        if (blockRows <= 0) {
            throw new IllegalArgumentException("blockRows: " + blockRows + "; expected > 0");
        }
        this.spark = spark;
        this.partitions = partitions;
        this.blockRows = blockRows;
    }

    @Override
    public Gradients open(PolicedMlp block, NDArray x, NDArray y, LossKind loss) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int n = (int) x.getShape().get(0);
        int k = partitions > 0 ? partitions : jsc.defaultParallelism();
        float[] xs = x.toFloatArray();
        float[] ys = y.toFloatArray();
        int d = xs.length / n;
        int yw = ys.length / n;
        // a batch within one block is one forward, as in Fit; otherwise shards of whole blocks
        int size = n <= blockRows ? n : blockRows;
        int blocks = (n + size - 1) / size;
        List<Shard> shards = new ArrayList<>();
        for (int s = 0; s < k; s++) {
            int from = (int) ((long) blocks * s / k) * size;
            int to = Math.min(n, (int) ((long) blocks * (s + 1) / k) * size);
            if (to > from) {
                shards.add(new Shard(Arrays.copyOfRange(xs, from * d, to * d), d,
                        Arrays.copyOfRange(ys, from * yw, to * yw), y.getShape().dimension() == 1 ? 0 : yw,
                        from, n, size));
            }
        }
        JavaRDD<Shard> rdd = jsc.parallelize(shards, shards.size()).persist(StorageLevel.MEMORY_ONLY());
        Broadcast<ModelBytes> network = jsc.broadcast(bytes(block));
        return (step, current) -> {
            Broadcast<float[][]> weights = jsc.broadcast(weights(current));
            try {
                List<Blocks> parts = new ArrayList<>(rdd.map(shard -> shard.gradient(network.value(), weights.value(), loss)).collect());
                parts.sort(java.util.Comparator.comparingLong(Blocks::firstRow));
                List<ShardGradient> inOrder = new ArrayList<>();
                for (Blocks b : parts) {
                    for (int i = 0; i < b.losses().length; i++) {
                        inOrder.add(new ShardGradient(b.losses()[i], b.gradients()[i]));
                    }
                }
                return BlockGradient.sum(inOrder);
            } finally {
                weights.destroy();
            }
        };
    }

    /**
     * A shard's per-block gradients, as Spark brings them to the driver, which adds all blocks in
     * block order (a partition's partial sum would add them in another order: other bits).
     *
     * @param firstRow the batch-wide number of the shard's first row
     * @param losses each block's scaled loss, in block order
     * @param gradients each block's scaled gradient, in block order
     */
    record Blocks(long firstRow, double[] losses, double[][][] gradients) implements Serializable {

        static Blocks of(long firstRow, ShardGradient[] blocks) {
            double[] losses = new double[blocks.length];
            double[][][] gradients = new double[blocks.length][][];
            for (int i = 0; i < blocks.length; i++) {
                losses[i] = blocks[i].loss();
                gradients[i] = blocks[i].gradient();
            }
            return new Blocks(firstRow, losses, gradients);
        }
    }

    private static ModelBytes bytes(PolicedMlp block) {
        try {
            Path dir = Files.createTempDirectory("police4j-train-");
            Path model = dir.resolve("model");
            ModelIo.save(block, model, null);
            ModelBytes b = ModelBytes.read(model);
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[][] weights(PolicedMlp block) {
        List<float[]> w = new ArrayList<>();
        for (Parameter p : block.getParameters().values()) {
            w.add(p.getArray().toFloatArray());
        }
        return w.toArray(new float[0][]);
    }

    /** One partition's rows, flattened. */
    static final class Shard implements Serializable {
        private static final long serialVersionUID = 1L;
        private static final Map<String, PolicedMlp> NETWORKS = new ConcurrentHashMap<>();
        private final float[] x;
        private final int d;
        private final float[] y;
        private final int yWidth;
        private final long firstRow;
        private final long total;
        private final int blockRows;

        Shard(float[] x, int d, float[] y, int yWidth, long firstRow, long total, int blockRows) {
            this.x = x;
            this.d = d;
            this.y = y;
            this.yWidth = yWidth;
            this.firstRow = firstRow;
            this.total = total;
            this.blockRows = blockRows;
        }

        /**
         * This shard's blocks' scaled gradients at the given weights (the executor's copy of the
         * network, set to them), the engine's Java loops in the task's thread: Spark's slots are
         * the parallelism (see {@link SparkCertify#options}).
         */
        Blocks gradient(ModelBytes network, float[][] weights, LossKind loss) {
            return Loops.sequential(() -> compute(network, weights, loss));
        }

        private Blocks compute(ModelBytes network, float[][] weights, LossKind loss) {
            Executors.inferenceThread();
            PolicedMlp block = NETWORKS.computeIfAbsent(network.digest(), dg -> {
                try {
                    return (PolicedMlp) ModelIo.load(network.directory(), Executors.manager()).network();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot load the broadcast network: " + e.getMessage(), e);
                }
            });
            synchronized (block) {
                int i = 0;
                for (Parameter p : block.getParameters().values()) {
                    Fold.copy(p.getArray(), weights[i++]);
                }
                try (NDManager m = Executors.manager().newSubManager()) {
                    int rows = x.length / d;
                    NDArray xs = m.create(x, new ai.djl.ndarray.types.Shape(rows, d));
                    NDArray ys = yWidth == 0 ? m.create(y) : m.create(y, new ai.djl.ndarray.types.Shape(rows, yWidth));
                    return Blocks.of(firstRow, BlockGradient.ofBlocks(block, xs, ys, loss, firstRow, total, blockRows));
                }
            }
        }
    }
}
