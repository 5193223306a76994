package org.police4j.cli.commands;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.police4j.certify.Certificate;
import org.police4j.cli.base.Version;
import org.police4j.cli.data.Standardizer;
import org.police4j.cli.plot.LossCurve;
import org.police4j.io.AtomicDirectory;
import org.police4j.io.DirectoryManifest;
import org.police4j.io.ModelIo;
import org.police4j.io.RegionJson;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.AffineHull;

/**
 * The model directory {@code train} writes: {@code model.json} (parameters' layout from {@link
 * ModelIo} plus the {@link Metadata} below, which {@code predict}, {@code verify}, {@code export}
 * and {@code info} read back), {@code parameters.bin}, {@code certificate.json}, {@code loss.png}
 * and {@code checksums.sha256}, replaced as a whole or not at all.
 *
 * <p>The metadata is a tree of records serialised by Jackson, so its fields, their order and which
 * are left out when empty are written down once, here.
 */
final class TrainingRecord {

    /** {@code model.json}'s {@code metadata}, in file order; empty fields are left out unless marked. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Metadata(String police4jVersion, String created, String status, String task, List<String> features,
            List<String> targets, JsonNode labels, String loss,
            @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode standardizer, String constraint,
            String constraintNote, String regionSpec, JsonNode rawRegion, TargetStandardizer targetStandardizer,
            String data, Training training, Result result) {}

    /** --standardize-target: the scaling trained under, already folded back into the output layer. */
    record TargetStandardizer(double[] mean, double[] std, String note) {}

    /** How the network was trained. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Training(int steps, Integer epochs, int stepsPerEpoch, int batch, double learningRate,
            double weightDecay, int scheduleEvery, double gamma, String optimizer, long seed, double valFraction,
            int trainRows, int valRows, String activation, double margin) {}

    /** What training reached; a non-finite loss is written as null. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Result(int stepsDone, boolean completed, Integer stoppedAt,
            @JsonInclude(JsonInclude.Include.ALWAYS) Double trainLoss,
            @JsonInclude(JsonInclude.Include.ALWAYS) Double valLoss, Double trainAccuracy, Double valAccuracy,
            double seconds, Boolean certified) {}

    private final PolicedMlp block;
    private final Metadata metadata;
    private final ObjectNode certificate;
    private final LossCurve curve;

    private TrainingRecord(PolicedMlp block, Metadata metadata, ObjectNode certificate, LossCurve curve) {
        this.block = block;
        this.metadata = metadata;
        this.certificate = certificate;
        this.curve = curve;
    }

    /** The record of a run that kept parameters ({@code !outcome.nothingKept()}). */
    static TrainingRecord of(TrainingData.Spec dataSpec, TrainingData data, TrainingRun.Spec runSpec,
            TrainingRun.Outcome outcome) {
        boolean noRegion = dataSpec.noRegion();
        double[][] scale = data.targetScale();
        TrainingRun.Plan plan = outcome.plan();
        Certificate cert = outcome.certificate();
        Metadata metadata = new Metadata(
                Version.TEXT,
                Instant.now().toString(),
                outcome.diverged() ? "diverged" : "trained",
                dataSpec.task().name(),
                data.features(),
                data.targets(),
                data.labels() == null ? null : data.labels().toJson(),
                data.lossKind().name(),
                data.standardizer() == null ? null : data.standardizer().toJson(),
                noRegion ? "none" : "police",
                noRegion ? "unconstrained baseline (--no-region): no affine guarantee, no certificate;"
                        + " rawRegion is the training mean, where the network has no shift (margin 0)" : null,
                noRegion ? "none (--no-region)" : dataSpec.region(),
                RegionJson.write(data.rawRegion()),
                scale == null ? null : new TargetStandardizer(scale[0], scale[1], "trained on (y - mean) / std;"
                        + " folded back into the output layer: outputs are in the targets' units"),
                dataSpec.data().toString(),
                new Training(plan.steps(), runSpec.epochs(), plan.stepsPerEpoch(), plan.batch(), runSpec.lr(),
                        runSpec.weightDecay(), plan.scheduleEvery(), plan.gamma(), "AdamW", runSpec.seed(),
                        dataSpec.valFraction(), data.trainCount(), data.valCount(), runSpec.activation().id(),
                        outcome.block().engine().margin()),
                new Result(outcome.keptStep(), !outcome.diverged(), outcome.diverged() ? outcome.stoppedAt() : null,
                        finite(outcome.trainLoss()), finite(outcome.valLoss()), outcome.trainAccuracy(),
                        outcome.valAccuracy(), outcome.seconds(), cert == null ? null : cert.certified()));
        ObjectNode certJson = cert == null ? null : certificateJson(cert, data.standardizer(), data.hull());
        double[] losses = outcome.fit().losses();
        LossCurve curve = new LossCurve("police4j train: " + dataSpec.data().getFileName())
                .train(stepsFrom1(losses.length), losses);
        if (outcome.valSteps().length > 0) {
            curve.validation(outcome.valSteps(), outcome.valLosses());
        }
        return new TrainingRecord(outcome.block(), metadata, certJson, curve);
    }

    /** {@code model.json}'s metadata as a JSON tree. */
    ObjectNode metadataJson() {
        return Json.MAPPER.valueToTree(metadata);
    }

    /** Writes the model directory {@code out}, atomically (an old one is replaced only when all is written). */
    void write(Path out) throws IOException {
        ObjectNode meta = metadataJson();
        byte[] certBytes = certificate == null ? null : Json.MAPPER.writeValueAsBytes(certificate);
        AtomicDirectory.write(out, tmp -> {
            Path inner = tmp.resolve(".model");
            ModelIo.save(block, inner, meta);
            try (Stream<Path> files = Files.list(inner)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.move(p, tmp.resolve(p.getFileName()));
                }
            }
            Files.delete(inner);
            if (certBytes != null) {
                Files.write(tmp.resolve("certificate.json"), certBytes);
            }
            curve.write(tmp.resolve("loss.png"), 900, 560);
            DirectoryManifest.write(tmp); // every file, the certificate and the plot included
        });
    }

    /** certificate.json: Certificate.toMap(), the coordinates it is in, the raw map and the region's hull. */
    static ObjectNode certificateJson(Certificate cert, Standardizer s, AffineHull hull) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("coordinates", s == null ? "raw" : "standardized");
        m.putAll(cert.toMap());
        if (s != null) {
            double[][] a = cert.a();
            Map<String, Object> raw = new LinkedHashMap<>();
            raw.put("a", AffineMaps.rawA(a, s));
            raw.put("b", AffineMaps.rawB(a, cert.b(), s));
            m.put("raw", raw);
        }
        ObjectNode json = Json.MAPPER.valueToTree(m);
        RegionHull.putJson(json, hull, s == null ? cert.a() : AffineMaps.rawA(cert.a(), s),
                s == null ? cert.b() : AffineMaps.rawB(cert.a(), cert.b(), s));
        return json;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static double[] stepsFrom1(int n) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = i + 1;
        }
        return s;
    }
}
