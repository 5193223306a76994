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
import org.police4j.fold.Fold;
import org.police4j.io.ModelIo;
import org.police4j.nn.PolicedMlp;
import org.police4j.train.Gradients;
import org.police4j.train.LossKind;
import org.police4j.train.ShardGradient;

/**
 * Synchronous data-parallel training on Spark, the pattern of Spark MLlib's multilayer perceptron:
 * the training rows are cut into shards (one per partition, cached on the executors); at every
 * step the driver broadcasts the weights, each partition computes its shard's gradient with the
 * shard's loss scaled by {@code n_k / N} ({@link ShardGradient}, whose forward carries the region's
 * rows), {@code treeAggregate} sums them, and the driver's {@code Fit} applies the optimiser. The
 * network itself goes to the executors once, as a model directory's bytes ({@code ModelIo}).
 */
public final class SparkGradients implements GradientSource {

    private final SparkSession spark;
    private final int partitions;

    /**
     * A gradient source on a session.
     *
     * @param spark the session
     * @param partitions the shards (0: one per slot)
     */
    public SparkGradients(SparkSession spark, int partitions) {
        if (partitions < 0) {
            throw new IllegalArgumentException("--partitions: " + partitions + "; expected >= 0 (0: one per slot)");
        }
        this.spark = spark;
        this.partitions = partitions;
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
        List<Shard> shards = new ArrayList<>();
        for (int s = 0; s < k; s++) {
            int from = (int) ((long) n * s / k);
            int to = (int) ((long) n * (s + 1) / k);
            if (to > from) {
                shards.add(new Shard(Arrays.copyOfRange(xs, from * d, to * d), d,
                        Arrays.copyOfRange(ys, from * yw, to * yw), y.getShape().dimension() == 1 ? 0 : yw, n));
            }
        }
        JavaRDD<Shard> rdd = jsc.parallelize(shards, shards.size()).persist(StorageLevel.MEMORY_ONLY());
        Broadcast<ModelBytes> network = jsc.broadcast(bytes(block));
        Sum zero = new Sum(zero(block));
        return (step, current) -> {
            Broadcast<float[][]> weights = jsc.broadcast(weights(current));
            try {
                return rdd.treeAggregate(zero,
                        (acc, shard) -> acc.plus(shard.gradient(network.value(), weights.value(), loss)),
                        (a, b) -> a.plus(b.value)).value;
            } finally {
                weights.destroy();
            }
        };
    }

    /** A partial sum of shard gradients, as Spark moves it between JVMs. */
    static final class Sum implements Serializable {
        private static final long serialVersionUID = 1L;
        private final double loss;
        private final double[][] gradient;
        private final transient ShardGradient value;

        Sum(ShardGradient g) {
            this.loss = g.loss();
            this.gradient = g.gradient();
            this.value = g;
        }

        private Object readResolve() {
            return new Sum(new ShardGradient(loss, gradient));
        }

        Sum plus(ShardGradient g) {
            return new Sum(value.plus(g));
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

    private static ShardGradient zero(PolicedMlp block) {
        List<double[]> g = new ArrayList<>();
        for (Parameter p : block.getParameters().values()) {
            g.add(new double[(int) p.getArray().size()]);
        }
        return new ShardGradient(0, g.toArray(new double[0][]));
    }

    /** One partition's rows, flattened. */
    static final class Shard implements Serializable {
        private static final long serialVersionUID = 1L;
        private static final Map<String, PolicedMlp> NETWORKS = new ConcurrentHashMap<>();
        private final float[] x;
        private final int d;
        private final float[] y;
        private final int yWidth;
        private final long total;

        Shard(float[] x, int d, float[] y, int yWidth, long total) {
            this.x = x;
            this.d = d;
            this.y = y;
            this.yWidth = yWidth;
            this.total = total;
        }

        /** This shard's scaled gradient at the given weights (the executor's copy of the network, set to them). */
        ShardGradient gradient(ModelBytes network, float[][] weights, LossKind loss) {
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
                    return ShardGradient.of(block, xs, ys, loss, total);
                }
            }
        }
    }
}
