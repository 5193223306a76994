package org.police4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.basicmodelzoo.basic.Mlp;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.conv.PolicedConvNet;
import org.police4j.region.Box;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Streams;

/**
 * DJL's own {@code Model.save}/{@code Model.load} carry the POLICE record: a reload into a block
 * built the same way computes the same outputs bit for bit; into a block built on another region
 * it is refused by name; a truncated or corrupted file is an error, never a silently different
 * network.
 */
class DjlSaveLoadTest {

    private static final int D = 12;
    private static final String NAME = "policed";

    @TempDir Path dir;

    private static Box box(double eps) {
        double[] centre = new double[D];
        for (int i = 0; i < D; i++) {
            centre[i] = 0.1 * i - 0.5;
        }
        return Box.linf(centre, eps);
    }

    private static PolicedMlp mlp(Box region) {
        return PolicedMlp.wrap(new Mlp(D, 3, new int[] {16, 8}), region);
    }

    /** Trains a few steps with DJL's own loop and saves with DJL's Model.save. */
    private static float[] trainAndSave(Path dir, Block block, NDManager manager, NDArray x) throws IOException {
        try (Model model = Model.newInstance(NAME)) {
            model.setBlock(block);
            manager.getEngine().setRandomSeed(5);
            NDArray y = manager.randomNormal(new Shape(64, 3));
            ArrayDataset data = new ArrayDataset.Builder()
                    .setData(manager.randomUniform(-1f, 1f, new Shape(64, D)))
                    .optLabels(y)
                    .setSampling(16, false)
                    .build();
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(1, D));
                for (Batch batch : trainer.iterateDataset(data)) {
                    EasyTrain.trainBatch(trainer, batch);
                    trainer.step();
                    batch.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            float[] out = forward(block, manager, x);
            model.save(dir, NAME);
            return out;
        }
    }

    private static float[] forward(Block block, NDManager manager, NDArray x) {
        return block.forward(new ParameterStore(manager, false), new NDList(x), false).head().toFloatArray();
    }

    private static float[] load(Path dir, Block block, NDManager manager, NDArray x)
            throws IOException, MalformedModelException {
        try (Model model = Model.newInstance(NAME)) {
            model.setBlock(block);
            model.load(dir, NAME);
            return forward(block, manager, x);
        }
    }

    private Path paramsFile() throws IOException {
        try (var files = Files.list(dir)) {
            // Model.save numbers its files by epoch; Model.load reads the latest
            return files.filter(f -> f.toString().endsWith(".params")).max(Path::compareTo).orElseThrow();
        }
    }

    @Test
    void aReloadIntoTheSameWrapperGivesTheSameOutputsBitForBit() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomUniform(-1f, 1f, new Shape(20, D));
            float[] saved = trainAndSave(dir, mlp(box(0.05)), manager, x);
            float[] again = load(dir, mlp(box(0.05)), manager, x);
            assertThat(again).isEqualTo(saved);
            // and the trained parameters really are the saved ones, not a fresh initialisation
            assertThat(forward(initialised(manager), manager, x)).isNotEqualTo(saved);
        }
    }

    private static Block initialised(NDManager manager) {
        PolicedMlp fresh = mlp(box(0.05));
        fresh.initialize(manager, DataType.FLOAT32, new Shape(1, D));
        return fresh;
    }

    @Test
    void aReloadIntoAWrapperOnAnotherRegionIsRefusedByName() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomUniform(-1f, 1f, new Shape(4, D));
            trainAndSave(dir, mlp(box(0.05)), manager, x);
            assertThatThrownBy(() -> load(dir, mlp(box(0.1)), manager, x))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("field 'region0.radii'")
                    .hasMessageContaining("saved 0.05")
                    .hasMessageContaining("this network 0.1");
            PolicedMlp otherRule = PolicedMlp.builder()
                    .setNetwork(new Mlp(D, 3, new int[] {16, 8}))
                    .setRegion(box(0.05))
                    .optSignRule(org.police4j.engine.SignRule.MINIMAL_SHIFT)
                    .build();
            assertThatThrownBy(() -> load(dir, otherRule, manager, x))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("field 'signRule'")
                    .hasMessageContaining("saved " + PolicedMlp.DEFAULT_SIGN_RULE + ", this network MINIMAL_SHIFT");
            PolicedMlp otherWidths = PolicedMlp.wrap(new Mlp(D, 3, new int[] {16, 9}), box(0.05));
            assertThatThrownBy(() -> load(dir, otherWidths, manager, x))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("field 'widths'")
                    .hasMessageContaining("saved [16, 8, 3], this network [16, 9, 3]");
        }
    }

    @Test
    void aTruncatedOrCorruptedFileIsAClearError() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomUniform(-1f, 1f, new Shape(4, D));
            trainAndSave(dir, mlp(box(0.05)), manager, x);
            Path file = paramsFile();
            byte[] good = Files.readAllBytes(file);
            int recordAt = Streams.indexOf(good, BlockRecord.MAGIC_TEXT.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            // cuts inside the block's stream (DJL's own file header before it is DJL's business)
            for (int cut : new int[] {good.length - 3, good.length - 300, good.length / 2, recordAt + 20}) {
                Files.write(file, Arrays.copyOf(good, cut));
                assertThatThrownBy(() -> load(dir, mlp(box(0.05)), manager, x))
                        .as("cut at %d of %d bytes", cut, good.length)
                        .isInstanceOfAny(MalformedModelException.class, IOException.class)
                        .hasMessageContaining("PolicedMlp parameters");
            }
            // one flipped bit in a weight (near the end) and one inside the record
            for (int at : new int[] {good.length - 40, recordAt + 30}) {
                byte[] bad = good.clone();
                bad[at] ^= 0x10;
                Files.write(file, bad);
                assertThatThrownBy(() -> load(dir, mlp(box(0.05)), manager, x))
                        .as("bit flipped at %d", at)
                        .isInstanceOf(MalformedModelException.class)
                        .hasMessageContaining("corrupted");
            }
        }
    }

    @Test
    void parametersOfAnotherKindOfBlockOrANewerRecordAreRefused() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomUniform(-1f, 1f, new Shape(4, D));
            // DJL's own Mlp, saved as is, then loaded into a POLICEd wrapper of the same shape
            trainAndSave(dir, new Mlp(D, 3, new int[] {16, 8}), manager, x);
            assertThatThrownBy(() -> load(dir, mlp(box(0.05)), manager, x))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("Cannot load PolicedMlp parameters: stream version")
                    .hasMessageContaining("the plain network before it was wrapped");
            trainAndSave(dir, mlp(box(0.05)), manager, x);
            Path file = paramsFile();
            byte[] bytes = Files.readAllBytes(file);
            int recordAt = Streams.indexOf(bytes, BlockRecord.MAGIC_TEXT.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            bytes[recordAt + 7] = (byte) (BlockRecord.FORMAT_VERSION + 1);
            Files.write(file, bytes);
            assertThatThrownBy(() -> load(dir, mlp(box(0.05)), manager, x))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("record format version " + (BlockRecord.FORMAT_VERSION + 1) + " is not supported");
        }
    }

    @Test
    void aStreamWrittenBeforeTheRecordStillLoads() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomUniform(-1f, 1f, new Shape(6, D));
            PolicedMlp net = mlp(box(0.05));
            float[] saved = trainAndSave(dir, net, manager, x);
            Path file = paramsFile();
            byte[] v2 = Files.readAllBytes(file);
            Files.write(file, Streams.withoutRecord(v2, blockStart(v2)));
            assertThat(load(dir, mlp(box(0.05)), manager, x)).isEqualTo(saved);
        }
    }

    @Test
    void aConvNetTravelsTheSameWay() throws Exception {
        Supplier<VertexRegion> region = () -> VertexRegion.of("three", new double[][] {
            ramp(0.0), ramp(0.3), ramp(0.6)});
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            PolicedConvNet net = cnn(region.get());
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 4, 4));
            NDArray x = manager.randomUniform(0f, 1f, new Shape(5, 1, 4, 4));
            float[] saved = forward(net, manager, x);
            try (Model model = Model.newInstance(NAME)) {
                model.setBlock(net);
                model.save(dir, NAME);
            }
            assertThat(load(dir, cnn(region.get()), manager, x)).isEqualTo(saved);
            VertexRegion other = VertexRegion.of("other", new double[][] {ramp(0.0), ramp(0.3), ramp(0.7)});
            assertThatThrownBy(() -> load(dir, cnn(other), manager, x))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("field 'region.vertices'")
                    .hasMessageContaining("row 2");
        }
    }

    private static PolicedConvNet cnn(VertexRegion region) {
        return PolicedConvNet.builder().setInput(1, 4, 4).conv(2, 3, 1, 1).flatten().dense(5).outputs(2)
                .setRegion(region).build();
    }

    private static double[] ramp(double offset) {
        double[] v = new double[16];
        for (int i = 0; i < v.length; i++) {
            v[i] = offset + i / 16.0;
        }
        return v;
    }

    /** The index of the block's version byte: DJL's input shapes after it are (count=1, shape (1, D)). */
    private static int blockStart(byte[] bytes) throws IOException {
        int before = Streams.indexOf(bytes, BlockRecord.MAGIC_TEXT.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        ByteArrayOutputStream shapes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(shapes)) {
            out.writeInt(1);
            out.write(new Shape(1, D).getEncoded());
        }
        byte[] pattern = shapes.toByteArray();
        int at = before - pattern.length;
        assertThat(Arrays.copyOfRange(bytes, at, before)).as("input shapes before the record").isEqualTo(pattern);
        assertThat(bytes[at - 1]).as("version byte").isEqualTo((byte) 2);
        return at - 1;
    }
}
