package org.police4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.police4j.engine.Cpa;
import org.police4j.engine.Loops;
import org.police4j.engine.Stencil;
import org.police4j.engine.VertexReference;
import org.police4j.network.BoundedEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.network.Layer;
import org.police4j.network.Pattern;

/**
 * The Java forwards beside the engine on one conv layer of ResNetV1-20's first stage (16 to 16
 * channels, 3 x 3, padding 1, on 28 x 28): the rounding guard's double-double reference at 3
 * vertices ({@code reference}) and the certificate's rigorous forward at one point ({@code
 * certificate}), with their channel loops split over the common pool or on one thread ({@code
 * threads} = {@code pool} | {@code one}, {@link Loops#sequential}). Both give the same bits; the
 * ratio is what the pool buys on this machine.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx4g", "-Dai.djl.pytorch.num_threads=1",
    "-Dai.djl.pytorch.num_interop_threads=1", "-DOPT_OUT_TRACKING=true"})
public class ReferenceBenchmark {

    private static final int C = 16;
    private static final int SIDE = 28;

    @Param({"pool", "one"})
    public String threads;

    private NDManager manager;
    private Stencil stencil;
    private double[][] vertices;
    private NDArray weight;
    private NDArray bias;
    private NDArray engine;
    private BoundedEval bounded;

    @Setup(Level.Trial)
    public void setUp() {
        if (!threads.equals("pool") && !threads.equals("one")) {
            throw new IllegalArgumentException("threads: '" + threads + "', expected pool or one");
        }
        Random rnd = new Random(BenchConfig.SEED);
        stencil = new Stencil(C, SIDE, SIDE, C, SIDE, SIDE, 3, 3, 1, 1, 1, 1);
        float[] w = new float[stencil.weights()];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rnd.nextGaussian() / Math.sqrt(stencil.fanIn()));
        }
        float[] b = new float[C];
        vertices = new double[3][stencil.inputs()];
        for (double[] v : vertices) {
            for (int j = 0; j < v.length; j++) {
                v[j] = rnd.nextInt(65) / 64.0;
            }
        }
        manager = NDManager.newBaseManager();
        weight = manager.create(w, new Shape(C, C, 3, 3));
        bias = manager.create(b);
        engine = manager.zeros(new Shape(3, stencil.outputs())); // the measured error is not what is timed
        float[] perPosition = new float[stencil.outputs()];
        bounded = new BoundedEval(new FoldedNetwork(new Shape(C, SIDE, SIDE), List.of(
                new Layer.Conv(C, SIDE, SIDE, C, 3, 3, 1, 1, 1, 1, 1, 1, 1, w, perPosition),
                new Layer.Activation(Cpa.relu()),
                new Layer.Dense(new float[1][stencil.outputs()], new float[1]))));
    }

    /** The guard's reference entering the layer at the 3 vertices: the double-double sums and their bound. */
    @Benchmark
    public double[] reference() {
        VertexReference r = new VertexReference(vertices, Cpa.relu());
        return threads.equals("one")
                ? Loops.sequential(() -> r.conv(stencil, weight, bias, null, null, null, engine))
                : r.conv(stencil, weight, bias, null, null, null, engine);
    }

    /** The certificate's double-double forward of the same layer at one vertex, signs proved. */
    @Benchmark
    public Pattern certificate() {
        return threads.equals("one") ? Loops.sequential(() -> bounded.pattern(vertices[0])) : bounded.pattern(vertices[0]);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }
}
