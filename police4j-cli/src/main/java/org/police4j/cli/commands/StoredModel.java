package org.police4j.cli.commands;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.police4j.cli.data.LabelEncoding;
import org.police4j.cli.data.Standardizer;
import org.police4j.io.ModelIo;
import org.police4j.io.RegionJson;
import org.police4j.nn.PolicedMlp;
import org.police4j.region.Region;

/**
 * A model directory written by {@code police4j train}: the POLICEd block (whose region is in the
 * network's input coordinates, i.e. standardised when a standardizer is stored) and the metadata
 * the commands need to read data and explain outputs.
 *
 * @param dir the model directory
 * @param block the loaded network
 * @param metadata the raw metadata object
 * @param task "regression" or "classification"
 * @param features the feature column names, in the network's input order
 * @param targets the target column names (one for classification)
 * @param labels the class labels (classification), else null
 * @param standardizer the input standardizer, or null when inputs are used raw
 * @param rawRegion the region in raw feature coordinates (vertices, or a support region)
 * @param regionSpec the {@code --region} text the model was trained with
 */
record StoredModel(
        Path dir,
        PolicedMlp block,
        ObjectNode metadata,
        String task,
        List<String> features,
        List<String> targets,
        LabelEncoding labels,
        Standardizer standardizer,
        Region rawRegion,
        String regionSpec) {

    static final String REGRESSION = "regression";
    static final String CLASSIFICATION = "classification";

    /** Whether this is an unconstrained baseline ({@code train --no-region}): no region, no certificate. */
    boolean baseline() {
        return "none".equals(metadata.path("constraint").asText());
    }

    /** {@return a region in raw feature coordinates as the network sees it (standardized when the model was)} */
    Region networkRegion(Region raw) {
        return standardizer == null ? raw : standardizer.mapRegion(raw);
    }

    boolean classification() {
        return CLASSIFICATION.equals(task);
    }

    /** The names of the network's outputs: targets, the positive class's logit, or one logit per class. */
    List<String> outputNames() {
        if (!classification()) {
            return targets;
        }
        List<String> names = new ArrayList<>();
        if (labels.classes() == 2) {
            names.add("logit_" + labels.label(1));
        } else {
            for (String l : labels.labels()) {
                names.add("logit_" + l);
            }
        }
        return names;
    }

    /**
     * Loads a model directory.
     *
     * @throws java.nio.file.NoSuchFileException if the directory or a file is missing
     * @throws MalformedModelException if a file is corrupted or the metadata is not police4j
     *     train's
     */
    static StoredModel load(Path dir, NDManager manager) throws IOException, MalformedModelException {
        return load(dir, manager, null);
    }

    /**
     * {@link #load(Path, NDManager)}, telling {@code err} (one line) when the directory is of an
     * older format whose model.json is not covered by a checksum.
     */
    static StoredModel load(Path dir, NDManager manager, java.io.PrintWriter err)
            throws IOException, MalformedModelException {
        ModelIo.Loaded loaded = ModelIo.load(dir, manager);
        if (err != null && loaded.formatVersion() < ModelIo.FORMAT_VERSION) {
            err.println("police4j: warning: " + dir + " is a format-" + loaded.formatVersion()
                    + " model directory: only parameters.bin is checksummed, model.json is not;"
                    + " retrain to get format " + ModelIo.FORMAT_VERSION + " (every file covered)");
            err.flush();
        }
        ObjectNode m = loaded.metadata();
        Path json = dir.resolve(ModelIo.MODEL_JSON);
        String task = text(m, "task", json);
        if (!task.equals(REGRESSION) && !task.equals(CLASSIFICATION)) {
            throw new MalformedModelException(json + ": metadata 'task' is '" + task
                    + "'; expected regression or classification");
        }
        List<String> features = strings(m, "features", json);
        List<String> targets = strings(m, "targets", json);
        PolicedMlp block = loaded.block();
        if (features.size() != block.inputDimension()) {
            throw new MalformedModelException(json + ": " + features.size()
                    + " feature names but the network has " + block.inputDimension() + " inputs");
        }
        LabelEncoding labels = null;
        if (task.equals(CLASSIFICATION)) {
            labels = LabelEncoding.fromJson(m.get("labels"), json.toString());
            int expected = labels.classes() == 2 ? 1 : labels.classes();
            if (block.outputs() != expected) {
                throw new MalformedModelException(json + ": " + labels.classes()
                        + " classes need " + expected + " outputs but the network has " + block.outputs());
            }
        } else if (block.outputs() != targets.size()) {
            throw new MalformedModelException(json + ": " + targets.size()
                    + " targets but the network has " + block.outputs() + " outputs");
        }
        Standardizer standardizer = null;
        JsonNode s = m.get("standardizer");
        if (s != null && !s.isNull()) {
            standardizer = Standardizer.fromJson(s, json.toString());
            if (standardizer.dimension() != features.size()) {
                throw new MalformedModelException(json + ": the standardizer has dimension "
                        + standardizer.dimension() + " but there are " + features.size() + " features");
            }
        }
        Region raw;
        JsonNode r = m.get("rawRegion");
        if (r == null || !r.isObject()) {
            throw new MalformedModelException(json + ": metadata 'rawRegion' is missing;"
                    + " was this model written by 'police4j train'?");
        }
        try {
            raw = RegionJson.read(r);
        } catch (IllegalArgumentException e) {
            throw new MalformedModelException(json + ": metadata 'rawRegion': " + e.getMessage(), e);
        }
        String spec = m.path("regionSpec").asText(raw.name());
        return new StoredModel(dir, block, m, task, features, targets, labels, standardizer, raw, spec);
    }

    private static String text(JsonNode m, String field, Path json) throws MalformedModelException {
        JsonNode n = m.get(field);
        if (n == null || !n.isTextual()) {
            throw new MalformedModelException(json + ": metadata '" + field
                    + "' is missing or not a string; was this model written by 'police4j train'?");
        }
        return n.asText();
    }

    private static List<String> strings(JsonNode m, String field, Path json) throws MalformedModelException {
        JsonNode n = m.get(field);
        if (n == null || !n.isArray() || n.isEmpty()) {
            throw new MalformedModelException(json + ": metadata '" + field
                    + "' is missing or not a non-empty array; was this model written by 'police4j train'?");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw new MalformedModelException(json + ": metadata '" + field + "' holds " + e + ", not a string");
            }
            out.add(e.asText());
        }
        return out;
    }
}
