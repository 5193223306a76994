package org.police4j.network;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import java.util.ArrayList;
import java.util.List;
import org.police4j.network.Layer.Activation;
import org.police4j.network.Layer.Dense;
import org.police4j.engine.Cpa;

/**
 * A plain CPA network as float32 arrays, exactly as deployed: what a POLICEd MLP or CNN becomes
 * once its shifts are folded into its biases (and batch-norm into its convs), what the
 * certificates check, and what is exported as a DJL block. One type for the MLP and the CNN, so
 * that evaluation, certificate and export are written once.
 *
 * <p>Inputs are flat: an input of shape {@code (C, H, W)} is read channel-major, so its
 * dimension is {@code C * H * W}. The last layer is usually the (linear) head; a network
 * without head (NiN: its outputs a global average pool of an activated map) ends elsewhere. Every
 * {@link Activation} marks a hidden layer whose inputs are the pre-activations the POLICE
 * certificate is about.
 *
 * @param inputShape the shape of one input item, {@code (D)} or {@code (C, H, W)}
 * @param layers the layers, in order
 */
public record FoldedNetwork(Shape inputShape, List<Layer> layers) {

    /**
     * Checks that every layer reads what the previous one writes; keeps an immutable copy of the
     * list.
     *
     * @param inputShape the shape of one input item, {@code (D)} or {@code (C, H, W)}
     * @param layers the layers, in order
     */
    public FoldedNetwork {
        if (inputShape == null || inputShape.size() <= 0) {
            throw new IllegalArgumentException("inputShape: " + inputShape + ", expected a positive size");
        }
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("layers: none; expected at least one layer");
        }
        Layer.chainOutputSize(layers, (int) inputShape.size(), "layer");
    }

    /**
     * A dense network: hidden dense layers each followed by the activation, then the head.
     *
     * @param hidden the hidden layers, in order
     * @param head the linear output layer
     * @param activation the activation after every hidden layer
     * @return the network
     */
    public static FoldedNetwork mlp(List<Dense> hidden, Dense head, Cpa activation) {
        List<Layer> layers = new ArrayList<>();
        for (Dense d : hidden) {
            layers.add(d);
            layers.add(new Activation(activation));
        }
        layers.add(head);
        int d = hidden.isEmpty() ? head.inputs() : hidden.get(0).inputs();
        return new FoldedNetwork(new Shape(d), layers);
    }

    /** {@return D, the number of values in one (flattened) input} */
    public int inputDimension() {
        return (int) inputShape.size();
    }

    /** {@return K, the number of outputs} */
    public int outputDimension() {
        return Layer.chainOutputSize(layers, inputDimension(), "layer");
    }

    /** {@return whether the network is dense: {@code [Dense, Activation]* Dense}} */
    public boolean isDense() {
        for (int i = 0; i < layers.size(); i++) {
            boolean expectDense = i % 2 == 0;
            if (expectDense != (layers.get(i) instanceof Dense)
                    || !expectDense && !(layers.get(i) instanceof Activation)) {
                return false;
            }
        }
        return true;
    }

    /** {@return the hidden dense layers of a dense network (see {@link #isDense()})} */
    public List<Dense> hidden() {
        requireDense();
        List<Dense> hidden = new ArrayList<>();
        for (int i = 0; i < layers.size() - 1; i += 2) {
            hidden.add((Dense) layers.get(i));
        }
        return hidden;
    }

    /** {@return the head of a dense network (see {@link #isDense()})} */
    public Dense head() {
        requireDense();
        return (Dense) layers.get(layers.size() - 1);
    }

    /**
     * {@return every layer in evaluation order, the layers of each {@link Layer.Parallel}'s
     * branches in place of it (branch 0 first): the order in which activations and max-pools are
     * numbered (patterns, sides, winners)}
     */
    public List<Layer> leaves() {
        return Layer.leaves(layers);
    }

    /** {@return the activation of the first hidden layer (the one of every hidden layer in networks folded here); ReLU without hidden layers} */
    public Cpa activation() {
        for (Layer layer : leaves()) {
            if (layer instanceof Activation a) {
                return a.cpa();
            }
        }
        return Cpa.relu();
    }

    /** {@return the number of hidden layers (activation layers)} */
    public int hiddenLayers() {
        return (int) leaves().stream().filter(l -> l instanceof Activation).count();
    }

    /** {@return whether some layer max-pools} */
    public boolean hasMaxPool() {
        return leaves().stream().anyMatch(l -> l instanceof Layer.MaxPool);
    }

    /**
     * A copy with layer {@code i} replaced.
     *
     * @param i the index in {@link #layers()}
     * @param layer the new layer
     * @return the copy
     */
    public FoldedNetwork with(int i, Layer layer) {
        List<Layer> copy = new ArrayList<>(layers);
        copy.set(i, layer);
        return new FoldedNetwork(inputShape, copy);
    }

    /**
     * Evaluates the network in double precision (float32 parameters widened exactly).
     *
     * @param x one flattened input of {@link #inputDimension()} values
     * @return the outputs
     */
    public double[] evaluate(double[] x) {
        return DoubleEval.evaluate(this, x);
    }

    /**
     * The pre-activations of every hidden layer at x, in double: what "no unit straddles the
     * kink" is about.
     *
     * @param x one flattened input of {@link #inputDimension()} values
     * @return one array per activation layer, in order
     */
    public List<double[]> preActivations(double[] x) {
        return DoubleEval.preActivations(this, x);
    }

    /**
     * The network as a plain DJL block made of DJL's own blocks (plus {@link PositionBias} for
     * per-position conv biases), taking {@code (N, D)} or {@code (N, inputShape...)} inputs.
     *
     * @param manager owns the parameters
     * @return an initialised block computing this network
     */
    public SequentialBlock block(NDManager manager) {
        return DjlExport.block(this, manager);
    }

    private void requireDense() {
        if (!isDense()) {
            throw new IllegalStateException("not a dense network (it has " + layers.size()
                    + " layers of other kinds); read layers() instead");
        }
    }
}
