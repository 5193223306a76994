package org.police4j.spark;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.police4j.cli.commands.ModelCertifier;
import org.police4j.cli.commands.ModelPredictor;

/**
 * What an executor JVM keeps between tasks: each broadcast model loaded once (its folded network
 * is only read, so the tasks of one JVM share it; each task makes its arrays in its own
 * sub-manager).
 */
final class Executors {

    private static final Map<String, ModelPredictor> PREDICTORS = new ConcurrentHashMap<>();
    private static final Map<String, ModelCertifier> CERTIFIERS = new ConcurrentHashMap<>();
    private static final NDManager MANAGER = NDManager.newBaseManager();

    private Executors() {}

    /** {@return the manager the loaded models live in (never closed: it lives as long as the JVM)} */
    static NDManager manager() {
        return MANAGER;
    }

    /**
     * Turns PyTorch's gradient recording off for the calling thread. The mode is per thread and
     * on by default: DJL turns it off only in the thread that started the engine, so in a Spark
     * task thread loading a model fails ("a leaf Variable that requires grad is being used in an
     * in-place operation") and a forward would record a graph. Every task calls this first.
     */
    static void inferenceThread() {
        ai.djl.engine.Engine.getInstance();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }

    /** {@return the predictor of a broadcast model, loaded at the first call in this JVM} */
    static ModelPredictor predictor(ModelBytes model) {
        return PREDICTORS.computeIfAbsent(model.digest(), d -> load(() -> ModelPredictor.load(model.directory(), MANAGER, null)));
    }

    /** {@return the certifier of a broadcast model (its folded network), loaded at the first call in this JVM} */
    static ModelCertifier certifier(ModelBytes model) {
        return CERTIFIERS.computeIfAbsent(model.digest(), d -> load(() -> ModelCertifier.load(model.directory(), MANAGER, null)));
    }

    private static <T> T load(java.util.concurrent.Callable<T> loader) {
        try {
            return loader.call();
        } catch (Exception e) {
            throw new IllegalStateException("cannot load the broadcast model: " + e.getMessage(), e);
        }
    }
}
