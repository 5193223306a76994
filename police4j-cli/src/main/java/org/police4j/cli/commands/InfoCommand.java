package org.police4j.cli.commands;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.police4j.cli.base.CliCommand;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Region;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code police4j info}: what a model directory holds, without running anything heavy. */
@Command(
        name = "info",
        mixinStandardHelpOptions = true,
        description = "Show a trained model's architecture, region, training settings, losses and certificate.")
public final class InfoCommand extends CliCommand {

    @Parameters(index = "0", paramLabel = "MODEL_DIR", description = "A directory written by 'police4j train'.")
    Path model;

    @Override
    protected int run() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            StoredModel m = StoredModel.load(model, manager, err());
            PolicedMlp b = m.block();
            JsonNode meta = m.metadata();
            StringBuilder sb = new StringBuilder();
            sb.append("model: ").append(model).append('\n');
            sb.append("  created: ").append(meta.path("created").asText("?"))
                    .append(" by ").append(meta.path("police4jVersion").asText("?"))
                    .append(", status: ").append(meta.path("status").asText("?")).append('\n');
            sb.append("  task: ").append(m.task());
            if (m.classification()) {
                sb.append(" (").append(m.labels().classes()).append(" classes: ")
                        .append(String.join(", ", m.labels().labels())).append("; loss ")
                        .append(meta.path("loss").asText()).append(')');
            } else {
                sb.append(" (loss ").append(meta.path("loss").asText()).append(')');
            }
            sb.append('\n');
            sb.append("  features (").append(m.features().size()).append("): ")
                    .append(String.join(", ", m.features())).append('\n');
            sb.append("  targets: ").append(String.join(", ", m.targets())).append('\n');
            sb.append("architecture: ").append(b.inputDimension());
            for (int w : b.hiddenWidths()) {
                sb.append(" -> ").append(w);
            }
            sb.append(" -> ").append(b.outputs()).append(", activation ").append(b.activation().id())
                    .append(", margin ").append(b.engine().margin())
                    .append(", ").append(parameterCount(b)).append(" parameters\n");
            Region raw = m.rawRegion();
            if (m.baseline()) {
                sb.append("region: none: an UNCONSTRAINED BASELINE (trained with --no-region), no affine guarantee\n");
            } else {
            sb.append("region: '").append(m.regionSpec()).append("' (").append(raw.name()).append("), ")
                    .append(RegionHull.describe(raw)).append(" (raw coordinates)");
            org.police4j.region.AffineHull hull = RegionHull.of(raw);
            sb.append(hull.isFull() ? ", full-dimensional\n"
                    : ", affine dimension " + hull.dimension() + ": the map is determined only on the region's"
                            + " affine hull (see certificate.json 'affineHull')\n");
            }
            if (m.standardizer() != null) {
                sb.append("standardizer: mean ").append(fmt(m.standardizer().mean()))
                        .append(", std ").append(fmt(m.standardizer().std())).append('\n');
            } else {
                sb.append("standardizer: none (inputs used as they are)\n");
            }
            sb.append("training: ").append(fields(meta.path("training"))).append('\n');
            if (meta.path("targetStandardizer").isObject()) {
                sb.append("target standardizer (folded into the output layer): ")
                        .append(fields(meta.path("targetStandardizer"))).append('\n');
            }
            sb.append("result: ").append(fields(meta.path("result"))).append('\n');
            Path certFile = model.resolve("certificate.json");
            if (Files.isRegularFile(certFile)) {
                JsonNode c = Json.MAPPER.readTree(certFile.toFile());
                boolean ok = c.path("certified").asBoolean(false);
                sb.append("certificate (at training, ").append(c.path("coordinates").asText("raw"))
                        .append(" coordinates): ").append(ok ? "CERTIFIED" : "NOT CERTIFIED")
                        .append(", ").append(c.path("offendingUnits").asInt()).append(" of ")
                        .append(c.path("unitsChecked").asInt()).append(" units straddle the kink");
                JsonNode v = c.path("firstViolation");
                if (v.isObject()) {
                    sb.append("; first: ").append(fields(v));
                }
                sb.append(String.format(Locale.ROOT, "; max deviation %.3g at the vertices, %.3g at %d interior points%n",
                        c.path("vertexDeviation").asDouble(), c.path("interiorDeviation").asDouble(),
                        c.path("interiorPoints").asInt()));
                sb.append("  (run 'police4j verify ").append(model).append("' to re-check)\n");
            } else if (m.baseline()) {
                sb.append("certificate: none (unconstrained baseline)\n");
            } else {
                sb.append("certificate: certificate.json is missing; run 'police4j verify ").append(model).append("'\n");
            }
            out().print(sb);
            out().flush();
            return 0;
        }
    }

    private static long parameterCount(PolicedMlp b) {
        long n = 0;
        for (int l = 0; l < b.layers().size(); l++) {
            n += b.weight(l).size() + b.bias(l).size();
        }
        return n;
    }

    private static String fields(JsonNode o) {
        if (!o.isObject()) {
            return "?";
        }
        List<String> parts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            String text = v.isFloatingPointNumber() ? number(v.asDouble()) : v.toString();
            parts.add(e.getKey() + "=" + text.replace("\"", ""));
        }
        return String.join(", ", parts);
    }

    private static String number(double v) {
        String plain = Double.toString(v);
        return plain.length() <= 8 ? plain : String.format(Locale.ROOT, "%.6g", v);
    }

    private static String fmt(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4g", v[i]));
        }
        return sb.append(']').toString();
    }
}
