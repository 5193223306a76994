package org.police4j.cli.base;

/** The version line, shared by {@code --version} and the model files (no import of {@code Main}). */
public final class Version {

    /** What {@code police4j --version} prints and {@code model.json} records. */
    public static final String TEXT = "police4j 0.1.0 (DJL 0.36.0, PyTorch 2.7.1 CPU)";

    private Version() {}
}
