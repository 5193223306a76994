package org.police4j.wrap;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.Cpa;
import org.police4j.nn.ActivationProbe;
import org.police4j.nn.LinearBatchNorm;
import org.police4j.nn.RefusalHint;
import org.police4j.conv.PolicedConvNet;
import org.police4j.conv.Stage;
import org.police4j.engine.Join;
import org.police4j.region.Region;

/**
 * Reads a user's conv {@link SequentialBlock} into a {@link PolicedConvNet}: conv groups
 * {@code Conv2d [BatchNorm] (activation, max-pool in either order)}, then a flatten or global
 * average pooling, then {@code Linear, activation, ..., Linear}; on 1-D inputs (C, L) the same
 * with {@code Conv1d} and 1-D pooling, read as the 2-D network on (C, 1, L) (a Conv1d weight
 * (C', C, k) is copied as (C', C, 1, k)). Parameterless blocks are judged by
 * what they compute ({@link ConvProbe}, {@link ActivationProbe}), never by their names. When the
 * user's blocks are initialised their parameters are copied, so the wrapper computes the user's
 * function up to the POLICE shifts; see {@link Policed#wrap(SequentialBlock, org.police4j.region.Region,
 * Shape, double)} for the table of what is accepted.
 */
final class ConvWrap {

    /** One item of the user's network, in order. */
    private sealed interface Item {}

    private record ConvItem(Convolution conv, Stage.Conv stage) implements Item {}

    private record NormItem(BatchNorm norm, String where, Stage.BatchNorm stage) implements Item {}

    private record PoolItem(ConvProbe.MaxPool pool) implements Item {}

    private record ReshapeItem(Stage stage) implements Item {}

    /** The conv group or dense layer before it has no activation (ResNet's conv-BN before its add). */
    private record LinearItem() implements Item {}

    /** A ParallelBlock: its branches' items, its join, and whether the activation follows it. */
    private static final class ParallelItem implements Item {
        final List<List<Item>> branches;
        final Join join;
        boolean activated;

        ParallelItem(List<List<Item>> branches, Join join, boolean activated) {
            this.branches = branches;
            this.join = join;
            this.activated = activated;
        }
    }

    /** A Linear, maybe replaced by its fold with a following batch-norm. */
    private static final class DenseItem implements Item {
        Linear linear;
        final int units;
        boolean activated;
        boolean leftLinear; // a hidden layer left without activation (before a ParallelBlock or at a branch's end)

        DenseItem(Linear linear, int units) {
            this.linear = linear;
            this.units = units;
        }
    }

    private ConvWrap() {}

    /** Refuses Conv3d and other convolutions than Conv1d and Conv2d, naming the first one's position. */
    static void refuseOtherConvs(SequentialBlock network) {
        List<Block> blocks = new ArrayList<>();
        List<String> positions = new ArrayList<>();
        flatten(network, "", blocks, positions);
        for (int i = 0; i < blocks.size(); i++) {
            Block block = blocks.get(i);
            if (block instanceof Convolution && !(block instanceof Conv2d) && !(block instanceof Conv1d)) {
                throw new IllegalArgumentException("network block " + positions.get(i) + " (" + describe(block)
                        + ") is refused: " + otherConv(block, false));
            }
        }
    }

    /** Whether the network's convolutions are Conv1d (else Conv2d; mixtures are refused by {@link #wrap}). */
    static boolean oneDimensional(List<Block> blocks) {
        return blocks.stream().filter(b -> b instanceof Convolution).findFirst().orElse(null) instanceof Conv1d;
    }

    /** Why a convolution of the wrong kind is refused here. */
    private static String otherConv(Block block, boolean oneD) {
        if (block instanceof Conv1d) {
            return "a Conv1d works on 1-D inputs (N, C, L); pass inputShape (C, L) and use Conv1d throughout";
        }
        if (block instanceof Conv2d) {
            return "a Conv2d on 1-D inputs (C, L); use Conv1d throughout, or pass inputShape (C, H, W) for images";
        }
        return "a " + block.getClass().getSimpleName() + " has no counterpart in PolicedConvNet, whose convolutions"
                + " are 2-D (Conv2d) or 1-D (Conv1d); its dimension would need " + (oneD ? "(C, L)" : "(C, H, W)")
                + " inputs";
    }

    /**
     * Reads the network for inputs (C, H, W), or (C, L) when {@code oneD} (then {@code h} is 1).
     */
    static PolicedConvNet wrap(
            SequentialBlock network, List<? extends Region> regions, int c, int h, int w, boolean oneD, double margin) {
        return wrap(network, regions, c, h, w, oneD, margin, false);
    }

    /**
     * Reads a dense network with ParallelBlocks (a residual MLP) as the conv network on (1, 1, D)
     * that flattens first: the one front door of graphs.
     */
    static PolicedConvNet wrapDense(SequentialBlock network, List<? extends Region> regions, double margin) {
        return wrap(network, regions, 1, 1, regions.get(0).dimension(), false, margin, true);
    }

    private static PolicedConvNet wrap(
            SequentialBlock network, List<? extends Region> regions, int c, int h, int w, boolean oneD, double margin,
            boolean vectors) {
        List<Block> blocks = new ArrayList<>();
        List<String> positions = new ArrayList<>();
        flatten(network, "", blocks, positions);
        Shared shared = new Shared(oneD);
        Reader reader = new Reader(shared, c, h, w);
        if (vectors) {
            reader.items.add(new ReshapeItem(new Stage.Flatten()));
            reader.vector = c * h * w;
        }
        reader.read(blocks, positions);
        List<Item> items = reader.items;
        List<Block> pending = reader.pending;
        DenseItem dense = reader.dense;
        Cpa activation = shared.activation;
        if (!pending.isEmpty()) {
            int i = blocks.indexOf(pending.get(0));
            throw new IllegalArgumentException("network block " + positions.get(i) + " (Dropout) is refused: it"
                    + " comes after the last layer and would act on the outputs");
        }
        boolean head = dense != null && !dense.activated;
        if (!head) {
            // no Linear head (NiN, MobileNetV2): the outputs are the last layer's values
            if (reader.convOpen && !reader.groupAct) {
                reader.closeLinear();
            }
            if (reader.vector < 0) {
                throw new IllegalArgumentException("network: ends with a (" + reader.mc + ", " + reader.mh + ", "
                        + reader.mw + ") feature map; expected the outputs as a vector: end with a flatten, a global"
                        + " average pooling or a Linear head");
            }
        }
        if (activation == null) {
            throw new IllegalArgumentException("network: no activation in any block; such a network is affine"
                    + " everywhere and needs no POLICE (add ReLU, leaky-ReLU, abs, ReLU6 or hard-tanh where it should"
                    + " be nonlinear)");
        }
        if (shared.poolWhere != null && !activation.nonDecreasing()) {
            throw new IllegalArgumentException(shared.poolWhere + " is refused with " + activation.id() + ": POLICE pools the"
                    + " pre-activations, which equals pooling the activations only for a non-decreasing activation;"
                    + " use relu, leaky_relu, relu6 or hardtanh");
        }
        PolicedConvNet net = build(items, head, shared.dropouts, activation, regions, c, h, w, oneD, margin);
        copyParameters(net, items, shared.parametered);
        return net;
    }

    /** What the readers of the main chain and of every branch share. */
    private static final class Shared {
        final boolean oneD;
        final List<List<Block>> dropouts = new ArrayList<>(); // per conv/dense layer, in order
        final List<Block> parametered = new ArrayList<>();
        Cpa activation;
        String poolWhere;

        Shared(boolean oneD) {
            this.oneD = oneD;
        }

        /** The one activation of the network: the first seen, then every other must equal it. */
        void activation(Cpa cpa, String where) {
            if (activation != null && !activation.equals(cpa)) {
                throw new IllegalArgumentException(where + ": activation " + cpa.id() + " differs from the earlier "
                        + activation.id() + "; police4j needs one activation for all hidden layers");
            }
            activation = cpa;
        }
    }

    /**
     * Reads a chain of blocks (the network, or one branch of a ParallelBlock, recursively) into
     * items, keeping the shape and the open conv group or dense layer.
     */
    private static final class Reader {
        final Shared shared;
        final List<Item> items = new ArrayList<>();
        final List<Block> pending = new ArrayList<>();
        // shape: a map (mc, mh, mw) while vector < 0, else a vector of that length
        int mc;
        int mh;
        int mw;
        int vector = -1;
        // the open conv group: conv seen, with which of batch-norm, pool and activation after it
        boolean convOpen;
        boolean groupNorm;
        boolean groupPool;
        boolean groupAct;
        String groupWhere;
        DenseItem dense; // the last Linear while its activation may still follow
        ParallelItem join; // the last ParallelBlock while its activation may still follow
        boolean joinPooled; // a max-pool stands between that ParallelBlock and the block being read
        int gapH; // the map a global average pool just averaged (rows, columns), for a reshape back
        int gapW;

        Reader(Shared shared, int c, int h, int w) {
            this.shared = shared;
            this.mc = c;
            this.mh = h;
            this.mw = w;
        }

        /** The shape of one item here: (C, H, W), (C, L) in 1-D, or (D). */
        Shape shape() {
            if (vector >= 0) {
                return new Shape(vector);
            }
            return shared.oneD ? new Shape(mc, mw) : new Shape(mc, mh, mw);
        }

        /**
         * Leaves the open conv group or dense layer linear when it has no activation: before a
         * ParallelBlock or at a branch's end.
         */
        void closeLinear() {
            if (convOpen && !groupAct) {
                items.add(new LinearItem());
            } else if (dense != null && !dense.activated) {
                dense.leftLinear = true;
                items.add(new LinearItem());
            }
            convOpen = false;
            dense = null;
            join = null;
        }

        /** A row flatten of the (C, H, W) map: the values that follow are a vector. */
        private void flattenMap() {
            toVector(new Stage.Flatten(), mc * mh * mw);
        }

        /** A stage that turns the (C, H, W) map into a vector of {@code values} (a flatten, a global average). */
        private void toVector(Stage stage, int values) {
            if (convOpen && !groupAct) {
                closeLinear();
            }
            convOpen = false;
            join = null;
            items.add(new ReshapeItem(stage));
            gapH = mh;
            gapW = mw;
            vector = values;
        }

        /** A max-pooling: of the open conv group's pre-activations, or of the values as they are. */
        private void maxPool(ConvProbe.MaxPool pool, String where) {
            if (convOpen && !groupPool) {
                // in the conv group: POLICE pools its pre-activations
                items.add(new PoolItem(pool));
                groupPool = true;
                shared.poolWhere = where;
            } else {
                // on the values as they are: after a join, first in a branch, after a pool
                if (convOpen && !groupAct) {
                    closeLinear();
                }
                convOpen = false;
                joinPooled = join != null;
                items.add(new PoolItem(pool));
            }
            mh = org.police4j.engine.PoolWindows.outLength(mh, pool.kernelH(), pool.strideH(), pool.padH(), pool.ceilMode());
            mw = org.police4j.engine.PoolWindows.outLength(mw, pool.kernelW(), pool.strideW(), pool.padW(), pool.ceilMode());
        }

        void read(List<Block> blocks, List<String> positions) {
            boolean oneD = shared.oneD;
            List<List<Block>> dropouts = shared.dropouts;
            List<Block> parametered = shared.parametered;
            for (int i = 0; i < blocks.size(); i++) {
                Block block = blocks.get(i);
                String where = "network block " + positions.get(i) + " (" + describe(block) + ")";
                if (block instanceof ParallelBlock parallel) {
                    refuseDropoutBefore(pending, positions, blocks, where);
                    parallel(parallel, positions.get(i), where);
                    continue;
                }
                if (block instanceof Dropout) {
                    pending.add(block);
                    continue;
                }
                if (block instanceof Convolution && !(oneD ? block instanceof Conv1d : block instanceof Conv2d)) {
                    throw new IllegalArgumentException(where + " is refused: " + otherConv(block, oneD));
                }
                if (block instanceof Convolution conv) {
                    join = null;
                    if (vector >= 0) {
                        throw new IllegalArgumentException(where + ": a " + describe(conv) + " after the map was flattened");
                    }
                    if (convOpen && !groupAct) {
                        closeLinear(); // a conv group without activation (MobileNetV2's linear bottleneck)
                    }
                    refuseDense(dense, where);
                    Stage.Conv stage = convStage(conv, mc, mh, mw, oneD, where);
                    items.add(new ConvItem(conv, stage));
                    parametered.add(conv);
                    dropouts.add(List.copyOf(pending));
                    pending.clear();
                    mc = stage.channels();
                    mh = stage.outH(mh);
                    mw = stage.outW(mw);
                    convOpen = true;
                    groupNorm = false;
                    groupPool = false;
                    groupAct = false;
                    groupWhere = where;
                    continue;
                }
                if (block instanceof Linear linear) {
                    join = null;
                    if (vector < 0) {
                        throw new IllegalArgumentException(where + ": a Linear on a (" + mc + ", " + mh + ", " + mw
                                + ") feature map; put a flatten (Blocks.batchFlattenBlock()) or a global average pooling"
                                + " before it");
                    }
                    if (dense != null && !dense.activated) {
                        throw new IllegalArgumentException(where + ": two Linear blocks in a row; their composition is"
                                + " affine, so merge them into one Linear or put an activation between");
                    }
                    int units = units(linear, vector, where);
                    dense = new DenseItem(linear, units);
                    items.add(dense);
                    parametered.add(linear);
                    dropouts.add(List.copyOf(pending));
                    pending.clear();
                    vector = units;
                    continue;
                }
                if (block instanceof BatchNorm norm) {
                    refuseDropoutBefore(pending, positions, blocks, where);
                    if (convOpen && !groupNorm && !groupPool && !groupAct) {
                        items.add(new NormItem(norm, where, BatchNormProbe.read(norm, mc, where)));
                        parametered.add(norm);
                        groupNorm = true;
                    } else if (dense != null && !dense.activated) {
                        dense.linear = LinearBatchNorm.fold(dense.linear, norm, where);
                    } else {
                        throw new IllegalArgumentException(where + " is refused: a BatchNorm is accepted only directly after"
                                + " a Conv2d (per channel) or a Linear (folded into it); here it would normalise"
                                + " something POLICE does not shift");
                    }
                    continue;
                }
                if (!block.getParameters().isEmpty()) {
                    throw new IllegalArgumentException(where + " is not supported; expected Conv2d (or Conv1d), BatchNorm, Linear,"
                            + " dropout and parameterless blocks (activations, max-pooling, flatten, global average or max pooling)"
                            + RefusalHint.of(block));
                }
                if (vector < 0 && ConvProbe.identity(block, mc, mh, mw, oneD)) {
                    continue;
                }
                if (vector < 0 && ConvProbe.flattens(block, mc, mh, mw, oneD)) {
                    flattenMap();
                    continue;
                }
                if (vector < 0 && ConvProbe.globalAvgPools(block, mc, mh, mw, oneD)) {
                    refuseDropoutBefore(pending, positions, blocks, where);
                    toVector(new Stage.GlobalAvgPool(), mc);
                    continue;
                }
                if (vector >= 0 && !oneD && ConvProbe.unflattens(block, vector)) {
                    // (N, C) back to (N, C, 1, 1): after a global average pooling, that pooling
                    // over one window of the whole map gives the same values as a (C, 1, 1) map;
                    // after a flatten (or an average) of a (C, 1, 1) map, nothing happened at all
                    refuseDropoutBefore(pending, positions, blocks, where);
                    Stage last = items.isEmpty() || !(items.get(items.size() - 1) instanceof ReshapeItem r) ? null
                            : r.stage();
                    boolean onePosition = gapH == 1 && gapW == 1;
                    if (!(last instanceof Stage.GlobalAvgPool || last instanceof Stage.Flatten && onePosition)) {
                        throw new IllegalArgumentException(where + " is refused: it reshapes the vector of " + vector
                                + " values into a (" + vector + ", 1, 1) map; accepted only directly after a global"
                                + " average pooling (as MobileNetV2 does before its last 1x1 conv) or a flatten of a"
                                + " (C, 1, 1) map");
                    }
                    if (onePosition) {
                        items.remove(items.size() - 1);
                    } else {
                        items.set(items.size() - 1, new ReshapeItem(
                                new Stage.AvgPool(gapH, gapW, gapH, gapW, 0, 0, false, true)));
                    }
                    mc = vector;
                    mh = 1;
                    mw = 1;
                    vector = -1;
                    continue;
                }
                ConvProbe.MaxPool pool = vector < 0 ? ConvProbe.maxPool(block, mc, mh, mw, oneD) : null;
                if (pool != null) {
                    refuseDropoutBefore(pending, positions, blocks, where);
                    maxPool(pool, where);
                    continue;
                }
                Shape globalMax = vector < 0 && mh * mw > 1 ? ConvProbe.globalMaxPool(block, mc, mh, mw, oneD) : null;
                if (globalMax != null) {
                    // one window, the whole map; then, for a (C) output, the flatten of a (C, 1, 1) map
                    refuseDropoutBefore(pending, positions, blocks, where);
                    maxPool(new ConvProbe.MaxPool(mh, mw, mh, mw, 0, 0, false), where);
                    if (globalMax.dimension() == 1) {
                        flattenMap();
                    }
                    continue;
                }
                Stage.AvgPool average = vector < 0 ? ConvProbe.avgPool(block, mc, mh, mw, oneD) : null;
                if (average != null) {
                    refuseDropoutBefore(pending, positions, blocks, where);
                    if (convOpen && !groupAct) {
                        throw new IllegalArgumentException(where + " is refused: average pooling between "
                                + groupWhere + " and its activation; the activation of an average is not the average"
                                + " of the activations, and POLICE's units are the conv's outputs: put the"
                                + " activation before the average pooling");
                    }
                    convOpen = false;
                    join = null;
                    items.add(new ReshapeItem(average));
                    org.police4j.engine.PoolWindows windows = average.windows(mc, mh, mw);
                    mh = windows.outH();
                    mw = windows.outW();
                    continue;
                }
                ActivationProbe.Finding finding = ActivationProbe.probe(block, where);
                if (finding == null) {
                    throw new IllegalArgumentException(where + " is not supported; expected Conv2d (or Conv1d), BatchNorm, max-pooling,"
                            + " flatten, global average or max pooling, Linear, dropout, identity and piecewise-affine"
                            + " activations (ReLU, leaky-ReLU, abs, ReLU6, hard-tanh, any with finitely many kinks)");
                }
                if (finding.identity()) {
                    continue;
                }
                refuseDropoutBefore(pending, positions, blocks, where);
                Cpa cpa = finding.cpa();
                shared.activation(cpa, where);
                if (join != null && !join.activated && (!joinPooled || cpa.nonDecreasing())) {
                    // after a max-pool that follows the join, the activation moves before the
                    // pool: equal for a non-decreasing activation
                    join.activated = true;
                    join = null;
                } else if (convOpen && !groupAct) {
                    groupAct = true;
                } else if (dense != null && !dense.activated && !convOpen) {
                    dense.activated = true;
                } else {
                    boolean afterReshape = !items.isEmpty() && items.get(items.size() - 1) instanceof ReshapeItem;
                    throw new IllegalArgumentException(where + ": an activation must follow a Conv2d, a Linear or a"
                            + " ParallelBlock, once" + (afterReshape ? "; here it follows a flatten or a global pooling"
                            + " of a map no activation followed: put it before that block (after a flatten it"
                            + " computes the same there, after a global max-pooling too when it is non-decreasing)"
                            : ""));
                }
            }
        }

        /** A ParallelBlock: each branch read from here, then its join probed. */
        void parallel(ParallelBlock block, String position, String where) {
            closeLinear();
            List<Block> children = block.getChildren().values();
            if (children.isEmpty()) {
                throw new IllegalArgumentException(where + " is refused: it has no branches");
            }
            List<List<Item>> branches = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            List<Reader> readers = new ArrayList<>();
            for (int b = 0; b < children.size(); b++) {
                Reader branch = new Reader(shared, mc, mh, mw);
                branch.vector = vector;
                List<Block> blocks = new ArrayList<>();
                List<String> positions = new ArrayList<>();
                Block child = children.get(b);
                if (child instanceof SequentialBlock seq) {
                    flatten(seq, position + "." + b + ".", blocks, positions);
                } else {
                    blocks.add(child);
                    positions.add(position + "." + b);
                }
                branch.read(blocks, positions);
                if (!branch.pending.isEmpty()) {
                    throw new IllegalArgumentException(where + " is refused: branch " + b + " ends with a Dropout;"
                            + " expected dropout directly before a Conv2d or Linear");
                }
                branch.closeLinear();
                branches.add(branch.items);
                shapes.add(branch.shape());
                readers.add(branch);
            }
            JoinProbe.Finding finding = JoinProbe.probe(block, shapes, where);
            if (finding.activation() != null) {
                shared.activation(finding.activation(), where);
            }
            Reader first = readers.get(0);
            if (finding.join() == Join.CONCAT) {
                for (Reader r : readers.subList(1, readers.size())) {
                    if (first.vector >= 0) {
                        first.vector += r.vector;
                    } else {
                        first.mc += r.mc;
                    }
                }
            }
            mc = first.mc;
            mh = first.mh;
            mw = first.mw;
            vector = first.vector;
            join = new ParallelItem(branches, finding.join(), finding.activation() != null);
            joinPooled = false;
            items.add(join);
        }
    }

    private static PolicedConvNet build(
            List<Item> items, boolean head, List<List<Block>> dropouts, Cpa activation, List<? extends Region> regions,
            int c, int h, int w, boolean oneD, double margin) {
        PolicedConvNet.Builder b = PolicedConvNet.builder().setRegions(regions).optActivation(activation).optMargin(margin);
        if (oneD) {
            b.setInput(c, w);
        } else {
            b.setInput(c, h, w);
        }
        for (Stage stage : stages(head ? items.subList(0, items.size() - 1) : items)) {
            b.add(stage);
        }
        if (head) {
            b.outputs(((DenseItem) items.get(items.size() - 1)).units);
        } else {
            b.withoutHead();
        }
        for (int l = 0; l < dropouts.size(); l++) {
            for (Block dropout : dropouts.get(l)) {
                b.optInputDropout(l, dropout);
            }
        }
        return b.build();
    }

    /** The stages of read items (the head excluded), a ParallelBlock's branches nested. */
    private static List<Stage> stages(List<Item> items) {
        List<Stage> stages = new ArrayList<>();
        for (Item item : items) {
            if (item instanceof ConvItem ci) {
                stages.add(ci.stage());
            } else if (item instanceof NormItem n) {
                stages.add(n.stage());
            } else if (item instanceof PoolItem p) {
                ConvProbe.MaxPool m = p.pool();
                stages.add(new Stage.MaxPool(m.kernelH(), m.kernelW(), m.strideH(), m.strideW(), m.padH(), m.padW(),
                        m.ceilMode()));
            } else if (item instanceof ReshapeItem r) {
                stages.add(r.stage());
            } else if (item instanceof LinearItem) {
                stages.add(new Stage.Linear());
            } else if (item instanceof ParallelItem p) {
                List<List<Stage>> branches = new ArrayList<>();
                for (List<Item> branch : p.branches) {
                    branches.add(stages(branch));
                }
                stages.add(new Stage.Parallel(branches, p.join, p.activated));
            } else {
                stages.add(new Stage.Dense(((DenseItem) item).units));
            }
        }
        return stages;
    }

    /**
     * Copies the user's parameters when every parametered block is initialised; leaves the
     * network to be initialised the DJL way when none is; refuses a mixture.
     */
    private static void copyParameters(PolicedConvNet net, List<Item> items, List<Block> parametered) {
        long initialised = parametered.stream().filter(Block::isInitialized).count();
        if (initialised == 0) {
            return;
        }
        if (initialised < parametered.size()) {
            Block first = parametered.stream().filter(x -> !x.isInitialized()).findFirst().orElseThrow();
            throw new IllegalArgumentException("network: some blocks are initialised and some are not (" + describe(first)
                    + " is not); initialise the whole network first, or none of it");
        }
        NDManager owner = parametered.get(0).getParameters().valueAt(0).getArray().getManager();
        long[] batch = new long[net.inputShape().length + 1];
        batch[0] = 1;
        for (int i = 0; i < net.inputShape().length; i++) {
            batch[i + 1] = net.inputShape()[i];
        }
        net.initialize(owner, DataType.FLOAT32, new Shape(batch));
        copy(net, items, new int[] {0, -1});
    }

    /** Copies the parameters of read items in the order the plan numbers its layers ({index, conv index}). */
    private static void copy(PolicedConvNet net, List<Item> items, int[] at) {
        for (Item item : items) {
            if (item instanceof ConvItem ci) {
                int convIndex = at[0]++;
                at[1] = convIndex;
                set(net, "conv" + convIndex + ".weight", ci.conv().getParameters().get("weight"));
                Parameter bias = ci.conv().getParameters().get("bias");
                if (bias != null) {
                    set(net, "conv" + convIndex + ".bias", bias);
                } else {
                    net.parameter("conv" + convIndex + ".bias").set(FloatBuffer.wrap(new float[ci.stage().channels()]));
                }
            } else if (item instanceof NormItem n) {
                for (String name : new String[] {"gamma", "beta", "runningMean", "runningVar"}) {
                    set(net, "bn" + at[1] + "." + name, n.norm().getParameters().get(name));
                }
                checkNorm(net, n, at[1]);
            } else if (item instanceof ParallelItem p) {
                for (List<Item> branch : p.branches) {
                    copy(net, branch, at);
                }
            } else if (item instanceof DenseItem d) {
                String name = d.activated || d.leftLinear ? "dense" + at[0]++ : "head";
                set(net, name + ".weight", d.linear.getParameters().get("weight"));
                Parameter bias = d.linear.getParameters().get("bias");
                if (bias != null) {
                    set(net, name + ".bias", bias);
                } else {
                    net.parameter(name + ".bias").set(FloatBuffer.wrap(new float[d.units]));
                }
            }
        }
    }

    private static void set(PolicedConvNet net, String name, Parameter from) {
        NDArray target = net.parameter(name);
        Shape shape = from == null ? null : from.getArray().getShape();
        Shape t = target.getShape();
        // a Conv1d weight (C', C, k) is the (C', C, 1, k) weight of the conv on (C, 1, L)
        boolean oneD = shape != null && shape.dimension() == 3 && t.dimension() == 4 && t.get(2) == 1
                && shape.equals(new Shape(t.get(0), t.get(1), t.get(3)));
        if (shape == null || !(shape.equals(t) || oneD)) {
            throw new IllegalArgumentException("network: parameter " + name + " has shape "
                    + (shape == null ? "none" : shape) + ", expected " + (t.dimension() == 4 && t.get(2) == 1
                            ? new Shape(t.get(0), t.get(1), t.get(3)) : t));
        }
        target.set(FloatBuffer.wrap(from.getArray().toType(DataType.FLOAT32, false).toFloatArray()));
    }

    /**
     * The user's batch-norm must be what PolicedConvNet computes in inference mode: per channel
     * (axis 1), with the epsilon {@link BatchNormProbe} read; checked on a random map.
     */
    private static void checkNorm(PolicedConvNet net, NormItem n, int index) {
        float[] g = net.parameter("bn" + index + ".gamma").toFloatArray();
        float[] b = net.parameter("bn" + index + ".beta").toFloatArray();
        float[] m = net.parameter("bn" + index + ".runningMean").toFloatArray();
        float[] v = net.parameter("bn" + index + ".runningVar").toFloatArray();
        int ch = g.length;
        try (NDManager probe = NDManager.newBaseManager()) {
            probe.getEngine().setRandomSeed(1);
            NDArray x = probe.randomUniform(-3f, 3f, new Shape(2, ch, 3, 3));
            float[] y;
            try {
                y = n.norm().forward(new ParameterStore(probe, false), new NDList(x), false).singletonOrThrow().toFloatArray();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(n.where() + " does not run on the conv's (N, C, H, W) output: " + e.getMessage(), e);
            }
            float[] xs = x.toFloatArray();
            for (int i = 0; i < y.length; i++) {
                int k = (i / 9) % ch;
                double expected = g[k] * (xs[i] - m[k]) / Math.sqrt(v[k] + n.stage().epsilon()) + b[k];
                if (Math.abs(y[i] - expected) > 1e-4 * (1 + Math.abs(expected))) {
                    throw new IllegalArgumentException(n.where() + " is not a per-channel batch-norm (axis 1, epsilon "
                            + n.stage().epsilon() + ") in inference mode: channel " + k + ", f(" + xs[i] + ") = " + y[i]
                            + ", expected " + expected);
                }
            }
        }
    }

    private static Stage.Conv convStage(Convolution conv, int c, int h, int w, boolean oneD, String where) {
        Shape k = conv.getKernelShape();
        Shape s = conv.getStride();
        Shape p = conv.getPadding();
        Shape d = conv.getDilation();
        int dims = oneD ? 1 : 2;
        if (k == null || k.dimension() != dims) {
            throw new IllegalArgumentException(where + " is refused: kernel " + k + "; expected " + dims + " sizes");
        }
        if (s != null && s.dimension() != dims) {
            throw new IllegalArgumentException(where + " is refused: stride " + s + "; expected " + dims + " sizes");
        }
        if (p != null && p.dimension() != dims) {
            throw new IllegalArgumentException(where + " is refused: padding " + p + "; expected " + dims + " sizes");
        }
        if (d != null && d.dimension() != 0 && d.dimension() != dims) {
            throw new IllegalArgumentException(where + " is refused: dilation " + d + "; expected " + dims + " sizes");
        }
        int groups = conv.getGroups();
        if (groups <= 0 || c % groups != 0 || conv.getFilters() % groups != 0) {
            throw new IllegalArgumentException(where + " is refused: groups " + groups + " do not divide its " + c
                    + " input channels and " + conv.getFilters() + " filters");
        }
        Parameter weight = conv.getParameters().get("weight");
        if (weight != null && weight.isInitialized() && weight.getArray().getShape().get(1) != c / groups) {
            throw new IllegalArgumentException(where + ": weight " + weight.getArray().getShape() + " takes "
                    + weight.getArray().getShape().get(1) + " input channels per group, but the map here has " + c
                    + " channels in " + groups + " groups");
        }
        // a 1-D conv is the conv (1, k), stride (1, s), padding (0, p) on (C, 1, L)
        int kh = oneD ? 1 : (int) k.get(0);
        int kw = (int) k.get(dims - 1);
        int sh = oneD || s == null ? 1 : (int) s.get(0);
        int sw = s == null ? 1 : (int) s.get(dims - 1);
        int ph = oneD || p == null ? 0 : (int) p.get(0);
        int pw = p == null ? 0 : (int) p.get(dims - 1);
        boolean dilated = d != null && d.dimension() == dims;
        int dh = oneD || !dilated ? 1 : (int) d.get(0);
        int dw = dilated ? (int) d.get(dims - 1) : 1;
        if (dh <= 0 || dw <= 0) {
            throw new IllegalArgumentException(where + " is refused: dilation " + d + "; expected positive sizes");
        }
        if (h + 2 * ph < dh * (kh - 1) + 1 || w + 2 * pw < dw * (kw - 1) + 1) {
            String map = oneD ? "(" + w + ")" : "(" + h + ", " + w + ")";
            throw new IllegalArgumentException(where + ": kernel " + k + (dilated ? " dilated by " + d : "")
                    + " larger than the padded " + map + " map");
        }
        return new Stage.Conv(conv.getFilters(), kh, kw, sh, sw, ph, pw, dh, dw, groups);
    }

    private static int units(Linear linear, int in, String where) {
        Parameter weight = linear.getParameters().get("weight");
        if (weight != null && weight.isInitialized()) {
            Shape s = weight.getArray().getShape();
            if (s.get(1) != in) {
                throw new IllegalArgumentException(where + ": weight " + s + " takes " + s.get(1) + " inputs, but the"
                        + " vector here has " + in);
            }
            return (int) s.get(0);
        }
        return (int) linear.getOutputShapes(new Shape[] {new Shape(1, in)})[0].get(1);
    }

    private static void refuseDense(DenseItem dense, String where) {
        if (dense != null) {
            throw new IllegalArgumentException(where + ": a convolution after a Linear");
        }
    }

    private static void refuseDropoutBefore(List<Block> pending, List<String> positions, List<Block> blocks, String where) {
        if (!pending.isEmpty()) {
            int i = blocks.indexOf(pending.get(0));
            throw new IllegalArgumentException("network block " + positions.get(i) + " (Dropout) is refused before "
                    + where + ": in a conv network dropout is accepted directly before a Conv2d or Linear (it acts"
                    + " on that layer's input, data rows only); elsewhere it would not commute with max-pooling or"
                    + " batch-norm");
        }
    }

    /** Nested SequentialBlocks are read as their children, at positions such as "2.1". */
    static void flatten(SequentialBlock network, String prefix, List<Block> blocks, List<String> positions) {
        List<Block> children = network.getChildren().values();
        for (int i = 0; i < children.size(); i++) {
            Block child = children.get(i);
            if (child instanceof SequentialBlock s) {
                flatten(s, prefix + i + ".", blocks, positions);
            } else {
                blocks.add(child);
                positions.add(prefix + i);
            }
        }
    }

    static String describe(Block block) {
        if (block instanceof LambdaBlock l) {
            return l.getName();
        }
        return block.getClass().getSimpleName();
    }
}
