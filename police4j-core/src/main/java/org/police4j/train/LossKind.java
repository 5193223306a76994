package org.police4j.train;

import ai.djl.training.loss.Loss;

/** The training losses the paper's experiments and the CLI use. */
public enum LossKind {
    /** Mean squared error (DJL's L2 loss with weight 1, not its default 1/2; see {@link MeanSquaredError}). */
    MSE,
    /** Binary cross-entropy on one logit per row, labels 0/1. */
    BCE_WITH_LOGITS,
    /** Softmax cross-entropy on K logits, labels are class indices. */
    SOFTMAX_CROSS_ENTROPY;

    /** {@return DJL's implementation of this loss} */
    public Loss toDjl() {
        switch (this) {
            case MSE:
                return new MeanSquaredError("mse");
            case BCE_WITH_LOGITS:
                return Loss.sigmoidBinaryCrossEntropyLoss("bce");
            default:
                return Loss.softmaxCrossEntropyLoss("cross_entropy");
        }
    }
}
