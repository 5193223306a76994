package org.police4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.police4j.conv.PolicedConvNet;
import org.police4j.conv.Stage;
import org.police4j.engine.SignRule;
import java.util.ArrayList;
import java.util.List;
import org.police4j.engine.Cpa;
import org.police4j.engine.Join;
import org.police4j.region.Region;


/**
 * The {@code architecture} object of a {@link PolicedConvNet}'s {@code model.json}: input shape,
 * stages, head (its width {@code outputs}; {@code "head": false} for a network whose outputs are
 * its last stage's, written only then), activation, margin, sign rule and rounding guard. Input (C, H, W), or (C, L) for
 * a 1-D network; a square conv or pool writes {@code kernel}, {@code stride}, {@code padding} as
 * numbers (as models always had), another one as {@code [rows, columns]}; a conv's {@code
 * dilation} and {@code groups} and a max-pool's {@code padding} are written only when they are
 * not the defaults (1, 1, 0), so older files read as before; an {@code avgPool} stage writes its
 * window, stride, padding, {@code ceilMode} and {@code countIncludePad}. The regions and the
 * parameters are written by
 * {@link ModelIo} exactly as for the MLP; this class only knows the conv layer vocabulary.
 */
final class ConvArchitecture {

    /** The {@code architecture.type} of a conv model. */
    static final String TYPE = "PolicedConvNet";

    private ConvArchitecture() {}

    static ObjectNode write(PolicedConvNet net) {
        ObjectNode arch = ModelIo.JSON.createObjectNode();
        arch.put("type", TYPE);
        ArrayNode input = arch.putArray("input");
        for (int v : net.inputShape()) {
            input.add(v);
        }
        writeStages(arch.putArray("stages"), net.stages());
        arch.put("outputs", net.outputs());
        if (!net.hasHead()) {
            arch.put("head", false); // written only without a head: older files have none
        }
        arch.put("activation", net.activation().kind().name());
        arch.put("negativeSlope", net.activation().negativeSlope());
        if (net.activation().kind() == Cpa.Kind.PIECEWISE) {
            arch.put("cpa", net.activation().id()); // kinks, slopes, value; absent for the named kinds
        }
        arch.put("margin", net.engine().margin());
        arch.put("signRule", net.engine().rule().name());
        arch.put("roundingGuard", net.roundingGuard());
        return arch;
    }

    /** Writes stages as JSON objects; a parallel stage nests its branches as arrays of stages. */
    private static void writeStages(ArrayNode stages, List<Stage> list) {
        for (Stage s : list) {
            ObjectNode n = stages.addObject();
            n.put("type", s.type());
            if (s instanceof Stage.Conv c) {
                n.put("channels", c.channels());
                if (c.square()) { // the fields square models always had
                    n.put("kernel", c.kernel());
                    n.put("stride", c.stride());
                    n.put("padding", c.padding());
                } else {
                    pair(n, "kernel", c.kernelH(), c.kernelW());
                    pair(n, "stride", c.strideH(), c.strideW());
                    pair(n, "padding", c.padH(), c.padW());
                    if (c.dilationH() != 1 || c.dilationW() != 1) { // written only when used: older files have none
                        pair(n, "dilation", c.dilationH(), c.dilationW());
                    }
                    if (c.groups() != 1) {
                        n.put("groups", c.groups());
                    }
                }
            } else if (s instanceof Stage.MaxPool m) {
                if (m.square()) {
                    n.put("kernel", m.kernel());
                    n.put("stride", m.stride());
                } else {
                    pair(n, "kernel", m.kernelH(), m.kernelW());
                    pair(n, "stride", m.strideH(), m.strideW());
                }
                if (m.padH() != 0 || m.padW() != 0) { // written only when used: older files have none
                    pair(n, "padding", m.padH(), m.padW());
                }
                if (m.ceilMode()) { // written only when used: older files have none
                    n.put("ceilMode", true);
                }
            } else if (s instanceof Stage.AvgPool a) {
                pair(n, "kernel", a.kernelH(), a.kernelW());
                pair(n, "stride", a.strideH(), a.strideW());
                pair(n, "padding", a.padH(), a.padW());
                n.put("ceilMode", a.ceilMode());
                n.put("countIncludePad", a.countIncludePad());
            } else if (s instanceof Stage.Parallel p) {
                n.put("join", p.join().name());
                n.put("activated", p.activated());
                ArrayNode branches = n.putArray("branches");
                for (List<Stage> branch : p.branches()) {
                    writeStages(branches.addArray(), branch);
                }
            } else if (s instanceof Stage.Dense d) {
                n.put("width", d.width());
            } else if (s instanceof Stage.BatchNorm b && !b.isDefault()) { // older files have neither
                n.put("epsilon", b.epsilon());
                n.put("momentum", b.momentum());
            }
        }
    }

    /** A per-axis field as the array {@code [rows, columns]}. */
    private static void pair(ObjectNode n, String name, int h, int w) {
        n.putArray(name).add(h).add(w);
    }

    /** A field written as one number (both axes) or as {@code [rows, columns]}; axis 0 or 1. */
    private static int axis(JsonNode n, String name, int axis) {
        JsonNode v = n.path(name);
        return v.isArray() ? v.path(axis).asInt(-1) : v.asInt();
    }

    /** The stages of a JSON array (a parallel stage's branches read recursively). */
    private static List<Stage> readStages(JsonNode array, String where) {
        List<Stage> stages = new ArrayList<>();
        int i = 0;
        for (JsonNode n : array) {
            String type = n.path("type").asText();
            stages.add(switch (type) {
                case "conv" -> new Stage.Conv(n.path("channels").asInt(), axis(n, "kernel", 0), axis(n, "kernel", 1),
                        axis(n, "stride", 0), axis(n, "stride", 1), axis(n, "padding", 0), axis(n, "padding", 1),
                        n.has("dilation") ? axis(n, "dilation", 0) : 1, n.has("dilation") ? axis(n, "dilation", 1) : 1,
                        n.path("groups").asInt(1));
                case "maxPool" -> new Stage.MaxPool(axis(n, "kernel", 0), axis(n, "kernel", 1), axis(n, "stride", 0),
                        axis(n, "stride", 1), n.has("padding") ? axis(n, "padding", 0) : 0,
                        n.has("padding") ? axis(n, "padding", 1) : 0, n.path("ceilMode").asBoolean(false));
                case "avgPool" -> new Stage.AvgPool(axis(n, "kernel", 0), axis(n, "kernel", 1), axis(n, "stride", 0),
                        axis(n, "stride", 1), axis(n, "padding", 0), axis(n, "padding", 1),
                        n.path("ceilMode").asBoolean(false), n.path("countIncludePad").asBoolean(true));
                case "batchNorm" -> new Stage.BatchNorm((float) n.path("epsilon").asDouble(Stage.BatchNorm.DEFAULT.epsilon()),
                        (float) n.path("momentum").asDouble(Stage.BatchNorm.DEFAULT.momentum()));
                case "flatten" -> new Stage.Flatten();
                case "globalAvgPool" -> new Stage.GlobalAvgPool();
                case "dense" -> new Stage.Dense(n.path("width").asInt());
                case "linear" -> new Stage.Linear();
                case "parallel" -> {
                    List<List<Stage>> branches = new ArrayList<>();
                    int b = 0;
                    for (JsonNode branch : n.path("branches")) {
                        branches.add(readStages(branch, where + "[" + i + "] branch " + b++));
                    }
                    String join = n.path("join").asText();
                    if (!join.equals("SUM") && !join.equals("CONCAT")) {
                        throw new IllegalArgumentException(where + "[" + i + "]: join '" + join + "', expected SUM or CONCAT");
                    }
                    yield new Stage.Parallel(branches, Join.valueOf(join), n.path("activated").asBoolean());
                }
                default -> throw new IllegalArgumentException(where + "[" + i + "]: unknown stage type '" + type + "'");
            });
            i++;
        }
        return stages;
    }

    /**
     * Builds the (uninitialised) network an architecture object describes.
     *
     * @param arch the architecture object (today's, or the one of the old {@code
     *     police4j-conv-model} files, which had no sign rule)
     * @param regions the regions (one, or several each with its own affine piece)
     * @return the network
     * @throws IllegalArgumentException naming what is malformed
     */
    static PolicedConvNet read(JsonNode arch, List<Region> regions) {
        JsonNode in = arch.path("input");
        PolicedConvNet.Builder b = PolicedConvNet.builder();
        if (in.size() == 2) { // a 1-D network (C, L)
            b.setInput(in.path(0).asInt(-1), in.path(1).asInt(-1));
        } else {
            b.setInput(in.path(0).asInt(-1), in.path(1).asInt(-1), in.path(2).asInt(-1));
        }
        for (Stage stage : readStages(arch.path("stages"), "architecture: stages")) {
            b.add(stage);
        }
        if (arch.path("head").asBoolean(true)) {
            b.outputs(arch.path("outputs").asInt(-1));
        } else {
            b.withoutHead();
        }
        PolicedConvNet net = b
                .optActivation(Cpa.fromRecord(arch.path("activation").asText(), arch.path("negativeSlope").asDouble(),
                        arch.has("cpa") ? arch.path("cpa").asText() : null))
                .optMargin(arch.path("margin").asDouble())
                // files from before the conv guard have none: they load with it on, as their
                // block record (which names the guard only when it is off) says
                .optRoundingGuard(arch.path("roundingGuard").asBoolean(true))
                .setRegions(regions)
                .build();
        String rule = arch.path("signRule").asText(net.engine().rule().name());
        if (!rule.equals(net.engine().rule().name())) {
            throw new IllegalArgumentException("architecture: signRule " + rule + " is not supported by a conv model;"
                    + " expected " + net.engine().rule().name());
        }
        SignRule.valueOf(rule); // a malformed name is an error, not a default
        if (!net.hasHead() && net.outputs() != arch.path("outputs").asInt(-1)) {
            throw new IllegalArgumentException("architecture: outputs " + arch.path("outputs") + ", but the stages end"
                    + " with " + net.outputs() + " values (a network without head outputs its last stage's)");
        }
        return net;
    }
}
