package org.police4j.train;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.police4j.fold.Fold;
import org.police4j.io.ModelIo;
import org.police4j.nn.PolicedMlp;

/**
 * A step's gradient computed on several devices of one machine (several GPUs): the batch's fixed
 * gradient blocks ({@link BlockGradient}) are dealt to the devices in consecutive runs, each device
 * computes its blocks on its own copy of the network (each block's loss scaled by {@code n_b / N}),
 * and the blocks are added in block order on the host: the one-device gradient, not DJL's sum of
 * per-device mean losses (k times it). With one block (a batch within {@code blockRows}) one device
 * computes it. DJL's PyTorch engine allows one gradient collector at a time per JVM, so the devices
 * take turns.
 */
public final class DeviceGradients implements AutoCloseable {

    private final List<Device> devices;
    private final List<NDManager> managers = new ArrayList<>();
    private final List<PolicedMlp> copies = new ArrayList<>();
    private final int blockRows;

    /**
     * Copies {@code block} (architecture and state, through a model directory) to every device.
     *
     * @param block the initialised network
     * @param devices the devices, at least one
     * @param blockRows the rows of a gradient block
     */
    public DeviceGradients(PolicedMlp block, List<Device> devices, int blockRows) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("devices: none; expected at least one");
        }
        this.devices = List.copyOf(devices);
        this.blockRows = blockRows;
        try {
            Path dir = Files.createTempDirectory("police4j-devices-");
            try {
                Path model = dir.resolve("model");
                ModelIo.save(block, model, null);
                for (Device d : this.devices) {
                    NDManager m = NDManager.newBaseManager(d);
                    managers.add(m);
                    copies.add((PolicedMlp) ModelIo.load(model, m).network());
                }
            } finally {
                try (var files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (MalformedModelException e) {
            close();
            throw new IllegalStateException("cannot copy the network to the devices: " + e.getMessage(), e);
        }
    }

    /** {@return the devices} */
    public List<Device> devices() {
        return devices;
    }

    /**
     * The gradient of a batch at {@code block}'s current weights and state.
     *
     * @param block the network whose weights the devices' copies take
     * @param x the batch's N x D inputs
     * @param y its labels
     * @param loss the loss
     * @return the batch's mean loss and gradient
     */
    public ShardGradient compute(PolicedMlp block, NDArray x, NDArray y, LossKind loss) {
        long n = x.getShape().get(0);
        long size = n <= blockRows ? n : blockRows;
        long blocks = (n + size - 1) / size;
        List<float[]> weights = new ArrayList<>();
        for (Parameter p : block.getParameters().values()) {
            weights.add(p.getArray().toFloatArray());
        }
        List<ShardGradient> all = new ArrayList<>();
        int k = devices.size();
        for (int i = 0; i < k; i++) {
            long from = blocks * i / k * size;
            long to = Math.min(n, blocks * (i + 1) / k * size);
            if (to <= from) {
                continue;
            }
            PolicedMlp copy = copies.get(i);
            int j = 0;
            for (Parameter p : copy.getParameters().values()) {
                Fold.copy(p.getArray(), weights.get(j++));
            }
            try (NDManager sub = managers.get(i).newSubManager()) {
                NDIndex rows = new NDIndex("{}:{}", from, to);
                NDArray xs = onDevice(x.get(rows), devices.get(i), sub);
                NDArray ys = onDevice(y.get(rows), devices.get(i), sub);
                all.addAll(List.of(BlockGradient.ofBlocks(copy, xs, ys, loss, from, n, (int) size)));
            }
        }
        return BlockGradient.sum(all);
    }

    /** A fresh array of {@code rows} on the device, owned by {@code owner} (as is the slice). */
    private static NDArray onDevice(NDArray rows, Device device, NDManager owner) {
        rows.attach(owner);
        NDArray fresh = rows.duplicate();
        fresh.attach(owner);
        NDArray there = fresh.toDevice(device, false);
        there.attach(owner);
        return there;
    }

    @Override
    public void close() {
        for (NDManager m : managers) {
            m.close();
        }
    }
}
