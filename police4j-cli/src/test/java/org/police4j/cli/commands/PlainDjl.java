package org.police4j.cli.commands;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads an exported model the way a user without police4j would: only DJL and Jackson, no
 * police4j class. This is the code the README shows.
 */
final class PlainDjl implements AutoCloseable {

    final JsonNode spec;
    final SequentialBlock net;
    final NDManager manager;

    PlainDjl(Path dir) throws IOException, ai.djl.MalformedModelException {
        spec = new ObjectMapper().readTree(dir.resolve("folded.json").toFile());
        manager = NDManager.newBaseManager();
        net = new SequentialBlock();
        for (JsonNode layer : spec.get("layers")) {
            switch (layer.get("type").asText()) {
                case "Linear" -> net.add(Linear.builder().setUnits(layer.get("units").asLong()).build());
                case "LeakyReLU" -> net.add(Activation.leakyReluBlock((float) layer.get("negativeSlope").asDouble()));
                case "ReLU" -> net.add(Activation.reluBlock());
                case "Abs" -> net.add(new LambdaBlock(x -> new NDList(x.singletonOrThrow().abs()), "Abs"));
                case "ReLU6" -> net.add(Activation.relu6Block());
                case "HardTanh", "Piecewise" -> net.add(new org.police4j.nn.CpaBlock(
                        org.police4j.engine.Cpa.parse(layer.get("cpa").asText())));
                default -> throw new IllegalStateException("unknown layer " + layer);
            }
        }
        net.initialize(manager, DataType.FLOAT32, new Shape(1, spec.get("inputDimension").asLong()));
        try (DataInputStream in = new DataInputStream(Files.newInputStream(dir.resolve(spec.get("parameters").asText())))) {
            net.loadParameters(manager, in);
        }
    }

    /** Outputs for raw feature rows (standardised first when folded.json says so). */
    float[][] predictRaw(double[][] raw) {
        int d = raw[0].length;
        float[][] in = new float[raw.length][d];
        JsonNode s = spec.get("standardizer");
        boolean standardize = spec.get("inputsStandardized").asBoolean();
        for (int i = 0; i < raw.length; i++) {
            for (int j = 0; j < d; j++) {
                double v = raw[i][j];
                if (standardize) {
                    v = (v - s.get("mean").get(j).asDouble()) / s.get("std").get(j).asDouble();
                }
                in[i][j] = (float) v;
            }
        }
        try (NDManager sub = manager.newSubManager()) {
            NDArray out = net.forward(new ParameterStore(sub, false), new NDList(sub.create(in)), false).singletonOrThrow();
            int k = (int) out.getShape().get(1);
            float[] flat = out.toFloatArray();
            float[][] res = new float[raw.length][k];
            for (int i = 0; i < raw.length; i++) {
                System.arraycopy(flat, i * k, res[i], 0, k);
            }
            return res;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
