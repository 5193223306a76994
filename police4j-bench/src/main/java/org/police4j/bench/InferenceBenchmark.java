package org.police4j.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
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
import org.police4j.fold.Fold;
import org.police4j.engine.Cpa;
import org.police4j.nn.PlainMlp;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;

/**
 * Inference (forward only, no gradient) at batch 1 and 1024: the unconstrained network vs the
 * POLICEd network after {@link Fold#block} (shifts folded into the biases, no vertex rows), which
 * should cost the same. The third variant, {@code policed}, is the POLICEd block itself (its region
 * passes through the layers on every forward, as the authors' reference evaluates): what the fold saves.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "-Xms1g",
            "-Xmx4g",
            // one PyTorch thread: see README ("Threads"); override with -jvmArgsAppend
            "-Dai.djl.pytorch.num_threads=1",
            "-Dai.djl.pytorch.num_interop_threads=1",
            // DJL's usage tracking would otherwise send an HTTP request at engine start
            "-DOPT_OUT_TRACKING=true"
        })
public class InferenceBenchmark {

    @Param({"2:2:256", "2:4:64", "784:2:1024", "784:8:1024", "2:4:4096", "3072:6:4096"})
    public String config;

    @Param({"unconstrained", "folded", "policed"})
    public String variant;

    @Param({"1", "1024"})
    public int batch;

    private Model model;
    private Block block;
    private ParameterStore store;
    private NDManager data;
    private NDArray x;
    private int arraysAfterSetup;

    @Setup(Level.Trial)
    public void setUp() {
        BenchConfig.checkEnvironment();
        BenchConfig c = BenchConfig.parse(config);
        model = Model.newInstance("infer-" + variant);
        NDManager manager = model.getNDManager();
        Shape shape = new Shape(batch, c.inputDimension());
        Engine.getInstance().setRandomSeed((int) BenchConfig.SEED);
        switch (variant) {
            case "unconstrained":
                block = PlainMlp.build(c.inputDimension(), c.hidden(), 1, Cpa.leakyRelu());
                block.initialize(manager, DataType.FLOAT32, shape);
                break;
            case "folded":
            case "policed":
                PolicedMlp policed =
                        PolicedMlp.builder()
                                .setHidden(c.hidden())
                                .setOutputs(1)
                                .setRegion(Regions.simplex(c.inputDimension()))
                                .optActivation(Cpa.leakyRelu())
                                .build();
                policed.initialize(manager, DataType.FLOAT32, shape);
                block = variant.equals("policed") ? policed : Fold.block(policed, manager);
                break;
            default:
                throw new IllegalArgumentException(
                        "variant: '" + variant + "', expected unconstrained, folded or policed");
        }
        model.setBlock(block);
        store = new ParameterStore(manager, false);
        data = manager.newSubManager();
        x = c.inputs(data, batch);
        forward();
        arraysAfterSetup = liveArrays();
    }

    /** One forward of the batch, training = false, outside any gradient collector. */
    @Benchmark
    public float forward() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray out = block.forward(store, new NDList(x), false).singletonOrThrow();
            return out.getFloat(0, 0);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        int live = liveArrays();
        try {
            if (live != arraysAfterSetup) {
                throw new IllegalStateException(
                        "arrays leaked: " + arraysAfterSetup + " live after setup, " + live + " now");
            }
        } finally {
            model.close();
        }
    }

    private int liveArrays() {
        return model.getNDManager().getManagedArrays().size();
    }
}
