package org.police4j.network;

import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.Join;
import org.police4j.network.Layer.Parallel;

/**
 * A {@link FoldedNetwork} as the evaluators that index layers read it: one node per layer in
 * evaluation order, every {@link Parallel}'s branches in place of it (branch 0 first) followed by a
 * join node holding the parallel layer, each node naming the node it reads. A chain reads the node
 * before it; a join reads the node each branch ends at (the parallel layer's input for an empty
 * branch). Activations and max-pools keep the order of {@link FoldedNetwork#leaves()}.
 */
final class Graph {

    /** Per node, its layer (a join node: its {@link Parallel}). */
    final Layer[] layers;
    /** Per node, the node it reads (-1: the network's input); a join node: its parallel layer's input. */
    final int[] input;
    /** Per join node, the node each branch ends at; null for other nodes. */
    final int[][] ends;
    /** Per node, how many values it writes. */
    final int[] sizes;
    /** The network's input dimension. */
    final int inputSize;

    private final List<Layer> nodeLayers = new ArrayList<>();
    private final List<Integer> nodeInput = new ArrayList<>();
    private final List<int[]> nodeEnds = new ArrayList<>();
    private final List<Integer> nodeSizes = new ArrayList<>();

    private Graph(FoldedNetwork net) {
        inputSize = net.inputDimension();
        add(net.layers(), -1);
        int n = nodeLayers.size();
        layers = nodeLayers.toArray(new Layer[0]);
        input = new int[n];
        ends = new int[n][];
        sizes = new int[n];
        for (int i = 0; i < n; i++) {
            input[i] = nodeInput.get(i);
            ends[i] = nodeEnds.get(i);
            sizes[i] = nodeSizes.get(i);
        }
    }

    /**
     * {@return the nodes of a network}
     *
     * @param net the network
     */
    static Graph of(FoldedNetwork net) {
        return new Graph(net);
    }

    /** {@return the number of nodes} */
    int size() {
        return layers.length;
    }

    /**
     * {@return how many values node i reads: the size of its input node}
     *
     * @param i the node
     */
    int inputSizeOf(int i) {
        return input[i] < 0 ? inputSize : sizes[input[i]];
    }

    /**
     * {@return for a concatenating join node, the branch holding joined value k and its index there: {branch, index}}
     *
     * @param i the join node
     * @param k the joined value
     */
    int[] branchOf(int i, int k) {
        int at = k;
        for (int b = 0; b < ends[i].length; b++) {
            int size = ends[i][b] < 0 ? inputSize : sizes[ends[i][b]];
            if (at < size) {
                return new int[] {b, at};
            }
            at -= size;
        }
        throw new IllegalArgumentException("k: " + k + ", beyond the join's " + sizes[i] + " values");
    }

    /** Adds a chain's nodes, the first reading node {@code in}; returns the node the chain ends at. */
    private int add(List<Layer> chain, int in) {
        int at = in;
        for (Layer layer : chain) {
            int size = at < 0 ? inputSize : nodeSizes.get(at);
            if (layer instanceof Parallel p) {
                int[] branchEnds = new int[p.branches().size()];
                for (int b = 0; b < branchEnds.length; b++) {
                    branchEnds[b] = add(p.branches().get(b), at);
                }
                node(p, at, branchEnds, p.bias().length);
            } else {
                node(layer, at, null, layer.outputSize(size));
            }
            at = nodeLayers.size() - 1;
        }
        return at;
    }

    private void node(Layer layer, int in, int[] branchEnds, int size) {
        nodeLayers.add(layer);
        nodeInput.add(in);
        nodeEnds.add(branchEnds);
        nodeSizes.add(size);
    }

    /** {@return whether node i is a join that sums (else it concatenates, or is no join)} */
    boolean sums(int i) {
        return layers[i] instanceof Parallel p && p.join() == Join.SUM;
    }
}
