package org.police4j.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
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
import org.police4j.nn.PlainMlp;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Regions;
import org.police4j.train.LossKind;

/**
 * Table 1 of the paper: the time of one training step, POLICEd vs unconstrained, N = 1024.
 *
 * <p>One invocation = zero the gradients + forward + MSE loss + backward, what the paper times;
 * the optimizer step is not timed (and not run: the weights stay fixed, so every invocation does
 * the same work). Zeroing is needed because DJL's PyTorch {@link GradientCollector} does not zero
 * anything: {@code backward} accumulates into each parameter's {@code .grad} exactly like
 * PyTorch's {@code loss.backward()}, and {@code GradientCollector.zeroGradients()} only visits
 * arrays of the engine's system manager, not a model's parameters. DJL's optimizers zero the
 * gradients after their update; here each parameter's gradient is zeroed in place ({@code
 * g.subi(g)}, what DJL itself does) at the start of the invocation, like the paper's {@code
 * zero_grad()} inside its timed region. Memory is then flat: the gradient buffers are allocated
 * once, and every array an invocation creates is closed by its {@link NDScope}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {
            "-Xms1g",
            "-Xmx4g",
            // one PyTorch thread: see docs/DETERMINISM.md; override with -jvmArgsAppend
            "-Dai.djl.pytorch.num_threads=1",
            "-Dai.djl.pytorch.num_interop_threads=1",
            // DJL's usage tracking would otherwise send an HTTP request at engine start
            "-DOPT_OUT_TRACKING=true"
        })
public class TrainStepBenchmark {

    /** D:L:W, the settings of the paper's Table 1. */
    @Param({"2:2:256", "2:4:64", "784:2:1024", "784:8:1024", "2:4:4096", "3072:6:4096"})
    public String config;

    @Param({"unconstrained", "policed", "detached"})
    public String variant;

    private Model model;
    private Trainer trainer;
    private Loss loss;
    private NDManager data;
    private NDArray x;
    private NDArray y;
    private List<NDArray> weights;
    private int arraysAfterSetup;

    @Setup(Level.Trial)
    public void setUp() {
        BenchConfig.checkEnvironment();
        BenchConfig c = BenchConfig.parse(config);
        Block block;
        switch (variant) {
            case "unconstrained":
                block = PlainMlp.build(c.inputDimension(), c.hidden(), 1, Cpa.leakyRelu());
                break;
            case "policed":
            case "detached":
                block =
                        PolicedMlp.builder()
                                .setHidden(c.hidden())
                                .setOutputs(1)
                                .setRegion(Regions.simplex(c.inputDimension()))
                                .optActivation(Cpa.leakyRelu())
                                .optDetachedShift(variant.equals("detached"))
                                .build();
                break;
            default:
                throw new IllegalArgumentException(
                        "variant: '" + variant + "', expected unconstrained, policed or detached");
        }
        model = Model.newInstance("train-" + variant);
        model.setBlock(block);
        loss = LossKind.MSE.toDjl();
        trainer = model.newTrainer(new DefaultTrainingConfig(loss));
        Engine.getInstance().setRandomSeed((int) BenchConfig.SEED);
        trainer.initialize(new Shape(BenchConfig.BATCH, c.inputDimension()));
        weights = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            weights.add(p.getValue().getArray());
        }
        data = model.getNDManager().newSubManager();
        x = c.inputs(data, BenchConfig.BATCH);
        y = BenchConfig.targets(x);
        // One step outside the timing: the gradients must exist and be finite.
        step();
        NDArray g = weights.get(0).getGradient();
        float norm = g.abs().sum().getFloat();
        if (!Float.isFinite(norm) || norm == 0f) {
            throw new IllegalStateException("first-layer gradient is " + norm + " after one step");
        }
        arraysAfterSetup = liveArrays();
    }

    /** One timed invocation: zero-grad + forward + loss + backward. */
    @Benchmark
    public float step() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (NDArray w : weights) {
                NDArray g = w.getGradient();
                g.subi(g);
            }
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray out = trainer.forward(new NDList(x)).singletonOrThrow();
                NDArray l = loss.evaluate(new NDList(y), new NDList(out));
                gc.backward(l);
                return l.getFloat();
            }
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
            trainer.close();
            model.close();
        }
    }

    private int liveArrays() {
        return model.getNDManager().getManagedArrays().size();
    }
}
