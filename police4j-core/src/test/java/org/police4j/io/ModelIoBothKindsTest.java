package org.police4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.conv.PolicedConvNet;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.VertexRegion;
import org.police4j.testing.Streams;

/**
 * One io for the MLP and the CNN: the same directory layout and checks for both, CNN
 * directories of the former ConvModelIo still load, and a model.json that disagrees with the
 * record inside the parameters is refused.
 */
class ModelIoBothKindsTest {

    private static final VertexRegion REGION = VertexRegion.of("three", new double[][] {
        ramp(0.0), ramp(0.25), ramp(0.5)});

    private static double[] ramp(double offset) {
        double[] v = new double[16];
        for (int i = 0; i < v.length; i++) {
            v[i] = offset + i / 32.0;
        }
        return v;
    }

    private static PolicedConvNet cnn(NDManager manager) {
        PolicedConvNet net = PolicedConvNet.builder().setInput(1, 4, 4).conv(2, 3, 1, 1).batchNorm().maxPool(2, 2)
                .flatten().dense(4).outputs(3).setRegion(REGION).build();
        manager.getEngine().setRandomSeed(17);
        net.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
        return net;
    }

    private static float[] forward(Block block, NDManager manager, NDArray x) {
        return block.forward(new ParameterStore(manager, false), new NDList(x), false).head().toFloatArray();
    }

    @Test
    void aCnnUsesTheSameFormatAsTheMlp(@TempDir Path tmp) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedConvNet net = cnn(manager);
            NDArray x = manager.randomUniform(0f, 1f, new Shape(6, 1, 4, 4));
            ObjectNode meta = ModelIo.JSON.createObjectNode().put("note", "cnn");
            ModelIo.save(net, tmp.resolve("m"), meta);
            ObjectNode json = (ObjectNode) ModelIo.JSON.readTree(tmp.resolve("m").resolve(ModelIo.MODEL_JSON).toFile());
            assertThat(json.path("format").asText()).isEqualTo(ModelIo.FORMAT);
            assertThat(json.path("architecture").path("type").asText()).isEqualTo("PolicedConvNet");
            assertThat(Files.exists(tmp.resolve("m").resolve(DirectoryManifest.FILE))).isTrue();
            ModelIo.Loaded loaded = ModelIo.load(tmp.resolve("m"), manager);
            assertThat(forward(loaded.convNet(), manager, x)).isEqualTo(forward(net, manager, x));
            assertThat(loaded.metadata().path("note").asText()).isEqualTo("cnn");
            assertThatThrownBy(loaded::block)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("PolicedConvNet, not a PolicedMlp; use convNet()");
        }
    }

    @Test
    void aCnnKeepsItsRoundingGuardSettingThroughADirectory(@TempDir Path tmp) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (boolean guard : new boolean[] {true, false}) {
                PolicedConvNet net = PolicedConvNet.builder().setInput(1, 4, 4).conv(2, 3, 1, 1).maxPool(2, 2)
                        .flatten().dense(4).outputs(3).setRegion(REGION).optRoundingGuard(guard).build();
                manager.getEngine().setRandomSeed(17);
                net.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
                NDArray x = manager.randomUniform(0f, 1f, new Shape(6, 1, 4, 4));
                Path dir = tmp.resolve("guard-" + guard);
                ModelIo.save(net, dir, null);
                PolicedConvNet loaded = ModelIo.load(dir, manager).convNet();
                assertThat(loaded.roundingGuard()).isEqualTo(guard);
                assertThat(forward(loaded, manager, x)).isEqualTo(forward(net, manager, x));
            }
        }
    }

    @Test
    void aCnnDirectoryOfTheFormerConvModelIoStillLoads(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("old");
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedConvNet net = cnn(manager);
            NDArray x = manager.randomUniform(0f, 1f, new Shape(6, 1, 4, 4));
            ModelIo.save(net, dir, null);
            // what ConvModelIo wrote: its own format name, one "region", no sign rule, no
            // manifest, and a parameter stream without the record
            byte[] parameters = Streams.withoutRecord(Files.readAllBytes(dir.resolve(ModelIo.PARAMETERS)), 0);
            Files.write(dir.resolve(ModelIo.PARAMETERS), parameters);
            ObjectNode json = (ObjectNode) ModelIo.JSON.readTree(dir.resolve(ModelIo.MODEL_JSON).toFile());
            json.put("format", "police4j-conv-model").put("formatVersion", 1);
            json.set("region", json.remove("regions").get(0));
            ((ObjectNode) json.path("architecture")).remove("type");
            ((ObjectNode) json.path("architecture")).remove("signRule");
            json.remove("metadata");
            ((ObjectNode) json.path("parameters")).put("bytes", parameters.length).put("sha256", ModelIo.sha256(parameters));
            Files.write(dir.resolve(ModelIo.MODEL_JSON), ModelIo.JSON.writeValueAsBytes(json));
            Files.delete(dir.resolve(DirectoryManifest.FILE));

            ModelIo.Loaded loaded = ModelIo.load(dir, manager);
            assertThat(loaded.formatVersion()).isEqualTo(1);
            assertThat(forward(loaded.convNet(), manager, x)).isEqualTo(forward(net, manager, x));
        }
    }

    @Test
    void aModelJsonThatDisagreesWithTheRecordIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("m");
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block = PolicedMlp.builder().setHidden(8).setOutputs(2).setRegion(REGION).optMargin(1e-3).build();
            block.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
            ModelIo.save(block, dir, null);
            // a format-1 directory: nothing covers model.json, so an edit reaches the parser
            Files.delete(dir.resolve(DirectoryManifest.FILE));
            Path json = dir.resolve(ModelIo.MODEL_JSON);
            String text = Files.readString(json).replace("\"formatVersion\" : 2", "\"formatVersion\" : 1");
            assertThat(text).contains("\"margin\" : 0.001");
            Files.writeString(json, text.replace("\"margin\" : 0.001", "\"margin\" : 0.002"));
            assertThatThrownBy(() -> ModelIo.load(dir, manager))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("does not match the architecture in model.json")
                    .hasMessageContaining("field 'margin' differs: saved 0.001, this network 0.002");
        }
    }

    /**
     * An edited model.json whose checksums were recomputed reaches the parser: a width beyond what
     * parameters.bin holds is refused before anything is allocated (it once asked PyTorch for 34
     * GB), and a region coordinate no float32 holds is refused naming the file.
     */
    @Test
    void aResealedModelJsonWithImpossibleNumbersIsRefused(@TempDir Path tmp) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            PolicedMlp block = PolicedMlp.builder().setHidden(8).setOutputs(2).setRegion(REGION).build();
            block.initialize(manager, DataType.FLOAT32, new Shape(1, 16));
            Path saved = tmp.resolve("m");
            ModelIo.save(block, saved, null);
            String text = Files.readString(saved.resolve(ModelIo.MODEL_JSON));
            assertThat(text).containsPattern("\"hidden\" : \\[ 8 \\]");

            Path wide = resealed(saved, tmp.resolve("wide"), text.replaceFirst("\"hidden\" : \\[ 8 \\]", "\"hidden\" : [ 2000000000 ]"));
            assertThatThrownBy(() -> ModelIo.load(wide, manager))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining(wide.resolve(ModelIo.MODEL_JSON) + ": architecture: widths [2000000000]")
                    .hasMessageContaining("more than the");
            Path fractional = resealed(saved, tmp.resolve("fractional"), text.replaceFirst("\"hidden\" : \\[ 8 \\]", "\"hidden\" : [ 1e308 ]"));
            assertThatThrownBy(() -> ModelIo.load(fractional, manager))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining("architecture: hidden[0] is 1.0E308; expected a whole number >= 1");

            int at = text.indexOf("\"regions\"");
            String huge = text.substring(0, at) + text.substring(at).replaceFirst("-?\\d+\\.\\d+(E-?\\d+)?", "1e308");
            Path far = resealed(saved, tmp.resolve("far"), huge);
            assertThatThrownBy(() -> ModelIo.load(far, manager))
                    .isInstanceOf(MalformedModelException.class)
                    .hasMessageContaining(far.resolve(ModelIo.MODEL_JSON) + ": regions[0]: ")
                    .hasMessageContaining("is 1.0E308; expected a finite value a float32 can hold");
        }
    }

    /** A copy of {@code from} with model.json replaced and the manifest recomputed. */
    private static Path resealed(Path from, Path to, String modelJson) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        Files.writeString(to.resolve(ModelIo.MODEL_JSON), modelJson);
        DirectoryManifest.write(to);
        return to;
    }
}
