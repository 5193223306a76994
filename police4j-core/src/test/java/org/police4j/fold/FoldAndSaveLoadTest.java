package org.police4j.fold;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.network.FoldedNetwork;
import org.police4j.engine.Cpa;
import org.police4j.io.AtomicDirectory;
import org.police4j.io.DirectoryManifest;
import org.police4j.io.ModelIo;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.VertexRegion;

class FoldAndSaveLoadTest {

    static final VertexRegion TRIANGLE =
            VertexRegion.of(
                    "triangle",
                    new double[][] {{-Math.sqrt(2), -Math.sqrt(2)}, {0, 2}, {Math.sqrt(2), -Math.sqrt(2)}});

    static PolicedMlp network(NDManager manager, Cpa activation, long seed) {
        PolicedMlp block =
                PolicedMlp.builder()
                        .setHidden(32, 32, 16)
                        .setOutputs(2)
                        .optActivation(activation)
                        .setRegion(TRIANGLE)
                        .build();
        Engine.getInstance().setRandomSeed((int) seed);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, 2));
        return block;
    }

    static NDArray inputs(NDManager manager) {
        Engine.getInstance().setRandomSeed(7);
        return manager.randomNormal(new Shape(200, 2)).mul(2);
    }

    @Test
    void foldedBlockReproducesTheConstrainedForwardWithoutVertexRows() {
        for (Cpa activation : new Cpa[] {Cpa.relu(), Cpa.leakyRelu(), Cpa.abs()}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                PolicedMlp block = network(manager, activation, 11);
                NDArray x = inputs(manager);
                ParameterStore ps = new ParameterStore(manager, false);
                float[] constrained = block.forward(ps, new ai.djl.ndarray.NDList(x), false).head().toFloatArray();
                SequentialBlock folded = Fold.block(block, manager);
                NDArray y = folded.forward(ps, new ai.djl.ndarray.NDList(x), false).head();
                assertThat(y.getShape()).isEqualTo(new Shape(200, 2));
                assertRelativelyClose(y.toFloatArray(), constrained, 1e-6);
                // the pure-Java view of the same folded network agrees too
                FoldedNetwork w = Fold.weights(block);
                double[][] rows = org.police4j.testing.Nets.rows(x);
                for (int i = 0; i < rows.length; i++) {
                    double[] f = w.evaluate(rows[i]);
                    for (int k = 0; k < 2; k++) {
                        assertThat(f[k]).isCloseTo(constrained[2 * i + k], org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(f[k]))));
                    }
                }
            }
        }
    }

    @Test
    void saveLoadRoundTripIsBitForBit(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("model");
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block = network(manager, Cpa.leakyRelu(0.05), 3);
            NDArray x = inputs(manager);
            ParameterStore ps = new ParameterStore(manager, false);
            float[] before = block.forward(ps, new ai.djl.ndarray.NDList(x), false).head().toFloatArray();
            float[] foldedBefore = Fold.block(block, manager).forward(ps, new ai.djl.ndarray.NDList(x), false).head().toFloatArray();
            ModelIo.save(block, dir, null);
            ModelIo.Loaded loaded = ModelIo.load(dir, manager);
            float[] after = loaded.block().forward(ps, new ai.djl.ndarray.NDList(x), false).head().toFloatArray();
            float[] foldedAfter = Fold.block(loaded.block(), manager).forward(ps, new ai.djl.ndarray.NDList(x), false).head().toFloatArray();
            assertThat(after).isEqualTo(before);
            assertThat(foldedAfter).isEqualTo(foldedBefore);
            assertThat(loaded.block().activation()).isEqualTo(Cpa.leakyRelu(0.05));
            assertThat(loaded.block().region().vertices()).isDeepEqualTo(TRIANGLE.vertices());
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("model");
        }
    }

    @Test
    void corruptedOrTruncatedParametersAreRefusedClearly(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("model");
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelIo.save(network(manager, Cpa.relu(), 5), dir, null);
            Path params = dir.resolve(ModelIo.PARAMETERS);
            byte[] bytes = Files.readAllBytes(params);
            bytes[bytes.length / 2] ^= 0x5a;
            Files.write(params, bytes);
            assertThatThrownBy(() -> ModelIo.load(dir, manager))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("parameters.bin was changed or corrupted after it was written")
                    .hasMessageContaining("SHA-256");
            // a format-1 directory (no manifest): model.json's own checksum of the parameters
            asFormatOne(dir);
            assertThatThrownBy(() -> ModelIo.load(dir, manager))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("parameters.bin is corrupted")
                    .hasMessageContaining("SHA-256");
            Files.write(params, java.util.Arrays.copyOf(bytes, bytes.length - 10));
            assertThatThrownBy(() -> ModelIo.load(dir, manager))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("truncated");
            Files.delete(params);
            assertThatThrownBy(() -> ModelIo.load(dir, manager))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("parameters are missing");
        }
    }

    /** Turns a saved directory into what police4j wrote before the manifest (format 1). */
    private static void asFormatOne(Path dir) throws IOException {
        Files.delete(dir.resolve(DirectoryManifest.FILE));
        Path json = dir.resolve(ModelIo.MODEL_JSON);
        Files.writeString(json, Files.readString(json).replace("\"formatVersion\" : 2", "\"formatVersion\" : 1"));
    }

    @Test
    void formatOneDirectoryLoadsAndSaysItsVersion(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("model");
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelIo.save(network(manager, Cpa.relu(), 5), dir, null);
            assertThat(ModelIo.load(dir, manager).formatVersion()).isEqualTo(ModelIo.FORMAT_VERSION);
            asFormatOne(dir);
            assertThat(ModelIo.load(dir, manager).formatVersion()).isEqualTo(1);
        }
    }

    @Test
    void corruptedModelJsonIsRefusedClearly(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("model");
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelIo.save(network(manager, Cpa.relu(), 5), dir, null);
            Path json = dir.resolve(ModelIo.MODEL_JSON);
            String text = Files.readString(json);
            // one changed digit is caught by the manifest
            Files.writeString(json, text.replace("\"outputs\" : 2", "\"outputs\" : 3"));
            assertThat(Files.readString(json)).isNotEqualTo(text);
            assertThatThrownBy(() -> ModelIo.load(dir, manager))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("model.json was changed or corrupted after it was written");
            // without the manifest, what model.json's parser sees
            Files.delete(dir.resolve(DirectoryManifest.FILE));
            Files.writeString(json, text.substring(0, text.length() / 2));
            assertThatThrownBy(() -> ModelIo.load(dir, manager))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("model.json is corrupted");
            Files.writeString(json, text);
            assertThatThrownBy(() -> ModelIo.load(dir, manager))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("checksums.sha256");
            Files.writeString(json, text.replace("police4j-model", "something-else"));
            assertThatThrownBy(() -> ModelIo.load(dir, manager))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("not a police4j model");
            Files.delete(json);
            assertThatThrownBy(() -> ModelIo.load(dir, manager))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("model.json is missing");
            assertThatThrownBy(() -> ModelIo.load(tmp.resolve("nowhere"), manager))
                    .isInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining("does not exist");
        }
    }

    @Test
    void aFailedWriteLeavesNothingBehindAndKeepsTheOldDirectory(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("out");
        AtomicDirectory.write(dir, d -> Files.writeString(d.resolve("a.txt"), "old"));
        assertThatThrownBy(
                        () ->
                                AtomicDirectory.write(
                                        dir,
                                        d -> {
                                            Files.writeString(d.resolve("a.txt"), "half");
                                            throw new IOException("disk full");
                                        }))
                .hasMessage("disk full");
        assertThat(Files.readString(dir.resolve("a.txt"))).isEqualTo("old");
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("out");
        }
    }

    /** Normwise relative error, max|a - e| / max|e|: elementwise is meaningless near 0. */
    static void assertRelativelyClose(float[] actual, float[] expected, double rel) {
        assertThat(actual.length).isEqualTo(expected.length);
        double worst = 0;
        double scale = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        assertThat(worst / scale).as("normwise relative error").isLessThanOrEqualTo(rel);
    }
}
