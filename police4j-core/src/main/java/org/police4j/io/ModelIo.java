package org.police4j.io;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.List;
import org.police4j.conv.PolicedConvNet;
import org.police4j.engine.SignRule;
import org.police4j.engine.Strategy;
import org.police4j.nn.AffineTarget;
import org.police4j.engine.Cpa;
import org.police4j.region.Region;
import org.police4j.nn.PolicedMlp;

/**
 * Saves and loads a POLICEd model, the MLP ({@link PolicedMlp}) or the CNN ({@link
 * PolicedConvNet}), as a directory: {@code model.json} (format version,
 * architecture, regions, engine settings, user metadata, and the SHA-256 of the parameters), {@code
 * parameters.bin} (DJL's own parameter encoding) and {@link DirectoryManifest#FILE} (the SHA-256 of
 * every file, model.json included). The checksums turn a truncated, corrupted or edited file into
 * a clear error instead of garbage weights or a silently changed model, and the directory is
 * written atomically (see {@link AtomicDirectory}).
 *
 * <p>The two kinds share everything but {@code architecture} (whose {@code type} says which):
 * the regions, the checksums, the atomic write, and the parameters, which since the {@link
 * org.police4j.nn.BlockRecord} carry their own record of the regions and settings; a {@code
 * model.json} that disagrees with it (possible only in a format-1 directory, where nothing covers
 * model.json) is refused on load.
 *
 * <p>Format history: version 1 had no manifest (model.json itself was not covered); it still
 * loads, and {@link Loaded#formatVersion()} says so, so that a caller can tell the user. Version 2
 * adds the manifest and requires it. CNN directories written by the former {@code ConvModelIo}
 * (format {@value #LEGACY_CONV_FORMAT} version 1, manifest optional) still load. Parameters
 * written before the record existed still load, unchecked against it.
 */
public final class ModelIo {

    /** The value of the {@code format} field. */
    public static final String FORMAT = "police4j-model";
    /** The version of the layout written by this class. */
    public static final int FORMAT_VERSION = 2;

    /** The {@code format} of CNN directories written by the former {@code ConvModelIo} (read only). */
    public static final String LEGACY_CONV_FORMAT = "police4j-conv-model";

    /** The oldest version {@link #load} still reads (without the manifest). */
    public static final int OLDEST_READABLE_VERSION = 1;

    /** The model description's file name inside the directory. */
    public static final String MODEL_JSON = "model.json";
    /** The parameters' file name inside the directory. */
    public static final String PARAMETERS = "parameters.bin";

    static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelIo() {}

    /**
     * A loaded model: the network (initialised), the user metadata saved with it, and the format
     * version of the directory (below {@link #FORMAT_VERSION}: model.json was not covered by a
     * checksum).
     *
     * @param network the loaded {@link PolicedMlp} or {@link PolicedConvNet}
     * @param metadata the user metadata saved with it (empty when none)
     * @param formatVersion the directory's format version
     */
    public record Loaded(Block network, ObjectNode metadata, int formatVersion) {

        /**
         * The network as an MLP.
         *
         * @return the loaded {@link PolicedMlp}
         * @throws IllegalStateException if the model is a CNN
         */
        public PolicedMlp block() {
            if (network instanceof PolicedMlp mlp) {
                return mlp;
            }
            throw new IllegalStateException("the model is a " + network.getClass().getSimpleName()
                    + ", not a PolicedMlp; use convNet()");
        }

        /**
         * The network as a CNN.
         *
         * @return the loaded {@link PolicedConvNet}
         * @throws IllegalStateException if the model is an MLP
         */
        public PolicedConvNet convNet() {
            if (network instanceof PolicedConvNet cnn) {
                return cnn;
            }
            throw new IllegalStateException("the model is a " + network.getClass().getSimpleName()
                    + ", not a PolicedConvNet; use block()");
        }
    }

    /**
     * Saves {@code block} to {@code dir}, replacing what was there, atomically.
     *
     * @param block an initialised POLICEd network
     * @param dir the model directory
     * @param metadata free-form JSON saved alongside (training settings, label names, ...), may
     * be null
     * @throws IOException if the directory cannot be written
     */
    public static void save(PolicedMlp block, Path dir, ObjectNode metadata) throws IOException {
        write(block, architecture(block), block.regions(), dir, metadata);
    }

    /**
     * Saves a POLICEd CNN to {@code dir}, replacing what was there, atomically; the same layout
     * and checks as the MLP's (running batch-norm statistics are among the parameters).
     *
     * @param net an initialised POLICEd CNN
     * @param dir the model directory
     * @param metadata free-form JSON saved alongside, may be null
     * @throws IOException if the directory cannot be written
     */
    public static void save(PolicedConvNet net, Path dir, ObjectNode metadata) throws IOException {
        write(net, ConvArchitecture.write(net), net.regions(), dir, metadata);
    }

    private static void write(Block block, ObjectNode architecture, List<? extends Region> regionList, Path dir,
            ObjectNode metadata) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            block.saveParameters(out);
        }
        byte[] parameters = bytes.toByteArray();
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("formatVersion", FORMAT_VERSION);
        root.set("architecture", architecture);
        ArrayNode regions = root.putArray("regions");
        for (Region r : regionList) {
            regions.add(RegionJson.write(r));
        }
        ObjectNode params = root.putObject("parameters");
        params.put("file", PARAMETERS);
        params.put("bytes", parameters.length);
        params.put("sha256", sha256(parameters));
        root.set("metadata", metadata == null ? JSON.createObjectNode() : metadata.deepCopy());
        byte[] json = JSON.writeValueAsBytes(root);
        AtomicDirectory.write(
                dir,
                tmp -> {
                    Files.write(tmp.resolve(PARAMETERS), parameters);
                    Files.write(tmp.resolve(MODEL_JSON), json);
                    DirectoryManifest.write(tmp);
                });
    }

    /**
     * Loads a model saved by {@link #save}.
     *
     * @param dir the model directory
     * @param manager owns the loaded parameters
     * @return the block and its metadata
     * @throws NoSuchFileException if the directory or one of its files is missing
     * @throws MalformedModelException if a file is corrupted, truncated or of another format
     */
    public static Loaded load(Path dir, NDManager manager)
            throws IOException, MalformedModelException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "model directory does not exist");
        }
        Path jsonFile = dir.resolve(MODEL_JSON);
        if (!Files.isRegularFile(jsonFile)) {
            throw new NoSuchFileException(
                    jsonFile.toString(), null, "not a police4j model directory: model.json is missing");
        }
        boolean manifest = DirectoryManifest.exists(dir);
        if (manifest) {
            DirectoryManifest.verify(dir);
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(jsonFile));
        } catch (JsonProcessingException e) {
            throw new MalformedModelException(
                    jsonFile + " is corrupted (not valid JSON): " + e.getOriginalMessage(), e);
        }
        if (root != null && LEGACY_CONV_FORMAT.equals(root.path("format").asText())) {
            return loadLegacyConv(dir, root, jsonFile, manager);
        }
        if (root == null || !FORMAT.equals(text(root, "format", jsonFile))) {
            throw new MalformedModelException(
                    jsonFile + ": field 'format' is not '" + FORMAT + "'; not a police4j model");
        }
        int version = root.path("formatVersion").asInt(-1);
        if (version < OLDEST_READABLE_VERSION || version > FORMAT_VERSION) {
            throw new MalformedModelException(
                    jsonFile
                            + ": formatVersion "
                            + version
                            + " is not supported; this police4j reads versions "
                            + OLDEST_READABLE_VERSION + " to " + FORMAT_VERSION);
        }
        if (version >= 2 && !manifest) {
            throw new NoSuchFileException(dir.resolve(DirectoryManifest.FILE).toString(), null,
                    "missing: a format-" + version + " model directory must have its checksums");
        }
        JsonNode arch = node(root, "architecture", jsonFile);
        List<Region> regions = regionsFrom(root, jsonFile);
        Block block;
        int inputDimension;
        try {
            if (ConvArchitecture.TYPE.equals(arch.path("type").asText())) {
                PolicedConvNet net = ConvArchitecture.read(arch, regions);
                block = net;
                inputDimension = net.inputDimension();
            } else {
                PolicedMlp mlp = fromArchitecture(arch, regions, root.path("parameters").path("bytes").asLong(-1));
                block = mlp;
                inputDimension = mlp.inputDimension();
            }
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException(jsonFile + ": " + e.getMessage(), e);
        }
        loadParameters(block, inputDimension, dir, node(root, "parameters", jsonFile), jsonFile, manager);
        JsonNode metadata = root.path("metadata");
        return new Loaded(block, metadata.isObject() ? (ObjectNode) metadata : JSON.createObjectNode(), version);
    }

    /** A CNN directory of the former {@code ConvModelIo}: one {@code region}, manifest optional. */
    private static Loaded loadLegacyConv(Path dir, JsonNode root, Path jsonFile, NDManager manager)
            throws IOException, MalformedModelException {
        int version = root.path("formatVersion").asInt(-1);
        if (version != 1) {
            throw new MalformedModelException(jsonFile + ": " + LEGACY_CONV_FORMAT + " formatVersion " + version
                    + " is not supported; this police4j reads version 1 (newer CNN models use format " + FORMAT + ")");
        }
        PolicedConvNet net;
        try {
            net = ConvArchitecture.read(root.path("architecture"), List.of(RegionJson.read(root.path("region"))));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new MalformedModelException(jsonFile + ": " + e.getMessage(), e);
        }
        loadParameters(net, net.inputDimension(), dir, root.path("parameters"), jsonFile, manager);
        return new Loaded(net, JSON.createObjectNode(), version);
    }

    private static void loadParameters(
            Block block, int inputDimension, Path dir, JsonNode params, Path jsonFile, NDManager manager)
            throws IOException, MalformedModelException {
        byte[] parameters = readParameters(dir, params, jsonFile);
        block.initialize(manager, DataType.FLOAT32, new Shape(1, inputDimension));
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters))) {
            block.loadParameters(manager, in);
        } catch (IOException | RuntimeException | MalformedModelException e) {
            throw new MalformedModelException(
                    dir.resolve(PARAMETERS) + " does not match the architecture in model.json: " + e.getMessage(), e);
        }
    }

    private static byte[] readParameters(Path dir, JsonNode params, Path jsonFile)
            throws IOException, MalformedModelException {
        Path file = dir.resolve(PARAMETERS);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "the model's parameters are missing");
        }
        byte[] bytes = Files.readAllBytes(file);
        long expectedBytes = params.path("bytes").asLong(-1);
        if (bytes.length != expectedBytes) {
            throw new MalformedModelException(
                    file + " is truncated or corrupted: " + bytes.length + " bytes, model.json says " + expectedBytes);
        }
        String expected = text(params, "sha256", jsonFile);
        String actual = sha256(bytes);
        if (!actual.equals(expected)) {
            throw new MalformedModelException(
                    file + " is corrupted: SHA-256 " + actual + " does not match " + expected + " in model.json");
        }
        return bytes;
    }

    static ObjectNode architecture(PolicedMlp block) {
        ObjectNode arch = JSON.createObjectNode();
        arch.put("type", "PolicedMlp");
        arch.put("inputDimension", block.inputDimension());
        ArrayNode hidden = arch.putArray("hidden");
        for (int w : block.hiddenWidths()) {
            hidden.add(w);
        }
        arch.put("outputs", block.outputs());
        arch.put("activation", block.activation().kind().name());
        arch.put("negativeSlope", block.activation().negativeSlope());
        if (block.activation().kind() == Cpa.Kind.PIECEWISE) {
            arch.put("cpa", block.activation().id()); // kinks, slopes, value; absent for the named kinds
        }
        arch.put("margin", block.engine().margin());
        arch.put("signRule", block.engine().rule().name());
        arch.put("strategy", block.strategy().name());
        arch.put("detachedShift", block.detachedShift());
        arch.put("roundingGuard", block.roundingGuard());
        AffineTarget target = block.affineTarget();
        if (target != null) {
            ObjectNode t = arch.putObject("affineTarget");
            t.put("mode", target.mode().name());
            t.put("weight", target.weight());
            t.set("a", JSON.valueToTree(target.a()));
            t.set("b", target.b() == null ? null : JSON.valueToTree(target.b()));
        }
        return arch;
    }

    private static List<Region> regionsFrom(JsonNode root, Path file) throws MalformedModelException {
        JsonNode nodes = root.get("regions");
        if (nodes == null || !nodes.isArray() || nodes.isEmpty()) {
            throw new MalformedModelException(file + ": field 'regions' is missing or empty");
        }
        List<Region> regions = new ArrayList<>();
        for (JsonNode n : nodes) {
            try {
                regions.add(RegionJson.read(n));
            } catch (IllegalArgumentException e) {
                throw new MalformedModelException(file + ": regions[" + regions.size() + "]: " + e.getMessage(), e);
            }
        }
        return regions;
    }

    /**
     * The MLP model.json describes. Its sizes must be whole numbers and need no more float32
     * parameters than parameters.bin holds ({@code parameterBytes}, checked against the file before
     * the block allocates), so that an edited width is refused instead of allocating gigabytes.
     */
    private static PolicedMlp fromArchitecture(JsonNode arch, List<Region> regions, long parameterBytes) {
        JsonNode hiddenNode = arch.path("hidden");
        int[] hidden = new int[hiddenNode.size()];
        for (int l = 0; l < hidden.length; l++) {
            hidden[l] = size(hiddenNode.get(l), "architecture: hidden[" + l + "]");
        }
        int inputDimension = size(arch.path("inputDimension"), "architecture: inputDimension");
        if (inputDimension != regions.get(0).dimension()) {
            throw new IllegalArgumentException(
                    "inputDimension " + inputDimension + " differs from the region's dimension "
                            + regions.get(0).dimension());
        }
        int outputs = size(arch.path("outputs"), "architecture: outputs");
        long weights = 0;
        int previous = inputDimension;
        for (int width : hidden) {
            weights += ((long) previous + 1) * width;
            previous = width;
        }
        weights += ((long) previous + 1) * outputs;
        if (weights > parameterBytes / Float.BYTES) {
            throw new IllegalArgumentException("architecture: widths " + java.util.Arrays.toString(hidden) + ", "
                    + inputDimension + " inputs and " + outputs + " outputs need " + weights
                    + " float32 parameters, more than the " + parameterBytes + " bytes of " + PARAMETERS + " hold");
        }
        Cpa activation = Cpa.fromRecord(arch.path("activation").asText(), arch.path("negativeSlope").asDouble(),
                arch.has("cpa") ? arch.path("cpa").asText() : null);
        return PolicedMlp.builder()
                .setHidden(hidden)
                .setOutputs(outputs)
                .optActivation(activation)
                .setRegions(regions)
                .optMargin(arch.path("margin").asDouble())
                .optSignRule(SignRule.valueOf(arch.path("signRule").asText("MAJORITY")))
                .optStrategy(Strategy.valueOf(arch.path("strategy").asText("AUTO")))
                .optDetachedShift(arch.path("detachedShift").asBoolean(false))
                // files written before the guard existed were trained without it: load them as they were
                .optRoundingGuard(arch.path("roundingGuard").asBoolean(false))
                .optAffineTarget(affineTarget(arch.path("affineTarget")))
                .build();
    }

    /** {@return the node's value, a whole number >= 1 an int holds} */
    private static int size(JsonNode n, String what) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) {
            throw new IllegalArgumentException(what + " is " + (n == null || n.isMissingNode() ? "missing" : n) + "; expected a whole number >= 1");
        }
        return n.asInt();
    }

    private static AffineTarget affineTarget(JsonNode t) {
        if (t.isMissingNode() || t.isNull()) {
            return null;
        }
        try {
            double[][] a = JSON.treeToValue(t.path("a"), double[][].class);
            JsonNode bNode = t.path("b");
            double[] b = bNode.isArray() ? JSON.treeToValue(bNode, double[].class) : null;
            return new AffineTarget(a, b, AffineTarget.Mode.valueOf(t.path("mode").asText()), t.path("weight").asDouble());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("affineTarget: " + e.getOriginalMessage(), e);
        }
    }

    private static JsonNode node(JsonNode parent, String field, Path file) throws MalformedModelException {
        JsonNode n = parent.get(field);
        if (n == null || !n.isObject()) {
            throw new MalformedModelException(file + ": field '" + field + "' is missing or not an object");
        }
        return n;
    }

    private static String text(JsonNode parent, String field, Path file) throws MalformedModelException {
        JsonNode n = parent.get(field);
        if (n == null || !n.isTextual()) {
            throw new MalformedModelException(file + ": field '" + field + "' is missing or not a string");
        }
        return n.asText();
    }

    /**
     * The hex SHA-256 of {@code bytes}: the checksum model files carry for their parameters.
     *
     * @param bytes the content
     * @return 64 lower-case hex digits
     */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
