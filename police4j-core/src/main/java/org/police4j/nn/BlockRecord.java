package org.police4j.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.police4j.region.Region;
import org.police4j.region.RegionRecord;

/**
 * What decides a POLICEd block's function besides its parameters (regions, sign rule, margin,
 * rounding guard, activation, layer structure, ...), written by the block's own {@code
 * saveParameters} before the parameters, so that DJL's {@code Model.save}/{@code Model.load}
 * carry it. Without it, parameters loaded into a block built on another region load silently and
 * compute another function; with it, such a load is refused with a {@link
 * MalformedModelException} naming the field, the saved value and this block's value.
 *
 * <p>Refuse, not restore: a block's regions and settings are fixed when it is built (the passes
 * and caches depend on them), so a load cannot swap them; build the block with the saved settings
 * (or load a model directory with {@code org.police4j.io.ModelIo}, which rebuilds it).
 *
 * <p>Layout after DJL's version byte and input shapes: the magic {@value #MAGIC_TEXT}, the record
 * format version, the record's length and bytes (the block type, then named, typed fields; doubles
 * as their float64 bits, so equality is exact), the record's CRC32; then the parameters exactly
 * as DJL writes them, followed by their CRC32. A truncated or corrupted stream is therefore a
 * clear error, never a silently different network. One implementation serves every POLICEd
 * block (the MLP and the CNN).
 */
public final class BlockRecord {

    /** The four bytes that open a record. */
    public static final String MAGIC_TEXT = "P4JR";

    private static final int MAGIC = 0x50344A52;

    /** The version of the record layout written by {@link #write}. */
    public static final int FORMAT_VERSION = 1;

    /** Records larger than this are taken as corrupted rather than allocated. */
    private static final int MAX_BYTES = 1 << 30;

    private static final byte STRING = 1;
    private static final byte LONG = 2;
    private static final byte DOUBLE = 3;
    private static final byte BOOLEAN = 4;
    private static final byte INTS = 5;
    private static final byte DOUBLES = 6;
    private static final byte MATRIX = 7;

    private final String type;
    private final Map<String, Object> fields = new LinkedHashMap<>();

    private BlockRecord(String type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    /**
     * Starts a record for one kind of block.
     *
     * @param type the block's type, e.g. {@code "PolicedMlp"}: a record of another type never matches
     * @return an empty record
     */
    public static BlockRecord of(String type) {
        return new BlockRecord(type);
    }

    /** {@return the block type the record was written for} */
    public String type() {
        return type;
    }

    /**
     * Adds a text field (an enum's name, a layer's description).
     *
     * @param name the field's name, unique in the record
     * @param value the value
     * @return this record
     */
    public BlockRecord put(String name, String value) {
        return add(name, Objects.requireNonNull(value, name));
    }

    /**
     * Adds an integer field.
     *
     * @param name the field's name, unique in the record
     * @param value the value
     * @return this record
     */
    public BlockRecord put(String name, long value) {
        return add(name, value);
    }

    /**
     * Adds a float64 field, compared by its bits.
     *
     * @param name the field's name, unique in the record
     * @param value the value
     * @return this record
     */
    public BlockRecord put(String name, double value) {
        return add(name, value);
    }

    /**
     * Adds a flag.
     *
     * @param name the field's name, unique in the record
     * @param value the value
     * @return this record
     */
    public BlockRecord put(String name, boolean value) {
        return add(name, value);
    }

    /**
     * Adds an integer array field (widths, shapes).
     *
     * @param name the field's name, unique in the record
     * @param value the values (copied)
     * @return this record
     */
    public BlockRecord put(String name, int[] value) {
        return add(name, value.clone());
    }

    /**
     * Adds a float64 vector field, compared by its bits.
     *
     * @param name the field's name, unique in the record
     * @param value the values (copied)
     * @return this record
     */
    public BlockRecord put(String name, double[] value) {
        return add(name, value.clone());
    }

    /**
     * Adds a float64 matrix field (rows may differ in length), compared by its bits.
     *
     * @param name the field's name, unique in the record
     * @param value the rows (copied)
     * @return this record
     */
    public BlockRecord put(String name, double[][] value) {
        double[][] copy = new double[value.length][];
        for (int i = 0; i < value.length; i++) {
            copy[i] = value[i].clone();
        }
        return add(name, copy);
    }

    /**
     * Adds a region's {@link Region#record() record} under {@code prefix}: {@code prefix.kind},
     * then each of its fields as {@code prefix.field}, in the region's order. Its name is not
     * recorded: it does not change the function.
     *
     * @param prefix the fields' prefix, e.g. {@code "region0"}
     * @param region the region
     * @return this record
     */
    public BlockRecord putRegion(String prefix, Region region) {
        RegionRecord r = region.record();
        put(prefix + ".kind", r.kind());
        r.fields().forEach((field, value) -> add(prefix + "." + field, value));
        return this;
    }

    /**
     * The region {@link #putRegion} wrote under {@code prefix}, rebuilt by its kind's factory and
     * unnamed (the record keeps no name).
     *
     * @param prefix the fields' prefix, e.g. {@code "region0"}
     * @return the region
     * @throws IllegalArgumentException if the record holds no region under {@code prefix}, or one
     *     of a kind that cannot be read back
     */
    public Region region(String prefix) {
        if (!(fields.get(prefix + ".kind") instanceof String kind)) {
            throw new IllegalArgumentException("prefix: the " + type + " record has no region '" + prefix
                    + "' (no text field '" + prefix + ".kind'); it has " + fields.keySet());
        }
        RegionRecord r = RegionRecord.of(kind, null);
        String start = prefix + ".";
        fields.forEach((name, value) -> {
            if (name.startsWith(start) && !name.equals(start + "kind")) {
                r.putValue(name.substring(start.length()), value);
            }
        });
        return r.toRegion();
    }

    private BlockRecord add(String name, Object value) {
        if (fields.putIfAbsent(Objects.requireNonNull(name, "name"), value) != null) {
            throw new IllegalArgumentException("name: field '" + name + "' is already in the record");
        }
        return this;
    }

    /**
     * Writes the magic, the format version, the record and its CRC32.
     *
     * @param os the block's parameter stream
     * @throws IOException if the stream fails
     */
    public void write(DataOutputStream os) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(type);
            out.writeInt(fields.size());
            for (Map.Entry<String, Object> e : fields.entrySet()) {
                out.writeUTF(e.getKey());
                writeValue(out, e.getValue());
            }
        }
        byte[] body = bytes.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(body);
        os.writeInt(MAGIC);
        os.writeInt(FORMAT_VERSION);
        os.writeInt(body.length);
        os.write(body);
        os.writeLong(crc.getValue());
    }

    /**
     * Reads a record written by {@link #write}.
     *
     * @param is the block's parameter stream, at the record
     * @param block the block's name for messages
     * @return the saved record
     * @throws MalformedModelException if the stream holds no record, one of a newer format, or a
     *     truncated or corrupted one
     */
    public static BlockRecord read(DataInputStream is, String block) throws MalformedModelException {
        try {
            int magic = is.readInt();
            if (magic != MAGIC) {
                throw new MalformedModelException(block + " parameters: expected the record tag '" + MAGIC_TEXT
                        + "' (0x" + Integer.toHexString(MAGIC) + "), found 0x" + Integer.toHexString(magic)
                        + "; the stream is corrupted or was not written by this block");
            }
            int version = is.readInt();
            if (version < 1 || version > FORMAT_VERSION) {
                throw new MalformedModelException(block + " parameters: record format version " + version
                        + " is not supported; this police4j reads versions 1 to " + FORMAT_VERSION);
            }
            int length = is.readInt();
            if (length < 0 || length > MAX_BYTES) {
                throw new MalformedModelException(
                        block + " parameters: record length " + length + " is impossible; the stream is corrupted");
            }
            byte[] body = new byte[length];
            is.readFully(body);
            long expected = is.readLong();
            CRC32 crc = new CRC32();
            crc.update(body);
            if (crc.getValue() != expected) {
                throw new MalformedModelException(block + " parameters: the record is corrupted (CRC32 "
                        + Long.toHexString(crc.getValue()) + ", the stream says " + Long.toHexString(expected) + ")");
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(body));
            BlockRecord record = new BlockRecord(in.readUTF());
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                record.add(in.readUTF(), readValue(in));
            }
            return record;
        } catch (EOFException e) {
            throw new MalformedModelException(block + " parameters: the stream ends inside the record (truncated)", e);
        } catch (IOException | RuntimeException e) {
            throw new MalformedModelException(block + " parameters: the record cannot be read: " + e, e);
        }
    }

    /**
     * Checks that {@code saved} describes the same function as this record, field by field.
     *
     * @param saved the record read from the stream
     * @param block the block's name for messages
     * @throws MalformedModelException naming the first field that differs, the saved value and
     *     this block's value
     */
    public void requireSame(BlockRecord saved, String block) throws MalformedModelException {
        String hint = "; build the " + block + " with the saved settings (the record cannot be restored into a"
                + " built block), or load a model directory with ModelIo, which rebuilds it";
        if (!type.equals(saved.type)) {
            throw new MalformedModelException("Cannot load " + block + " parameters: they were saved by a "
                    + saved.type + ", not a " + type);
        }
        Set<String> names = new LinkedHashSet<>(saved.fields.keySet());
        names.addAll(fields.keySet());
        for (String name : names) {
            Object mine = fields.get(name);
            Object theirs = saved.fields.get(name);
            String difference = difference(theirs, mine);
            if (difference != null) {
                throw new MalformedModelException("Cannot load " + block + " parameters into this " + block
                        + ": field '" + name + "' differs: " + difference + hint);
            }
        }
    }

    /** {@return null when equal (doubles by bits), else "saved X, this network Y"} */
    private static String difference(Object saved, Object mine) {
        if (saved == null || mine == null) {
            return saved == mine ? null : "saved " + show(saved) + ", this network " + show(mine);
        }
        if (saved instanceof double[][] s && mine instanceof double[][] m) {
            if (s.length != m.length) {
                return "saved " + s.length + " rows, this network " + m.length + " rows";
            }
            for (int i = 0; i < s.length; i++) {
                String row = difference(s[i], m[i]);
                if (row != null) {
                    return "row " + i + ": " + row;
                }
            }
            return null;
        }
        if (saved instanceof double[] s && mine instanceof double[] m) {
            if (s.length != m.length) {
                return "saved " + s.length + " values, this network " + m.length + " values";
            }
            for (int i = 0; i < s.length; i++) {
                if (Double.doubleToLongBits(s[i]) != Double.doubleToLongBits(m[i])) {
                    return "at [" + i + "] saved " + s[i] + ", this network " + m[i] + " (of " + s.length + " values)";
                }
            }
            return null;
        }
        if (saved instanceof int[] s && mine instanceof int[] m) {
            return Arrays.equals(s, m) ? null : "saved " + Arrays.toString(s) + ", this network " + Arrays.toString(m);
        }
        if (saved instanceof Double s && mine instanceof Double m) {
            return Double.doubleToLongBits(s) == Double.doubleToLongBits(m) ? null : "saved " + s + ", this network " + m;
        }
        return saved.equals(mine) ? null : "saved " + show(saved) + ", this network " + show(mine);
    }

    private static String show(Object value) {
        if (value == null) {
            return "(absent)";
        }
        if (value instanceof double[][] m) {
            return m.length + " rows";
        }
        if (value instanceof double[] v) {
            return v.length + " values";
        }
        if (value instanceof int[] v) {
            return Arrays.toString(v);
        }
        return String.valueOf(value);
    }

    private static void writeValue(DataOutputStream out, Object value) throws IOException {
        if (value instanceof String s) {
            out.writeByte(STRING);
            out.writeUTF(s);
        } else if (value instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (value instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeLong(Double.doubleToRawLongBits(d));
        } else if (value instanceof Boolean b) {
            out.writeByte(BOOLEAN);
            out.writeBoolean(b);
        } else if (value instanceof int[] v) {
            out.writeByte(INTS);
            out.writeInt(v.length);
            for (int x : v) {
                out.writeInt(x);
            }
        } else if (value instanceof double[] v) {
            out.writeByte(DOUBLES);
            writeDoubles(out, v);
        } else {
            double[][] m = (double[][]) value;
            out.writeByte(MATRIX);
            out.writeInt(m.length);
            for (double[] row : m) {
                writeDoubles(out, row);
            }
        }
    }

    private static void writeDoubles(DataOutputStream out, double[] v) throws IOException {
        out.writeInt(v.length);
        for (double x : v) {
            out.writeLong(Double.doubleToRawLongBits(x));
        }
    }

    private static Object readValue(DataInputStream in) throws IOException {
        byte tag = in.readByte();
        switch (tag) {
            case STRING:
                return in.readUTF();
            case LONG:
                return in.readLong();
            case DOUBLE:
                return Double.longBitsToDouble(in.readLong());
            case BOOLEAN:
                return in.readBoolean();
            case INTS: {
                int[] v = new int[length(in)];
                for (int i = 0; i < v.length; i++) {
                    v[i] = in.readInt();
                }
                return v;
            }
            case DOUBLES:
                return readDoubles(in);
            case MATRIX: {
                double[][] m = new double[length(in)][];
                for (int i = 0; i < m.length; i++) {
                    m[i] = readDoubles(in);
                }
                return m;
            }
            default:
                throw new IOException("unknown field type " + tag);
        }
    }

    private static double[] readDoubles(DataInputStream in) throws IOException {
        double[] v = new double[length(in)];
        for (int i = 0; i < v.length; i++) {
            v[i] = Double.longBitsToDouble(in.readLong());
        }
        return v;
    }

    private static int length(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("array length " + n + " exceeds the record");
        }
        return n;
    }

    /**
     * Writes a block's own parameters and then its children's, as DJL does, followed by their
     * CRC32: what a POLICEd block's {@code saveParameters} writes after its record.
     *
     * @param os the stream
     * @param direct the block's own parameters
     * @param children the block's children
     * @throws IOException if the stream fails
     */
    public static void writeParameters(DataOutputStream os, ParameterList direct, BlockList children)
            throws IOException {
        CRC32 crc = new CRC32();
        DataOutputStream checked = new DataOutputStream(new CheckedOutputStream(os, crc));
        for (Parameter p : direct.values()) {
            p.save(checked);
        }
        for (Block child : children.values()) {
            child.saveParameters(checked);
        }
        checked.flush();
        os.writeLong(crc.getValue());
    }

    /**
     * Reads what {@link #writeParameters} wrote (with {@code checked}) or what DJL's own {@code
     * loadParameters} reads (without: streams written before the record existed).
     *
     * @param manager owns the loaded arrays
     * @param is the stream
     * @param direct the block's own parameters
     * @param children the block's children
     * @param checked whether a CRC32 follows the parameters
     * @param block the block's name for messages
     * @throws MalformedModelException if the stream is truncated, corrupted or does not fit the block
     */
    public static void readParameters(
            NDManager manager, DataInputStream is, ParameterList direct, BlockList children, boolean checked,
            String block) throws MalformedModelException {
        CRC32 crc = new CRC32();
        DataInputStream in = checked ? new DataInputStream(new CheckedInputStream(is, crc)) : is;
        try {
            for (Parameter p : direct.values()) {
                p.load(manager, in);
            }
            for (Block child : children.values()) {
                child.loadParameters(manager, in);
            }
            if (checked) {
                long expected = is.readLong();
                if (expected != crc.getValue()) {
                    throw new MalformedModelException(block + " parameters are corrupted: CRC32 "
                            + Long.toHexString(crc.getValue()) + ", the stream says " + Long.toHexString(expected));
                }
            }
        } catch (MalformedModelException e) {
            throw e;
        } catch (EOFException e) {
            throw new MalformedModelException(block + " parameters: the stream ends early (truncated, or corrupted where it gives a length)", e);
        } catch (IOException | RuntimeException e) {
            throw new MalformedModelException(
                    block + " parameters are truncated, corrupted or of another network: " + e, e);
        }
    }

    /** {@return the field names, in order (for messages and tests)} */
    public List<String> names() {
        return new ArrayList<>(fields.keySet());
    }
}
