package org.police4j.guarantee;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.police4j.conv.PolicedConvNet;
import org.police4j.conv.Stage;
import org.police4j.engine.Cpa;
import org.police4j.engine.Join;
import org.police4j.engine.PoolWindows;
import org.police4j.region.Box;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;

/**
 * One random case of the architecture battery, drawn from a seed alone: a small network built
 * through {@link PolicedConvNet}'s stages (dense MLPs, and CNNs with convs of any kernel, stride,
 * padding, dilation and groups, batch-norm, tiling, overlapping and padded max-pools, average
 * pools with ceil mode, global average pool or flatten, a dense head; graphs: residual units with
 * an identity or a projection shortcut, an overlapping max-pool or an average pool in a branch, and
 * concatenations,
 * dense or convolutional), its region or two (vertex regions
 * spanned by a few random inputs, or a box small enough to list its corners), the scale of its
 * inputs (1, 1000 or 1e-3) and a few AdamW steps, the network checked after every one. {@link
 * RandomCase} is the MLP battery's generator; this one varies the architecture, so its networks
 * are small (the exact checks cost points x multiply-adds BigDecimal operations).
 *
 * @param seed the seed this case was drawn from (also seeds the engine, the data and the shapes)
 * @param architecture what the network is made of, for reports
 * @param input the input shape (C, H, W)
 * @param stages the stages, in order (the head excluded)
 * @param outputs the head's width, or without head the width of the last stage's vector
 * @param head whether a linear head follows the stages (else the outputs are the last stage's:
 *     a global average pool, or a last dense layer with its activation)
 * @param activation the activation
 * @param regions the regions (one, or in a quarter of the vertex cases with one kink at 0, two apart)
 * @param scale the scale of the inputs and of the regions
 * @param learningRate AdamW's learning rate
 * @param steps AdamW steps; the network is checked before the first and after every one
 */
public record RandomGraphCase(
        long seed,
        String architecture,
        int[] input,
        List<Stage> stages,
        int outputs,
        boolean head,
        Cpa activation,
        List<Region> regions,
        double scale,
        double learningRate,
        int steps) {

    /** The input scales every third case cycles through. */
    static final double[] SCALES = {1, 1000, 1e-3};

    /**
     * Draws the case of {@code seed}.
     *
     * @param seed any long
     * @return the case
     */
    public static RandomGraphCase draw(long seed) {
        Random rng = new Random(seed);
        double scale = SCALES[(int) Math.floorMod(seed, 3L)];
        boolean box = rng.nextInt(4) == 0;
        boolean dense = rng.nextInt(4) == 0;
        List<Stage> stages = new ArrayList<>();
        int[] input;
        String architecture;
        boolean maxPool = false;
        // the features added for the zoo (issue 20: pools after a join and first in a branch,
        // linear conv chains, no head) draw from their own stream
        Random zoo = new Random(seed ^ 0x200L);
        boolean head = true;
        int lastWidth = -1;
        if (dense) {
            int d = box ? 2 + rng.nextInt(5) : 2 + rng.nextInt(10);
            input = new int[] {1, 1, d};
            stages.add(new Stage.Flatten());
            int depth = 1 + rng.nextInt(3);
            List<String> parts = new ArrayList<>(List.of("mlp"));
            for (int l = 0; l < depth; l++) {
                int width = 2 + rng.nextInt(7);
                stages.add(new Stage.Dense(width));
                int graph = rng.nextInt(4);
                if (graph == 0) {
                    stages.add(new Stage.Parallel(List.of(
                            List.of(new Stage.Dense(2 + rng.nextInt(5)), new Stage.Dense(width), new Stage.Linear()),
                            List.of()), Join.SUM, true));
                    parts.add("residual");
                } else if (graph == 1) {
                    stages.add(new Stage.Parallel(List.of(
                            List.of(new Stage.Dense(1 + rng.nextInt(4))),
                            List.of(new Stage.Dense(1 + rng.nextInt(4)), new Stage.Dense(1 + rng.nextInt(4)))),
                            Join.CONCAT, false));
                    parts.add("concat");
                }
            }
            architecture = String.join("-", parts);
        } else {
            input = box ? new int[] {1, 3, 3} : new int[] {1 + rng.nextInt(2), 5 + rng.nextInt(3), 5 + rng.nextInt(3)};
            int[] shape = input.clone();
            int convs = box ? 1 : 1 + rng.nextInt(2);
            List<String> parts = new ArrayList<>();
            for (int g = 0; g < convs; g++) {
                if (!box && zoo.nextInt(4) == 0) {
                    // a conv group left linear, then the next conv (MobileNetV2's linear bottleneck)
                    Stage.Conv linear = conv(zoo, shape);
                    stages.add(linear);
                    if (zoo.nextBoolean()) {
                        stages.add(new Stage.BatchNorm());
                    }
                    stages.add(new Stage.Linear());
                    shape = new int[] {linear.channels(), linear.outH(shape[1]), linear.outW(shape[2])};
                    parts.add("linear-conv");
                }
                Stage.Conv conv = conv(rng, shape);
                stages.add(conv);
                shape = new int[] {conv.channels(), conv.outH(shape[1]), conv.outW(shape[2])};
                parts.add("conv" + (conv.groups() > 1 ? "/g" + conv.groups() : "")
                        + (conv.dilationH() * conv.dilationW() > 1 ? "/d" : "") + (conv.strideH() * conv.strideW() > 1 ? "/s" : ""));
                if (rng.nextInt(5) < 2) {
                    stages.add(new Stage.BatchNorm());
                    parts.add("bn");
                }
                Stage.MaxPool pool = rng.nextBoolean() ? maxPool(rng, shape) : null;
                if (pool != null) {
                    stages.add(pool);
                    maxPool = true;
                    shape = new int[] {shape[0], PoolWindows.outLength(shape[1], pool.kernelH(), pool.strideH(), pool.padH(), false),
                            PoolWindows.outLength(shape[2], pool.kernelW(), pool.strideW(), pool.padW(), false)};
                    parts.add(pool.tiles() ? "maxpool" : "maxpool/overlap" + (pool.padH() + pool.padW() > 0 ? "/pad" : ""));
                }
                Stage.AvgPool avg = rng.nextInt(4) == 0 ? avgPool(rng, shape) : null;
                if (avg != null) {
                    stages.add(avg);
                    PoolWindows w = avg.windows(shape[0], shape[1], shape[2]);
                    shape = new int[] {shape[0], w.outH(), w.outW()};
                    parts.add("avgpool" + (avg.ceilMode() ? "/ceil" : ""));
                }
                int graph = rng.nextInt(4);
                if (graph == 0) {
                    // a residual unit keeping the shape: conv [bn] [overlapping padded max-pool of stride 1] conv, + identity
                    List<Stage> branch = new ArrayList<>();
                    branch.add(new Stage.Conv(2 + rng.nextInt(3), 3, 1, 1));
                    if (rng.nextBoolean()) {
                        branch.add(new Stage.BatchNorm());
                    }
                    if (rng.nextBoolean()) {
                        branch.add(new Stage.MaxPool(3, 3, 1, 1, 1, 1));
                        maxPool = true;
                        parts.add("graph-maxpool");
                    }
                    branch.add(new Stage.Conv(shape[0], 3, 1, 1));
                    branch.add(new Stage.Linear());
                    if (rng.nextBoolean()) {
                        branch.add(new Stage.AvgPool(3, 3, 1, 1, 1, 1, false, true)); // keeps the shape
                        parts.add("graph-avgpool");
                    }
                    stages.add(new Stage.Parallel(List.of(branch, List.of()), Join.SUM, true));
                    parts.add("residual");
                } else if (graph == 1) {
                    // a projection unit: conv conv linear + 1x1 conv linear, to new channels
                    int out = 2 + rng.nextInt(3);
                    stages.add(new Stage.Parallel(List.of(
                            List.of(new Stage.Conv(2 + rng.nextInt(3), 3, 1, 1), new Stage.Conv(out, 3, 1, 1), new Stage.Linear()),
                            List.of(new Stage.Conv(out, 1, 1, 0), new Stage.BatchNorm(), new Stage.Linear())), Join.SUM, true));
                    shape = new int[] {out, shape[1], shape[2]};
                    parts.add("residual");
                } else if (graph == 2) {
                    // an inception-like concatenation, each branch activated
                    int a = 1 + rng.nextInt(2);
                    int b = 1 + rng.nextInt(2);
                    List<List<Stage>> branches = new ArrayList<>(List.of(
                            List.of(new Stage.Conv(a, 1, 1, 0)), List.of(new Stage.Conv(b, 3, 1, 1))));
                    if (rng.nextBoolean()) {
                        branches.add(List.of(new Stage.Conv(1, 1, 1, 0), new Stage.MaxPool(3, 3, 1, 1, 1, 1)));
                        maxPool = true;
                        parts.add("graph-maxpool");
                        b++;
                    }
                    if (zoo.nextBoolean()) {
                        // GoogLeNet's fourth path: a max-pool of the block's input, then a 1x1 conv
                        branches.add(List.of(new Stage.MaxPool(3, 3, 1, 1, 1, 1), new Stage.Conv(1, 1, 1, 0)));
                        parts.add("pool-first-in-branch");
                        b++;
                    }
                    stages.add(new Stage.Parallel(branches, Join.CONCAT, false));
                    shape = new int[] {a + b, shape[1], shape[2]};
                    parts.add("concat");
                }
                Stage.MaxPool after = graph <= 2 && zoo.nextInt(3) == 0 ? maxPool(zoo, shape) : null;
                if (after != null) {
                    // a max-pool of the joined values as they are (SqueezeNet's after a fire module)
                    stages.add(after);
                    shape = new int[] {shape[0], PoolWindows.outLength(shape[1], after.kernelH(), after.strideH(), after.padH(), false),
                            PoolWindows.outLength(shape[2], after.kernelW(), after.strideW(), after.padW(), false)};
                    parts.add("pool-after-join" + (after.tiles() ? "" : "/overlap"));
                }
            }
            head = zoo.nextInt(4) != 0;
            if (rng.nextBoolean() || !head) {
                stages.add(new Stage.GlobalAvgPool());
                parts.add("gap");
            } else {
                stages.add(new Stage.Flatten());
            }
            lastWidth = shape[0];
            if (rng.nextBoolean()) {
                lastWidth = 2 + rng.nextInt(5);
                stages.add(new Stage.Dense(lastWidth));
                parts.add("dense");
            }
            if (!head) {
                parts.add("no-head"); // NiN: the outputs are the last stage's vector
            }
            architecture = String.join("-", parts);
        }
        Cpa activation = activation(rng, maxPool);
        int outputs = head ? 1 + rng.nextInt(2) : lastWidth;
        int d = input[0] * input[1] * input[2];
        // several kinks (or a kink away from 0) take one region, as PolicedNetwork documents
        int count = box || !activation.singleKinkAtZero() || rng.nextInt(4) != 0 ? 1 : 2;
        List<Region> regions = new ArrayList<>();
        for (int r = 0; r < count; r++) {
            double[] centre = new double[d];
            for (int j = 0; j < d; j++) {
                centre[j] = scale * (rng.nextGaussian() + 3 * r);
            }
            if (box) {
                double[] radii = new double[d];
                for (int j = 0; j < d; j++) {
                    radii[j] = scale * (0.05 + 0.3 * rng.nextDouble());
                }
                regions.add(Box.of(centre, radii));
            } else {
                int p = 2 + rng.nextInt(3);
                double spread = 0.1 + rng.nextDouble();
                double[][] v = new double[p][d];
                for (double[] row : v) {
                    for (int j = 0; j < d; j++) {
                        row[j] = centre[j] + spread * scale * rng.nextGaussian();
                    }
                }
                regions.add(VertexRegion.of("spanned by " + p + " inputs", v));
            }
        }
        double learningRate = Math.pow(10, -3 + 2 * rng.nextDouble());
        int steps = 3 + rng.nextInt(3);
        return new RandomGraphCase(seed, architecture, input, List.copyOf(stages), outputs, head, activation,
                List.copyOf(regions), scale, learningRate, steps);
    }

    /** A conv that fits the map: kernel 1..3 per axis, stride 1..2, padding up to half, dilation 1..2, groups. */
    private static Stage.Conv conv(Random rng, int[] shape) {
        int inC = shape[0];
        int channels = 2 + rng.nextInt(3);
        int groups = 1;
        if (rng.nextInt(3) == 0) {
            int g = inC;
            if (channels % g == 0) {
                groups = g; // depthwise-like when channels == inC
            } else if (inC % 2 == 0) {
                channels = 2 * (1 + rng.nextInt(2));
                groups = 2;
            }
        }
        int[] k = new int[2];
        int[] s = new int[2];
        int[] p = new int[2];
        int[] dil = new int[2];
        for (int a = 0; a < 2; a++) {
            int n = shape[1 + a];
            do {
                k[a] = 1 + rng.nextInt(3);
                dil[a] = k[a] > 1 && rng.nextInt(4) == 0 ? 2 : 1;
                p[a] = rng.nextInt(k[a] / 2 + 1);
                s[a] = rng.nextInt(4) == 0 ? 2 : 1;
            } while ((n + 2 * p[a] - dil[a] * (k[a] - 1) - 1) / s[a] + 1 < 2);
        }
        return new Stage.Conv(channels, k[0], k[1], s[0], s[1], p[0], p[1], dil[0], dil[1], groups);
    }

    /** A max-pool that fits: tiling 2x2, or overlapping 3/2 or 2/1 windows, sometimes padded. */
    private static Stage.MaxPool maxPool(Random rng, int[] shape) {
        int kind = rng.nextInt(3);
        int k = kind == 0 ? 2 : kind == 1 ? 3 : 2;
        int s = kind == 0 ? 2 : kind == 1 ? 2 : 1;
        int pad = kind > 0 && rng.nextBoolean() ? 1 : 0;
        if (shape[1] + 2 * pad < k || shape[2] + 2 * pad < k) {
            return null;
        }
        return new Stage.MaxPool(k, k, s, s, pad, pad);
    }

    /** An average pool that fits: window 2..3, stride 1..2, padding up to half, ceil mode sometimes. */
    private static Stage.AvgPool avgPool(Random rng, int[] shape) {
        int k = 2 + rng.nextInt(2);
        int s = 1 + rng.nextInt(2);
        int pad = rng.nextInt(k / 2 + 1);
        if (shape[1] + 2 * pad < k || shape[2] + 2 * pad < k) {
            return null;
        }
        return new Stage.AvgPool(k, k, s, s, pad, pad, rng.nextBoolean(), true);
    }

    /**
     * ReLU, leaky-ReLU (0.01 or 0.2), ReLU6, hard-tanh or, without max-pools (which need a
     * non-decreasing one), abs.
     */
    private static Cpa activation(Random rng, boolean maxPool) {
        switch (rng.nextInt(maxPool ? 5 : 6)) {
            case 0:
                return Cpa.relu();
            case 1:
                return Cpa.leakyRelu();
            case 2:
                return Cpa.leakyRelu(0.2);
            case 3:
                return Cpa.relu6();
            case 4:
                return Cpa.hardTanh();
            default:
                return Cpa.abs();
        }
    }

    /**
     * {@return the POLICEd network of this case, not yet initialised}
     */
    public PolicedConvNet build() {
        PolicedConvNet.Builder b = PolicedConvNet.builder().setInput(input[0], input[1], input[2]);
        for (Stage s : stages) {
            b.add(s);
        }
        if (head) {
            b.outputs(outputs);
        } else {
            b.withoutHead();
        }
        return b.optActivation(activation).setRegions(regions).build();
    }

    /** {@return the input dimension C * H * W} */
    public int d() {
        return input[0] * input[1] * input[2];
    }

    /** A one-line description that, with the seed, reproduces the case. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "seed=%d arch=%s input=%s stages=%s K=%d%s act=%s regions=%s scale=%g lr=%.3g steps=%d",
                seed, architecture, Arrays.toString(input), stages, outputs, head ? "" : " (no head)", activation.id(),
                regions.stream().map(Region::describe).toList(), scale,
                learningRate, steps);
    }
}
