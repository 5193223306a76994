package org.police4j.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.AbstractBlock;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * A POLICEd DJL block (the MLP and the CNN), saved the DJL way: {@code Model.save} writes the
 * {@link #record()} (region, sign rule, margin, structure) before the parameters, and
 * {@code Model.load} refuses parameters whose record differs from this network's, naming the field,
 * before any parameter is touched. A built network cannot take another region, so a differing record
 * is refused rather than restored. Streams of version 1 (before the record) still load, unchecked.
 */
public abstract class PolicedBlock extends AbstractBlock {

    /** Version of the parameter stream: 1 had no record, 2 writes it and a CRC32 after the parameters. */
    private static final byte VERSION = 2;

    /** A block with the current stream version. */
    protected PolicedBlock() {
        super(VERSION);
    }

    /**
     * What decides this network's function besides its parameters, as saved with them.
     *
     * @return a fresh record
     */
    public abstract BlockRecord record();

    /**
     * Refuses, by name, a block whose parameters are not float32 before the fold or the
     * certificate reads them: both read the float32 network that is deployed, and a block
     * initialised in float64 otherwise failed deep inside the engine with a dtype mismatch.
     *
     * @param what the caller, for the message
     * @throws IllegalArgumentException if a parameter holds another dtype
     */
    public void requireFloat32(String what) {
        for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : getParameters()) {
            if (p.getValue().isInitialized()
                    && p.getValue().getArray().getDataType() != ai.djl.ndarray.types.DataType.FLOAT32) {
                throw new IllegalArgumentException(what + ": the parameters hold "
                        + p.getValue().getArray().getDataType() + " (first: '" + p.getKey() + "'); the fold and the"
                        + " certificate read float32 networks: initialise the block with DataType.FLOAT32 first");
            }
        }
    }

    @Override
    public void saveParameters(DataOutputStream os) throws IOException {
        os.writeByte(VERSION);
        saveMetadata(os);
        record().write(os);
        BlockRecord.writeParameters(os, getDirectParameters(), getChildren());
    }

    /**
     * Reads parameters written by {@link #saveParameters}, refusing them (before any parameter
     * is touched) when their record differs from this network's: the refusal names the field,
     * the saved value and this network's.
     *
     * @param manager owns the loaded arrays
     * @param is the stream
     * @throws IOException if the stream fails
     * @throws MalformedModelException if the stream is truncated, corrupted, of an unknown
     *     version or saved for another network
     */
    @Override
    public void loadParameters(NDManager manager, DataInputStream is)
            throws IOException, MalformedModelException {
        String kind = getClass().getSimpleName();
        byte saved = is.readByte();
        if (saved != 1 && saved != VERSION) {
            throw new MalformedModelException("Cannot load " + kind + " parameters: stream version " + saved
                    + " is not supported; this police4j reads versions 1 (no record) and " + VERSION
                    + " (parameters saved from another block, such as the plain network before it was wrapped,"
                    + " load only into that block)");
        }
        readInputShapes(is);
        if (saved >= 2) {
            record().requireSame(BlockRecord.read(is, kind), kind);
        }
        BlockRecord.readParameters(manager, is, getDirectParameters(), getChildren(), saved >= 2, kind);
    }
}
