package org.police4j.wrap;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.conv.PolicedConvNet;
import org.police4j.network.DoubleEval;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.VertexRegion;
import org.police4j.testing.InputRegions;

/**
 * The evidence of issue 20 items 2-3 (not a unit test: a measurement, run by hand with one PyTorch
 * thread): LeNet with ReLU, a NiN/AlexNet-style network with overlapping max-pools and a
 * MobileNet-style depthwise block on 1 x 28 x 28, each POLICEd by {@code Policed.wrap} on the
 * simplex spanned by three images, and DJL's zoo MobileNetV1 as shipped (width x0.25): steps
 * trained, certificate, fold max |diff|, DJL save/load, and the step cost POLICEd / plain (medians
 * over the same run). Argument {@code styles} or {@code zoo} runs one half.
 */
public final class ArchitectureEvidence {

    private ArchitectureEvidence() {}

    static SequentialBlock lenet() {
        return AveragePoolingTest.lenetRelu(6, 16, 120, 84, 10);
    }

    static SequentialBlock nin() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).setFilters(8).build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(8).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2)))
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(16).optPadding(new Shape(1, 1)).build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)))
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(10).build())
                .add(Activation.reluBlock())
                .add(Pool.globalAvgPool2dBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    static SequentialBlock mobilenet() {
        return new SequentialBlock()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).optStride(new Shape(2, 2))
                        .optPadding(new Shape(1, 1)).optBias(false).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).optGroups(8)
                        .optPadding(new Shape(1, 1)).optBias(false).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(16).optBias(false).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(16).optGroups(16)
                        .optStride(new Shape(2, 2)).optPadding(new Shape(1, 1)).optBias(false).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(32).optBias(false).build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.globalAvgPool2dBlock())
                .add(Linear.builder().setUnits(10).build());
    }

    /**
     * Runs the three networks and prints one line each.
     *
     * @param args ignored
     * @throws Exception on an I/O failure
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("styles")) {
            run("LeNet (ReLU)", ArchitectureEvidence::lenet);
            run("NiN-style (max-pool 3/2, 3/2/1)", ArchitectureEvidence::nin);
            run("MobileNet-style (depthwise)", ArchitectureEvidence::mobilenet);
        }
        if (args.length == 0 || args[0].equals("zoo")) {
            run("zoo MobileNetV1 (width x0.25)", () -> (SequentialBlock) ai.djl.basicmodelzoo.cv.classification.MobileNetV1
                    .builder().optWidthMultiplier(0.25f).setOutSize(10).build());
        }
    }

    static void run(String name, Supplier<SequentialBlock> network) throws Exception {
        int n = 32;
        int d = 28 * 28;
        Shape input = new Shape(1, 28, 28);
        float[] data = InputRegions.grid64(n, d, 21);
        float[] labels = new float[n];
        Random rng = new Random(4);
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(10);
        }
        double[][] v = new double[3][d];
        for (int p = 0; p < 3; p++) {
            for (int j = 0; j < d; j++) {
                v[p][j] = data[p * d + j];
            }
        }
        VertexRegion region = VertexRegion.of("three images", v);
        PolicedConvNet net;
        try {
            net = (PolicedConvNet) Policed.wrap(network.get(), region, input);
        } catch (IllegalArgumentException e) {
            System.out.println(name + ": refused: " + e.getMessage());
            return;
        }
        int steps = 12;
        double[] policed = new double[steps];
        double[] plain = new double[steps];
        Path dir = Files.createTempDirectory("evidence");
        String file = name.replaceAll("[^A-Za-z0-9]+", "-");
        try (Model model = Model.newInstance(file); Model plainModel = Model.newInstance(file + "-plain")) {
            Engine.getInstance().setRandomSeed(9);
            model.setBlock(net);
            SequentialBlock user = network.get();
            plainModel.setBlock(user);
            NDManager manager = model.getNDManager();
            NDArray x = manager.create(data, new Shape(n).addAll(input));
            NDArray y = manager.create(labels);
            float[] losses = new float[steps];
            try (Trainer t = trainer(model, input); Trainer tp = trainer(plainModel, input)) {
                for (int s = 0; s < steps; s++) { // alternate, so both see the same machine load
                    losses[s] = step(t, x, y);
                    policed[s] = last;
                    step(tp, x, y);
                    plain[s] = last;
                }
            }
            long c0 = System.nanoTime();
            Certificate cert = Certify.policed(net);
            double certSeconds = (System.nanoTime() - c0) / 1e9;
            FoldedNetwork folded = net.fold();
            ParameterStore ps = new ParameterStore(manager, false);
            float[] out = net.forward(ps, new NDList(x), false).head().toFloatArray();
            double diff = 0;
            for (int i = 0; i < n; i++) {
                double[] xi = new double[d];
                for (int j = 0; j < d; j++) {
                    xi[j] = data[i * d + j];
                }
                double[] f = DoubleEval.evaluate(folded, xi);
                for (int k = 0; k < 10; k++) {
                    diff = Math.max(diff, Math.abs(f[k] - out[i * 10 + k]));
                }
            }
            model.save(dir, file);
            PolicedConvNet fresh = (PolicedConvNet) Policed.wrap(network.get(), region, input);
            boolean same;
            try (Model again = Model.newInstance(file)) {
                again.setBlock(fresh);
                again.load(dir, file);
                same = Arrays.equals(fresh.forward(ps, new NDList(x), false).head().toFloatArray(), out);
            }
            Certificate userCert = Certify.plain(user, region, input, Certify.Options.defaults());
            double[] ratio = new double[steps - 2];
            for (int s = 2; s < steps; s++) {
                ratio[s - 2] = policed[s] / plain[s];
            }
            System.out.println(String.format(Locale.ROOT,
                    "%s: accepted; %d steps, loss %.4f -> %.4f; certified=%s (%s, %d units, %.1f s); fold max|diff| %.2e;"
                            + " DJL save/load identical=%s; Certify.plain on the plain trained net: %s;"
                            + " step ms POLICEd median %.1f [%.1f-%.1f], plain %.1f [%.1f-%.1f], ratio median %.2f [%.2f-%.2f]",
                    name, steps, losses[0], losses[steps - 1], cert.certified(), cert.kind(), cert.unitsChecked(),
                    certSeconds, diff, same, userCert.certified() ? "certified" : "not certified",
                    median(policed, 2), min(policed, 2), max(policed, 2), median(plain, 2), min(plain, 2), max(plain, 2),
                    median(ratio, 0), min(ratio, 0), max(ratio, 0)));
        }
    }

    private static double last;

    private static Trainer trainer(Model model, Shape input) {
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.001f)).build();
        Trainer t = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()).optOptimizer(adam));
        t.initialize(new Shape(1).addAll(input));
        return t;
    }

    private static float step(Trainer t, NDArray x, NDArray y) {
        long s = System.nanoTime();
        float l;
        try (GradientCollector gc = t.newGradientCollector()) {
            NDArray out = t.forward(new NDList(x)).singletonOrThrow();
            NDArray loss = t.getLoss().evaluate(new NDList(y), new NDList(out));
            l = loss.getFloat();
            gc.backward(loss);
        }
        t.step();
        last = (System.nanoTime() - s) / 1e6;
        return l;
    }

    private static double median(double[] a, int from) {
        double[] b = Arrays.copyOfRange(a, from, a.length);
        Arrays.sort(b);
        return b.length % 2 == 1 ? b[b.length / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
    }

    private static double min(double[] a, int from) {
        return Arrays.stream(a, from, a.length).min().orElse(Double.NaN);
    }

    private static double max(double[] a, int from) {
        return Arrays.stream(a, from, a.length).max().orElse(Double.NaN);
    }

}
