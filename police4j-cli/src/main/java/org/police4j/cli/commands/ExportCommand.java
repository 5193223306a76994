package org.police4j.cli.commands;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.police4j.certify.Certificate;
import org.police4j.certify.Certify;
import org.police4j.cli.base.CliCommand;
import org.police4j.cli.data.InputException;
import org.police4j.network.Layer.Dense;
import org.police4j.fold.Fold;
import org.police4j.network.FoldedNetwork;
import org.police4j.io.AtomicDirectory;
import org.police4j.io.RegionJson;
import org.police4j.engine.Cpa;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code police4j export}: writes the folded network as a plain DJL model that loads without
 * police4j, with its certified affine map. The directory (written atomically) holds:
 *
 * <ul>
 *   <li>{@code folded.params}: {@code SequentialBlock.saveParameters(DataOutputStream)} of
 *       {@code Linear, activation, ..., Linear};
 *   <li>{@code folded.json}: the structure to rebuild before {@code loadParameters} (input
 *       dimension, each layer's type and width, the activation's name and negative slope), the
 *       input and output names, and whether inputs must be standardised first (with the mean and
 *       std);
 *   <li>{@code affine_map.json}: the region's vertices, the certified flag and the affine map
 *       {@code y = A x + b} the network computes on the region, in RAW feature coordinates.
 * </ul>
 *
 * Loading with plain DJL:
 *
 * <pre>{@code
 * JsonNode spec = new ObjectMapper().readTree(dir.resolve("folded.json").toFile());
 * SequentialBlock net = new SequentialBlock();
 * for (JsonNode layer : spec.get("layers")) {
 *     switch (layer.get("type").asText()) {
 *         case "Linear" -> net.add(Linear.builder().setUnits(layer.get("units").asLong()).build());
 *         case "LeakyReLU" -> net.add(Activation.leakyReluBlock((float) layer.get("negativeSlope").asDouble()));
 *         case "ReLU" -> net.add(Activation.reluBlock());
 *         case "Abs" -> net.add(new LambdaBlock(x -> new NDList(x.singletonOrThrow().abs()), "Abs"));
 *     }
 * }
 * net.initialize(manager, DataType.FLOAT32, new Shape(1, spec.get("inputDimension").asLong()));
 * try (DataInputStream in = new DataInputStream(Files.newInputStream(dir.resolve("folded.params")))) {
 *     net.loadParameters(manager, in);
 * }
 * // if spec.get("inputsStandardized") is true, feed (x - mean) / std with spec.get("standardizer")
 * }</pre>
 */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Export the folded network as a plain DJL model (folded.params + folded.json) with its"
                    + " certified affine map (affine_map.json), loadable without police4j."
        })
public final class ExportCommand extends CliCommand {

    static final String FORMAT = "police4j-folded-djl";

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "A directory written by 'police4j train'.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The export directory to create or replace.")
    Path out;

    @Option(names = "--samples", defaultValue = "1000", paramLabel = "N",
            description = "Interior points checked against the affine map (default: ${DEFAULT-VALUE}).")
    int samples;

    @Override
    protected int run() throws Exception {
        if (samples < 0) {
            throw new InputException("--samples: " + samples + "; expected >= 0");
        }
        checkOut(out);
        try (NDManager manager = NDManager.newBaseManager()) {
            StoredModel m = StoredModel.load(model, manager, err());
            FoldedNetwork weights = Fold.weights(m.block());
            SequentialBlock net = Fold.block(weights, manager);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream o = new DataOutputStream(bytes)) {
                net.saveParameters(o);
            }
            byte[] params = bytes.toByteArray();
            Certificate cert = m.baseline() ? null : Certify.policed(m.block(), Certify.Options.defaults().optInteriorSamples(samples).optSeed(0));
            if (cert != null) {
                RegionHull.warn(RegionHull.of(m.rawRegion()), m.regionSpec(), err());
            }
            byte[] structure = Json.MAPPER.writeValueAsBytes(structure(m, weights));
            byte[] map = cert == null ? null : Json.MAPPER.writeValueAsBytes(affineMap(m, cert));
            AtomicDirectory.write(out, tmp -> {
                Files.write(tmp.resolve("folded.params"), params);
                Files.write(tmp.resolve("folded.json"), structure);
                if (map != null) {
                    Files.write(tmp.resolve("affine_map.json"), map);
                }
            });
            if (cert == null) {
                out().printf("exported %s to %s (folded.params, folded.json); an unconstrained baseline (--no-region):"
                        + " no affine map%n", model, out);
            } else {
                out().printf("exported %s to %s (folded.params, folded.json, affine_map.json); %s%n", model, out,
                        cert.certified() ? "certified affine on the region" : "NOT certified affine on the region");
            }
            if (m.standardizer() != null) {
                out().println("note: the exported network expects standardised inputs (x - mean) / std;"
                        + " mean and std are in folded.json; the affine map in affine_map.json is in raw coordinates");
            }
            out().flush();
            return 0;
        }
    }

    private static void checkOut(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new InputException("--out " + dir + " exists and is not a directory");
        }
        try (Stream<Path> s = Files.list(dir)) {
            if (s.findAny().isPresent() && !Files.isRegularFile(dir.resolve("folded.json"))) {
                throw new InputException("--out " + dir + " exists, is not empty and is not a police4j export"
                        + " (no folded.json); refusing to replace it");
            }
        }
    }

    static ObjectNode structure(StoredModel m, FoldedNetwork w) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("formatVersion", 1);
        root.put("parameters", "folded.params");
        root.put("parametersEncoding", "ai.djl.nn.SequentialBlock#saveParameters(DataOutputStream), DJL 0.36");
        root.put("inputDimension", w.inputDimension());
        ArrayNode inputs = root.putArray("inputs");
        m.features().forEach(inputs::add);
        root.put("inputsStandardized", m.standardizer() != null);
        if (m.standardizer() != null) {
            root.set("standardizer", m.standardizer().toJson());
            root.put("inputNote", "feed z = (x - mean) / std, feature by feature, with mean and std above");
        } else {
            root.putNull("standardizer");
        }
        root.put("task", m.task());
        root.put("constraint", m.baseline() ? "none (unconstrained baseline, --no-region)" : "police");
        ArrayNode outputs = root.putArray("outputs");
        m.outputNames().forEach(outputs::add);
        if (m.classification()) {
            root.set("labels", m.labels().toJson());
            root.put("outputNote", m.labels().classes() == 2
                    ? "one logit: P(" + m.labels().label(1) + ") = sigmoid(output)"
                    : "one logit per label, in the order of 'labels': probabilities = softmax(outputs)");
        }
        Cpa a = w.activation();
        ObjectNode act = root.putObject("activation");
        act.put("name", a.id());
        act.put("negativeSlope", a.negativeSlope());
        ArrayNode layers = root.putArray("layers");
        long fanIn = w.inputDimension();
        for (Dense h : w.hidden()) {
            linear(layers, h, fanIn);
            ObjectNode l = layers.addObject();
            switch (a.kind()) {
                case RELU -> {
                    l.put("type", "ReLU");
                    l.put("djl", "Activation.reluBlock()");
                }
                case LEAKY_RELU -> {
                    l.put("type", "LeakyReLU");
                    l.put("negativeSlope", a.negativeSlope());
                    l.put("djl", "Activation.leakyReluBlock((float) negativeSlope)");
                }
                case RELU6 -> {
                    l.put("type", "ReLU6");
                    l.put("djl", "Activation.relu6Block()");
                }
                case HARD_TANH, PIECEWISE -> {
                    l.put("type", a.kind() == Cpa.Kind.HARD_TANH ? "HardTanh" : "Piecewise");
                    l.put("cpa", a.id());
                    l.put("djl", "new CpaBlock(Cpa.parse(cpa))");
                }
                default -> {
                    l.put("type", "Abs");
                    l.put("djl", "new LambdaBlock(x -> new NDList(x.singletonOrThrow().abs()), \"Abs\")");
                }
            }
            fanIn = h.outputs();
        }
        linear(layers, w.head(), fanIn);
        return root;
    }

    private static void linear(ArrayNode layers, Dense d, long fanIn) {
        ObjectNode l = layers.addObject();
        l.put("type", "Linear");
        l.put("units", d.outputs());
        l.put("inputs", fanIn);
        l.put("djl", "Linear.builder().setUnits(units).build()");
    }

    static ObjectNode affineMap(StoredModel m, Certificate cert) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("certified", cert.certified());
        root.put("meaning", cert.certified()
                ? "for every x in the region (the convex hull of the vertices), the exported network's"
                        + " outputs equal A x + b (up to float32 rounding), x in raw feature coordinates"
                : "NOT certified: A, b are the map of the majority activation pattern and are NOT the"
                        + " network's function on the whole region");
        root.put("coordinates", "raw");
        ArrayNode inputs = root.putArray("inputs");
        m.features().forEach(inputs::add);
        ArrayNode outputs = root.putArray("outputs");
        m.outputNames().forEach(outputs::add);
        double[][] a = cert.a();
        double[] b = cert.b();
        if (m.standardizer() != null) {
            root.set("A", Json.MAPPER.valueToTree(AffineMaps.rawA(a, m.standardizer())));
            root.set("b", Json.MAPPER.valueToTree(AffineMaps.rawB(a, b, m.standardizer())));
        } else {
            root.set("A", Json.MAPPER.valueToTree(a));
            root.set("b", Json.MAPPER.valueToTree(b));
        }
        RegionHull.putJson(root, RegionHull.of(m.rawRegion()),
                m.standardizer() == null ? a : AffineMaps.rawA(a, m.standardizer()),
                m.standardizer() == null ? b : AffineMaps.rawB(a, b, m.standardizer()));
        ObjectNode region = RegionJson.write(m.rawRegion());
        region.put("spec", m.regionSpec());
        region.put("coordinates", "raw");
        root.set("region", region);
        root.put("inputsStandardized", m.standardizer() != null);
        if (m.standardizer() != null) {
            root.set("standardizer", m.standardizer().toJson());
            ObjectNode std = root.putObject("standardizedCoordinates");
            std.put("note", "the same map for the network's own inputs z = (x - mean) / std");
            std.set("A", Json.MAPPER.valueToTree(a));
            std.set("b", Json.MAPPER.valueToTree(b));
            ObjectNode netRegion = RegionJson.write(m.block().regions().get(0));
            if (netRegion.has("vertices")) {
                std.set("vertices", netRegion.get("vertices"));
            } else {
                std.set("region", netRegion);
            }
        } else {
            root.putNull("standardizer");
        }
        ObjectNode c = root.putObject("certificate");
        c.put("hiddenLayers", cert.hiddenLayers());
        c.put("unitsChecked", cert.unitsChecked());
        c.put("offendingUnits", cert.offendingUnits());
        c.set("firstViolation", cert.firstViolation() == null ? null
                : Json.MAPPER.valueToTree(cert.firstViolation().toMap()));
        c.put("vertexDeviation", cert.vertexDeviation());
        c.put("interiorDeviation", cert.interiorDeviation());
        c.put("interiorPoints", cert.interiorPoints());
        return root;
    }

}
