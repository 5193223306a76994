package org.police4j.conv;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.police4j.network.FoldedNetwork;
import org.police4j.region.VertexRegion;

/** {@link TrainedCnnTest}'s synthetic images, region and training loop, for tests in other packages. */
public final class TrainedCnnTestAccess {

    /** The number of training images. */
    public static final int N = TrainedCnnTest.N;

    private TrainedCnnTestAccess() {}

    /**
     * @param n how many
     * @param labels filled with the classes
     * @param seed the images' seed
     * @return n 28x28 images, row-major
     */
    public static float[] images(int n, float[] labels, long seed) {
        return TrainedCnnTest.images(n, labels, seed);
    }

    /**
     * @param x the images
     * @param image which one is the centre
     * @return the 16-vertex region around it
     */
    public static VertexRegion region(float[] x, int image) {
        return TrainedCnnTest.region(x, image);
    }

    /**
     * AdamW (lr 0.01), batch 32, fixed seed.
     *
     * @param model the model holding the network
     * @param x images
     * @param y labels
     * @param steps how many steps
     */
    public static void train(Model model, NDArray x, NDArray y, int steps) {
        TrainedCnnTest.train(model, x, y, new double[steps], new long[steps]);
    }

    /**
     * Initialises {@code net} (engine seed 7), trains it on 28x28 images and folds it.
     *
     * @param net the network, input (1, 28, 28)
     * @param data the images, row-major
     * @param labels their classes
     * @param steps how many AdamW steps
     * @return the folded network
     * @throws Exception if DJL fails
     */
    public static FoldedNetwork trainAndFold(PolicedConvNet net, float[] data, float[] labels, int steps) throws Exception {
        return trainAndFold(net, data, labels, steps, new Shape(1, 28, 28));
    }

    /**
     * The same for any input shape of the 28x28 values (e.g. (28, 28) for a 1-D network).
     *
     * @param net the network
     * @param data the inputs, row-major
     * @param labels their classes
     * @param steps how many AdamW steps
     * @param input one input's shape, without the batch axis
     * @return the folded network
     * @throws Exception if DJL fails
     */
    public static FoldedNetwork trainAndFold(PolicedConvNet net, float[] data, float[] labels, int steps, Shape input)
            throws Exception {
        try (Model model = Model.newInstance("trained-cnn")) {
            NDManager manager = model.getNDManager();
            Engine.getInstance().setRandomSeed(7);
            net.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(input));
            model.setBlock(net);
            NDArray x = manager.create(data, new Shape(labels.length).addAll(input));
            NDArray y = manager.create(labels, new Shape(labels.length));
            train(model, x, y, steps);
            return net.fold();
        }
    }
}
