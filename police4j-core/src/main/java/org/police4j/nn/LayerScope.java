package org.police4j.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Frees, layer by layer, what the regions' passes of one forward made and no longer hold. DJL
 * keeps every array an operation returns until its manager closes, at the end of the step; a
 * tracked affine map makes several D x K arrays per layer (the conv, the batch-norm scale, the
 * pool's gather, the slopes), so a box around an image held many times its map until the step
 * ended (docs/PERFORMANCE.md, "Memory of a box"). Closing an array drops DJL's handle only: what
 * autograd saved for the backward stays alive in PyTorch.
 *
 * <p>Each layer runs in an {@link NDScope}, which collects the arrays made on this thread. When
 * the layer is left, the arrays still held (by a pass, a reference, a trace, the data rows' shift,
 * a parameter made on the way) are carried, and the others are closed, with the carried arrays of
 * earlier layers that nothing holds any more. Only arrays whose memory PyTorch owns are closed:
 * an array made from Java values (a slope, an index) points into a direct buffer the array keeps
 * alive (PyTorch's {@code from_blob}), and autograd may read it after the handle closes; those are
 * left to their manager. DJL offers no public way to list a scope's arrays or to tell the two
 * kinds apart, so both are read from DJL's fields; where they cannot be read (another engine or
 * DJL version), nothing is closed and the forward is as it was.
 */
final class LayerScope {

    /**
     * The two DJL fields read: an {@link NDScope}'s arrays, and the Java buffer a PyTorch array
     * made from Java values points into.
     */
    private record DjlFields(Field scopeArrays, Field javaBuffer) {}

    /** Null when either field cannot be read. */
    private static final DjlFields FIELDS = fields();

    /** The system property that turns it off ({@code -Dpolice4j.freeLayerArrays=false}). */
    static final String PROPERTY = "police4j.freeLayerArrays";

    private final boolean on;
    private final Set<NDArray> carried = Collections.newSetFromMap(new IdentityHashMap<>());

    /** One forward's scope, on unless {@link #PROPERTY} is false or the fields cannot be read. */
    LayerScope() {
        this.on = active() && Boolean.parseBoolean(System.getProperty(PROPERTY, "true"));
    }

    private static DjlFields fields() {
        try {
            Field resources = NDScope.class.getDeclaredField("resources");
            Field dataRef = Class.forName("ai.djl.pytorch.engine.PtNDArray").getDeclaredField("dataRef");
            resources.setAccessible(true);
            dataRef.setAccessible(true);
            return new DjlFields(resources, dataRef);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** {@return whether layers free what they made (false: the forward keeps everything, as DJL does)} */
    static boolean active() {
        return FIELDS != null;
    }

    /**
     * Runs one layer's work for the regions.
     *
     * @param work the layer's work; its result is passed to {@code held}
     * @param held hands over every array still held once the layer is left
     * @param <T> the work's result
     * @return the work's result
     */
    <T> T layer(Supplier<T> work, BiConsumer<T, Consumer<NDArray>> held) {
        if (!on) {
            return work.get();
        }
        List<NDArray> passedOn = new ArrayList<>();
        T result;
        try (NDScope scope = new NDScope()) {
            result = work.get();
            Set<NDArray> live = Collections.newSetFromMap(new IdentityHashMap<>());
            held.accept(result, a -> {
                if (a != null) {
                    live.add(a);
                }
            });
            carried.removeIf(a -> {
                if (live.contains(a)) {
                    return false;
                }
                a.close();
                return true;
            });
            for (NDArray a : made(scope)) {
                if (!ownsItsMemory(a)) {
                    NDScope.unregister(a); // its Java buffer must outlive autograd: left to its manager
                    passedOn.add(a);
                } else if (live.contains(a)) {
                    NDScope.unregister(a);
                    carried.add(a);
                    passedOn.add(a);
                }
            }
        } // closes what is left: made here, held by nobody, PyTorch's
        for (NDArray a : passedOn) {
            NDScope.register(a); // a caller's own scope, if any, closes them as it would have
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static List<NDArray> made(NDScope scope) {
        try {
            return new ArrayList<>(((Map<NDArray, NDArray>) FIELDS.scopeArrays().get(scope)).keySet());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("NDScope's arrays were readable when the class loaded", e);
        }
    }

    /** Whether PyTorch owns the array's memory (it was made by an operation, not from Java values). */
    private static boolean ownsItsMemory(NDArray a) {
        Field javaBuffer = FIELDS.javaBuffer();
        if (!javaBuffer.getDeclaringClass().isInstance(a)) {
            return false;
        }
        try {
            return javaBuffer.get(a) == null;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("PtNDArray's buffer was readable when the class loaded", e);
        }
    }
}
