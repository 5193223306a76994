package org.police4j.conv;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.police4j.io.AtomicDirectory;
import org.police4j.io.DirectoryManifest;
import org.police4j.io.ModelIo;
import org.police4j.io.RegionJson;
import org.police4j.engine.Cpa;
import org.police4j.region.Region;
import org.police4j.region.VertexRegion;

/**
 * Saves and loads a {@link PolicedConvNet} as a directory: {@code model.json} (format {@value
 * #FORMAT}, version, input shape, stages, head, activation, margin, the region, the size and
 * SHA-256 of the parameters) and {@code parameters.bin} (DJL's parameter encoding, running
 * batch-norm statistics included). Written atomically with {@link AtomicDirectory}; a wrong
 * checksum or size is a {@link MalformedModelException}.
 */
public final class ConvModelIo {

    /** The {@code format} value that marks a conv model's {@code model.json}. */
    public static final String FORMAT = "police4j-conv-model";
    /** The version of the {@code model.json} layout written by {@link #save}. */
    public static final int FORMAT_VERSION = 1;
    /** The model description's file name inside the directory. */
    public static final String MODEL_JSON = "model.json";
    /** The parameters' file name inside the directory. */
    public static final String PARAMETERS = "parameters.bin";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConvModelIo() {}

    /**
     * Writes the network to {@code dir} atomically (replacing an existing model there).
     *
     * @param net an initialised POLICEd CNN
     * @param dir the model directory, created or replaced
     * @throws IOException if the directory cannot be written
     */
    public static void save(PolicedConvNet net, Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            net.saveParameters(out);
        }
        byte[] parameters = bytes.toByteArray();
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("formatVersion", FORMAT_VERSION);
        ObjectNode arch = root.putObject("architecture");
        ArrayNode input = arch.putArray("input");
        for (int v : net.inputShape()) {
            input.add(v);
        }
        ArrayNode stages = arch.putArray("stages");
        for (Stage s : net.stages()) {
            ObjectNode n = stages.addObject();
            n.put("type", s.type());
            if (s instanceof Stage.Conv c) {
                n.put("channels", c.channels());
                n.put("kernel", c.kernel());
                n.put("stride", c.stride());
                n.put("padding", c.padding());
            } else if (s instanceof Stage.MaxPool m) {
                n.put("kernel", m.kernel());
                n.put("stride", m.stride());
            } else if (s instanceof Stage.Dense d) {
                n.put("width", d.width());
            }
        }
        arch.put("outputs", net.outputs());
        arch.put("activation", net.activation().kind().name());
        arch.put("negativeSlope", net.activation().negativeSlope());
        arch.put("margin", net.engine().margin());
        root.set("region", RegionJson.write(net.region()));
        ObjectNode params = root.putObject("parameters");
        params.put("file", PARAMETERS);
        params.put("bytes", parameters.length);
        params.put("sha256", ModelIo.sha256(parameters));
        byte[] json = JSON.writeValueAsBytes(root);
        AtomicDirectory.write(dir, tmp -> {
            Files.write(tmp.resolve(PARAMETERS), parameters);
            Files.write(tmp.resolve(MODEL_JSON), json);
            DirectoryManifest.write(tmp);
        });
    }

    /**
     * Reads a network written by {@link #save}, checking the parameters' size and checksum.
     *
     * @param dir the model directory
     * @param manager owns the loaded parameters
     * @return the initialised network
     * @throws IOException if a file is missing or unreadable
     * @throws MalformedModelException if the files are corrupt or do not match each other
     */
    public static PolicedConvNet load(Path dir, NDManager manager) throws IOException, MalformedModelException {
        Path jsonFile = dir.resolve(MODEL_JSON);
        if (!Files.isRegularFile(jsonFile)) {
            throw new NoSuchFileException(jsonFile.toString(), null, "not a police4j conv model directory");
        }
        // every file covered, model.json included (directories written before the manifest have none)
        if (DirectoryManifest.exists(dir)) {
            DirectoryManifest.verify(dir);
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(jsonFile));
        } catch (JsonProcessingException e) {
            throw new MalformedModelException(jsonFile + " is corrupted (not valid JSON): " + e.getOriginalMessage(), e);
        }
        if (!FORMAT.equals(root.path("format").asText()) || root.path("formatVersion").asInt(-1) != FORMAT_VERSION) {
            throw new MalformedModelException(
                    jsonFile + ": not a " + FORMAT + " version " + FORMAT_VERSION + " file");
        }
        PolicedConvNet net;
        try {
            net = fromJson(root);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new MalformedModelException(jsonFile + ": " + e.getMessage(), e);
        }
        Path file = dir.resolve(PARAMETERS);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "the model's parameters are missing");
        }
        byte[] bytes = Files.readAllBytes(file);
        JsonNode params = root.path("parameters");
        if (bytes.length != params.path("bytes").asLong(-1)) {
            throw new MalformedModelException(
                    file + " is truncated or corrupted: " + bytes.length + " bytes, model.json says "
                            + params.path("bytes").asLong(-1));
        }
        String actual = ModelIo.sha256(bytes);
        if (!actual.equals(params.path("sha256").asText())) {
            throw new MalformedModelException(
                    file + " is corrupted: SHA-256 " + actual + " does not match " + params.path("sha256").asText());
        }
        net.initialize(manager, DataType.FLOAT32, new Shape(1, net.inputDimension()));
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            net.loadParameters(manager, in);
        } catch (IOException | RuntimeException e) {
            throw new MalformedModelException(file + " does not match the architecture: " + e.getMessage(), e);
        }
        return net;
    }

    private static PolicedConvNet fromJson(JsonNode root) {
        JsonNode arch = root.path("architecture");
        JsonNode in = arch.path("input");
        PolicedConvNet.Builder b =
                PolicedConvNet.builder().setInput(in.path(0).asInt(-1), in.path(1).asInt(-1), in.path(2).asInt(-1));
        for (JsonNode n : arch.path("stages")) {
            String type = n.path("type").asText();
            switch (type) {
                case "conv" -> b.conv(n.path("channels").asInt(), n.path("kernel").asInt(), n.path("stride").asInt(),
                        n.path("padding").asInt());
                case "maxPool" -> b.maxPool(n.path("kernel").asInt(), n.path("stride").asInt());
                case "batchNorm" -> b.batchNorm();
                case "flatten" -> b.flatten();
                case "globalAvgPool" -> b.globalAvgPool();
                case "dense" -> b.dense(n.path("width").asInt());
                default -> throw new IllegalArgumentException("unknown stage type '" + type + "'");
            }
        }
        Region region = RegionJson.read(root.path("region"));
        if (!(region instanceof VertexRegion v)) {
            throw new IllegalArgumentException("region: a conv model needs a vertex region");
        }
        return b.outputs(arch.path("outputs").asInt(-1))
                .optActivation(new Cpa(Cpa.Kind.valueOf(arch.path("activation").asText()), arch.path("negativeSlope").asDouble()))
                .optMargin(arch.path("margin").asDouble())
                .setRegion(v)
                .build();
    }
}
