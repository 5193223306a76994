package org.police4j.experiments.fashion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.police4j.cli.data.InputException;

/** IdxReader on small generated IDX files, plain and gzipped, good and broken. */
class IdxReaderTest {

    @TempDir Path dir;

    /** An IDX file: magic, sizes, then the bytes. */
    static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        return bytes.toByteArray();
    }

    static Path write(Path file, byte[] content, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
        return file;
    }

    /** 3 images of 2 x 2 pixels with values 0, 1, ..., 11, and 255 in the last pixel. */
    static byte[] images() throws IOException {
        byte[] px = new byte[12];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) i;
        }
        px[11] = (byte) 255;
        return idx(IdxReader.IMAGES_MAGIC, new int[] {3, 2, 2}, px);
    }

    @Test
    void readsPlainAndGzippedImages() throws IOException {
        for (boolean gz : new boolean[] {false, true}) {
            Path f = write(dir.resolve(gz ? "img.gz" : "img"), images(), gz);
            float[][] x = IdxReader.readImages(f, -1);
            assertThat(x.length).isEqualTo(3);
            assertThat(x[0]).containsExactly(0f, 1 / 255f, 2 / 255f, 3 / 255f);
            assertThat(x[2][3]).isEqualTo(1f); // unsigned 255 -> 1
            assertThat(IdxReader.readImages(f, 2).length).isEqualTo(2);
            IdxReader.IdxArray raw = IdxReader.read(f, IdxReader.IMAGES_MAGIC, -1);
            assertThat(raw.dims()).containsExactly(3, 2, 2);
        }
    }

    @Test
    void gzipIsRecognisedByContentNotName() throws IOException {
        Path f = write(dir.resolve("images-without-suffix"), images(), true);
        assertThat(IdxReader.readImages(f, -1)[1][0]).isEqualTo(4 / 255f);
    }

    @Test
    void readsLabels() throws IOException {
        byte[] content = idx(IdxReader.LABELS_MAGIC, new int[] {4}, new byte[] {9, 0, 3, (byte) 200});
        for (boolean gz : new boolean[] {false, true}) {
            Path f = write(dir.resolve(gz ? "lab.gz" : "lab"), content, gz);
            assertThat(IdxReader.readLabels(f, -1)).containsExactly(9, 0, 3, 200);
            assertThat(IdxReader.readLabels(f, 2)).containsExactly(9, 0);
        }
    }

    @Test
    void missingFileNamesThePathAndThePackage() {
        Path f = dir.resolve("nope").resolve("train-images-idx3-ubyte.gz");
        assertThatThrownBy(() -> IdxReader.readImages(f, -1))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("apt-get install dataset-fashion-mnist");
    }

    @Test
    void loadsGeneratedFashionFilesGzippedAndPlain() throws IOException {
        Path d = SyntheticIdx.write(dir.resolve("fashion"), 12, 5, 3);
        FashionMnist all = FashionMnist.load(d, -1, -1);
        assertThat(all.trainImages()).hasNumberOfRows(12);
        assertThat(all.testImages()).hasNumberOfRows(5);
        assertThat(all.trainImages()[0]).hasSize(FashionMnist.SIDE * FashionMnist.SIDE);
        assertThat(all.trainLabels()).containsExactly(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2);
        assertThat(all.testLabels()).containsExactly(0, 1, 2, 0, 1);
        // the pixels are the written bytes / 255, in the written order (same seed, same draws)
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 12; i++) {
            byte[] px = SyntheticIdx.image(i, random);
            for (int j = 0; j < px.length; j++) {
                assertThat(all.trainImages()[i][j]).isEqualTo((px[j] & 0xff) / 255f);
            }
        }
        FashionMnist first = FashionMnist.load(d, 4, 2);
        assertThat(first.trainLabels()).containsExactly(0, 1, 2, 0);
        assertThat(first.testImages()).hasNumberOfRows(2);
        assertThat(first.trainImages()[3]).containsExactly(all.trainImages()[3]);
    }

    @Test
    void missingDirectoryNamesThePackage() {
        Path d = dir.resolve("no-such-dir");
        assertThatThrownBy(() -> FashionMnist.load(d, 10, 10))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(d.toString())
                .hasMessageContaining("apt-get install dataset-fashion-mnist");
    }

    @Test
    void badMagicIsReportedInHex() throws IOException {
        // a label file where images are expected
        Path f = write(dir.resolve("labels-as-images"), idx(IdxReader.LABELS_MAGIC, new int[] {1}, new byte[] {1}), false);
        assertThatThrownBy(() -> IdxReader.readImages(f, -1))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("bad magic number 0x00000801")
                .hasMessageContaining("expected 0x00000803");
        Path text = write(dir.resolve("text.gz"), "hello, not an idx file".getBytes(), true);
        assertThatThrownBy(() -> IdxReader.readLabels(text, -1)).hasMessageContaining("bad magic number");
    }

    @Test
    void truncatedDataIsReported() throws IOException {
        byte[] full = images();
        byte[] cut = Arrays.copyOf(full, full.length - 5);
        for (boolean gz : new boolean[] {false, true}) {
            Path f = write(dir.resolve(gz ? "cut.gz" : "cut"), cut, gz);
            assertThatThrownBy(() -> IdxReader.readImages(f, -1))
                    .isInstanceOf(InputException.class)
                    .hasMessageContaining(f.toString())
                    .hasMessageContaining("truncated IDX file: the header announces 12 bytes of data, only 7 follow");
            // the first image is complete: reading only it works
            assertThat(IdxReader.readImages(f, 1)[0]).hasSize(4);
        }
    }

    @Test
    void truncatedHeaderAndGzipStreamAreReported() throws IOException {
        Path header = write(dir.resolve("header"), Arrays.copyOf(images(), 6), false);
        assertThatThrownBy(() -> IdxReader.readImages(header, -1)).hasMessageContaining("truncated IDX header");
        Path empty = write(dir.resolve("empty"), new byte[0], false);
        assertThatThrownBy(() -> IdxReader.readImages(empty, -1)).hasMessageContaining("truncated IDX file");
        // a gzip stream cut in the middle
        Path gz = write(dir.resolve("whole.gz"), images(), true);
        byte[] bytes = Files.readAllBytes(gz);
        Path cutGz = write(dir.resolve("cutstream.gz"), Arrays.copyOf(bytes, bytes.length - 12), false);
        assertThatThrownBy(() -> IdxReader.readImages(cutGz, -1))
                .isInstanceOf(InputException.class)
                .hasMessageContaining(cutGz.toString())
                .hasMessageContaining("truncated");
    }
}
